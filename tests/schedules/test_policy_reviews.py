"""Policy review reminders: the owner is told 30 school days before the review date, then each
school week, and never again once a lead records the review (the next date is a year on)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from handlers import routes
from handlers.school_config import ConfigError, parse_school_config
from schedules.sweeps import run_all
from storage.database import transaction
from storage.models import AuditEvent, PolicyReview, School
from tests.conftest import london
from tests.handlers.breach_steps import act, text_of
from tests.handlers.test_offsite_steps import outbox

LEAD = "onlinesafety@example.org"
REMINDER = (
    "Policy review: the Online Safety policy is due for review on Fri 19 Mar 2027 ({days} "
    "school days from today). When it has been reviewed, record it with "
    "`/safekeep policy reviewed online_safety`."
)


@pytest.fixture
def policies(factory, school):
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.settings = {
            **row.settings,
            "policies": [
                {
                    "name": "online_safety",
                    "owner": "online_safety_lead",
                    "next_review": "2027-03-19",
                }
            ],
        }


def _sweep_at(factory, clock, *when: int) -> list[tuple[str, str]]:
    clock.set(london(*when))
    before = len(outbox(factory))
    run_all(factory, clock, only="policy_reviews")
    assert run_all(factory, clock, only="policy_reviews") == 0  # a second run sends nothing
    return outbox(factory)[before:]


def test_the_owner_is_reminded_30_school_days_before_then_weekly_until_recorded(
    factory, school, clock, policies
):
    # Fri 19 Mar 2027 is 30 school days after Fri 29 Jan (half-term is 15-19 Feb).
    assert _sweep_at(factory, clock, 2027, 1, 28, 8, 10) == []
    assert _sweep_at(factory, clock, 2027, 1, 29, 8, 10) == [(LEAD, REMINDER.format(days=30))]
    assert _sweep_at(factory, clock, 2027, 1, 29, 15, 45) == []  # once that week
    assert _sweep_at(factory, clock, 2027, 2, 4, 8, 10) == []
    assert _sweep_at(factory, clock, 2027, 2, 5, 8, 10) == [(LEAD, REMINDER.format(days=25))]
    assert _sweep_at(factory, clock, 2027, 2, 12, 8, 10) == [(LEAD, REMINDER.format(days=20))]
    assert _sweep_at(factory, clock, 2027, 2, 19, 8, 10) == []  # half-term: not a school day
    assert _sweep_at(factory, clock, 2027, 2, 22, 12, 0) == []  # outside the reminder window

    clock.set(london(2027, 2, 22, 10, 0))
    done = act(
        factory, clock, school, LEAD, routes.command("safekeep", "policy reviewed online_safety")
    )
    assert text_of(done) == (
        "Recorded: the Online Safety policy was reviewed today. The next review is due on "
        "Tue 22 Feb 2028."
    )
    for day in (26, 27):
        assert _sweep_at(factory, clock, 2027, 2, day, 8, 10) == []
    assert _sweep_at(factory, clock, 2027, 3, 19, 8, 10) == []
    listing = act(factory, clock, school, LEAD, routes.command("safekeep", "policy"))
    assert "Online Safety policy (`online_safety`): owner Online Safety lead; next review " in (
        text_of(listing)
    )
    assert "Tue 22 Feb 2028" in text_of(listing)
    with factory() as session:
        (review,) = session.scalars(select(PolicyReview)).all()
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "policy.reviewed")
        ).all()
    assert review.policy == "online_safety" and str(review.next_review) == "2028-02-22"
    assert [e.details for e in events] == [{"next_review": "2028-02-22"}]


def test_reminders_go_on_weekly_after_the_date_until_recorded(factory, school, clock, policies):
    assert _sweep_at(factory, clock, 2027, 3, 22, 8, 10)[0][1].startswith(
        "Policy review: the Online Safety policy is due for review on Fri 19 Mar 2027 (overdue)."
    )


def test_only_leads_record_a_review_and_unknown_names_are_listed(factory, school, clock, policies):
    refused = act(
        factory,
        clock,
        school,
        "teacher@example.org",
        routes.command("safekeep", "policy reviewed online_safety"),
    )
    assert "only the" in text_of(refused)
    unknown = act(factory, clock, school, LEAD, routes.command("safekeep", "policy reviewed aup"))
    assert text_of(unknown) == (
        "'aup' is not one of the school's policies in Safekeep. Policies: `online_safety`."
    )
    with factory() as session:
        assert session.scalars(select(PolicyReview)).all() == []


BASE = '[school]\nname = "Test School"\n'


@pytest.mark.parametrize(
    ("policies_toml", "problem"),
    [
        (
            'name = "safeguarding"\nowner = "dsl"\nnext_review = 2027-03-01',
            "'policies[0].name' must be one of offsite_records, online_safety, aup",
        ),
        (
            'name = "aup"\nowner = "governor"\nnext_review = 2027-03-01',
            "'policies[0].owner' must be a role",
        ),
        (
            'name = "aup"\nowner = "online_safety_lead"',
            "'policies[0].next_review' is required (a date like 2027-03-01)",
        ),
        (
            'name = "aup"\nowner = "online_safety_lead"\nnext_review = "soon"',
            "'policies[0].next_review' must be a date like 2026-09-02",
        ),
        (
            'name = "aup"\nowner = "online_safety_lead"\nnext_review = 2027-03-01\nwho = "x"',
            "'policies[0].who' is not a policy setting",
        ),
    ],
)
def test_bad_policy_entries_in_school_toml_name_the_key(policies_toml, problem):
    import tomllib

    raw = tomllib.loads(BASE + "[[policies]]\n" + policies_toml + "\n")
    with pytest.raises(ConfigError) as error:
        parse_school_config(raw, base_dir=Path("."), source="school.toml")
    assert problem in str(error.value)


def test_a_policy_listed_twice_is_refused_and_good_ones_are_read():
    import tomllib

    entry = '[[policies]]\nname = "aup"\nowner = "online_safety_lead"\nnext_review = 2027-07-09\n'
    with pytest.raises(ConfigError, match="'policies\\[1\\].name' lists 'aup' a second time"):
        parse_school_config(tomllib.loads(BASE + entry + entry), base_dir=Path("."))
    config = parse_school_config(tomllib.loads(BASE + entry), base_dir=Path("."))
    (policy,) = config.settings.policies
    assert (policy.name, policy.owner, str(policy.next_review)) == (
        "aup",
        "online_safety_lead",
        "2027-07-09",
    )
    again = type(config.settings).from_json(config.settings.to_json())
    assert again.policies == config.settings.policies


def test_the_example_school_toml_lists_the_three_policies():
    from handlers.school_config import load_school_config

    root = Path(__file__).resolve().parents[2]
    config = load_school_config(root / "school.example.toml")
    assert [p.name for p in config.settings.policies] == ["online_safety", "offsite_records", "aup"]
    assert config.roles["safeguarding_governor"] == ["governor@example.org"]
