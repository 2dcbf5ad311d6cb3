"""The AUP campaign sweep with a frozen clock walked through the whole Spring term of 2027
(opening Tue 5 Jan, February half-term 15-19 Feb, Good Friday 26 Mar, the Easter holidays):
who is reminded when, nothing at weekends, in holidays or on bank holidays, a second run
changes nothing, signers, exempt people and leavers are never chased, the leads' digests, a
version that takes effect mid-year, and a new starter."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from handlers import people, routes
from handlers.aup import campaign
from handlers.aup.roster import (
    OVERDUE,
    SIGNED,
    TO_SIGN,
    record_signature,
    standing,
    version_for,
)
from handlers.aup.versions import publish, publish_version
from handlers.context import Context
from handlers.replies import Say
from handlers.school_calendar import SchoolCalendar
from handlers.school_config import ConfigError, parse_school_config
from handlers.settings import SchoolSettings, Term
from schedules.sweeps import run_all
from storage.database import transaction
from storage.models import (
    AupCampaign,
    AupExemption,
    OutboxMessage,
    Person,
    PlatformIdentity,
    School,
)
from tests.conftest import london
from tests.handlers.test_offsite_steps import act, outbox, outbox_buttons

TEACHER, TA, SBM = "teacher@example.org", "ta@example.org", "sbm@example.org"
HEAD, ONLINE_SAFETY = "head@example.org", "onlinesafety@example.org"
STARTER = "starter@example.org"
EVERYONE = (
    "teacher@example.org",
    "ta@example.org",
    "head@example.org",
    "dsl@example.org",
    "deputy@example.org",
    "dpo@example.org",
    "it@example.org",
    "onlinesafety@example.org",
    "senco@example.org",
    "sbm@example.org",
    "chair@example.org",
)
# Everyone still to sign after the teacher signs, the TA is exempt and the SBM leaves.
STILL_TO_SIGN = [e for e in EVERYONE if e not in (TEACHER, TA, SBM)]
OPEN = (
    "Acceptable Use Policy · the 2026/27 Spring round is open · please read and agree to it by "
    "Fri 12 Feb."
)


class Sweep:
    """Runs the campaign sweep at a moment and returns only the DMs that run queued; a second
    run, as a second worker would make, must queue nothing."""

    def __init__(self, factory, clock) -> None:
        self.factory, self.clock = factory, clock

    def at(self, when) -> list[tuple[str, str]]:
        self.clock.set(when)
        before = len(outbox(self.factory))
        queued = run_all(self.factory, self.clock, only="aup_campaign")
        sent = outbox(self.factory)[before:]
        assert queued == len(sent)
        assert run_all(self.factory, self.clock, only="aup_campaign") == 0
        assert len(outbox(self.factory)) == before + len(sent)
        return sent

    def walk(self, first: date, last: date) -> dict[date, list[tuple[str, str]]]:
        """Every day from ``first`` to ``last``, at 07:00, 08:00, 12:00 and 16:00: what went out,
        by day (only days with messages)."""
        sent: dict[date, list[tuple[str, str]]] = {}
        day = first
        while day <= last:
            for hour in (7, 8, 12, 16):
                found = self.at(london(day.year, day.month, day.day, hour, 0))
                if found:
                    sent.setdefault(day, []).extend(found)
            day += timedelta(days=1)
        return sent


def signs(factory, clock, email: str) -> None:
    def sign(ctx: Context) -> Say:
        version = version_for(ctx, ctx.person)
        assert version is not None
        record_signature(ctx, ctx.person, version)
        return Say("signed")

    act(factory, clock, email, sign)


def person_id(factory, email: str) -> int:
    with factory() as session:
        return session.scalars(select(Person.id).where(Person.email == email)).one()


def exempt(factory, clock, email: str, starts: date, ends: date) -> None:
    with transaction(factory) as session:
        person = session.scalars(select(Person).where(Person.email == email)).one()
        session.add(
            AupExemption(
                school_id=person.school_id,
                person_id=person.id,
                reason="Long-term absence",
                starts_on=starts,
                ends_on=ends,
                recorded_by_id=None,
                recorded_at=clock(),
            )
        )


def leaves(factory, email: str) -> None:
    with transaction(factory) as session:
        session.scalars(select(Person).where(Person.email == email)).one().active = False


def joins(factory, clock, email: str, name: str, group: str = "teaching") -> None:
    with transaction(factory) as session:
        school = session.scalars(select(School)).one()
        people.upsert_person(session, school, email, name, clock(), group)


def rounds(factory) -> list[tuple[str, str, date, date, int]]:
    with factory() as session:
        return [
            (c.cycle, c.kind, c.opens_on, c.due_on, c.aup_version_id)
            for c in session.scalars(select(AupCampaign).order_by(AupCampaign.id))
        ]


def status_of(factory, clock, email: str) -> str:
    with factory() as session:
        school = session.scalars(select(School)).one()
        person = session.scalars(select(Person).where(Person.email == email)).one()
        return standing(Context(session, school, None, clock), person).status


def by_day(sent: dict[date, list[tuple[str, str]]]) -> dict[date, list[str]]:
    return {day: sorted({to for to, _ in dms}) for day, dms in sent.items()}


def test_the_spring_round_opens_reminds_on_school_days_and_digests_weekly_once_overdue(
    factory, clock, school
):
    sweep = Sweep(factory, clock)
    assert sweep.walk(date(2026, 12, 31), date(2027, 1, 4)) == {}  # the Christmas holidays
    assert rounds(factory) == []

    sweep.at(london(2027, 1, 5, 6, 0))  # before the reminder window: the round opens, silently
    assert rounds(factory) == [("2026/27 Spring", "yearly", date(2027, 1, 5), date(2027, 2, 12), 1)]
    opening = sweep.at(london(2027, 1, 5, 8, 0))
    assert sorted(to for to, _ in opening) == sorted(EVERYONE)
    assert {text for _, text in opening} == {OPEN}
    assert {b[0]["action"] for b in outbox_buttons(factory)} == {"aup.start"}
    assert {b[0]["label"] for b in outbox_buttons(factory)} == {"Read and agree"}

    clock.set(london(2027, 1, 7, 11, 0))
    signs(factory, clock, TEACHER)
    exempt(factory, clock, TA, date(2027, 1, 6), date(2027, 7, 31))
    leaves(factory, SBM)
    assert status_of(factory, clock, TEACHER) == SIGNED

    sent = sweep.walk(date(2027, 1, 5), date(2027, 4, 16))
    every_day = by_day(sent)
    assert list(every_day) == [
        date(2027, 1, 14),  # +7 school days
        date(2027, 1, 25),  # +14 school days
        date(2027, 2, 11),  # the school day before the due date
        date(2027, 2, 22),  # the first school day overdue, after half-term
        date(2027, 3, 1),  # weekly while overdue ...
        date(2027, 3, 5),  # the digest, two school weeks overdue
        date(2027, 3, 8),
        date(2027, 3, 12),  # digest
        date(2027, 3, 15),
        date(2027, 3, 19),  # digest
        date(2027, 3, 22),
        date(2027, 4, 12),  # Good Friday, Easter Monday and the holidays skipped: digest
        date(2027, 4, 13),
    ]
    calendar = SchoolCalendar(school_settings(factory))
    assert all(calendar.is_school_day(day) for day in every_day)
    for day in (date(2027, 1, 14), date(2027, 1, 25), date(2027, 2, 11), date(2027, 2, 22)):
        assert every_day[day] == sorted(STILL_TO_SIGN), day
    for day in (date(2027, 3, 5), date(2027, 3, 12), date(2027, 3, 19), date(2027, 4, 12)):
        assert every_day[day] == sorted([HEAD, ONLINE_SAFETY]), day
    # Every DM went in the morning window, the first window of its day.
    assert sent[date(2027, 1, 14)][0][1] == (
        "Reminder · Acceptable Use Policy · the 2026/27 Spring round · please read and agree "
        "to it by Fri 12 Feb."
    )
    assert sent[date(2027, 2, 11)][0][1] == (
        "Acceptable Use Policy · the 2026/27 Spring round · due Fri 12 Feb, the next school "
        "day. Please read and agree to it."
    )
    assert sent[date(2027, 2, 22)][0][1] == (
        "Acceptable Use Policy · the 2026/27 Spring round · overdue since Fri 12 Feb. Please "
        "read and agree to it now."
    )
    digest = dict(sent[date(2027, 3, 5)])[HEAD]
    assert digest == (
        "Acceptable Use Policy · the 2026/27 Spring round · 8 people overdue by two school "
        "weeks or more:\n"
        "• Teaching staff: 5\n"
        "• Support staff: 2\n"
        "• Governors: 1\n"
        "Tap See who for the names (/aup status)."
    )
    # The digest carries counts only: no name of anyone overdue.
    assert not any(name in digest for name in ("Riley", "Casey", "Morgan", "Taylor", "Robin"))
    assert status_of(factory, clock, "dsl@example.org") == OVERDUE


def test_someone_who_signs_is_not_chased_again_and_drops_out_of_the_digest(factory, clock, school):
    sweep = Sweep(factory, clock)
    sweep.at(london(2027, 1, 5, 8, 0))
    sent = sweep.at(london(2027, 3, 5, 8, 0))  # the first digest, and nobody reminded today
    assert "11 people overdue" in dict(sent)[HEAD]
    for email in EVERYONE[1:]:
        clock.set(london(2027, 3, 5, 9, 0))
        signs(factory, clock, email)
    assert sweep.at(london(2027, 3, 8, 8, 0)) == [(TEACHER, overdue_text())]
    assert sweep.at(london(2027, 3, 12, 8, 0)) == [
        (HEAD, digest_text(1, [("Teaching staff", 1)])),
        (ONLINE_SAFETY, digest_text(1, [("Teaching staff", 1)])),
    ]
    clock.set(london(2027, 3, 12, 9, 0))
    signs(factory, clock, TEACHER)
    assert sweep.walk(date(2027, 3, 12), date(2027, 4, 20)) == {}


def overdue_text() -> str:
    return (
        "Acceptable Use Policy · the 2026/27 Spring round · overdue since Fri 12 Feb. Please "
        "read and agree to it now."
    )


def digest_text(total: int, counts: list[tuple[str, int]]) -> str:
    return "\n".join(
        [
            f"Acceptable Use Policy · the 2026/27 Spring round · {total} "
            f"{'person' if total == 1 else 'people'} overdue by two school weeks or more:",
            *(f"• {group}: {n}" for group, n in counts),
            "Tap See who for the names (/aup status).",
        ]
    )


def school_settings(factory) -> SchoolSettings:
    with factory() as session:
        return SchoolSettings.from_json(session.scalars(select(School)).one().settings)


def test_a_version_taking_effect_mid_year_opens_its_own_round_for_its_groups(
    factory, clock, school
):
    sweep = Sweep(factory, clock)
    sweep.at(london(2027, 1, 5, 8, 0))
    clock.set(london(2027, 1, 20, 12, 0))
    signs(factory, clock, TEACHER)
    signs(factory, clock, TA)
    clock.set(london(2027, 2, 24, 16, 0))
    with transaction(factory) as session:
        row = session.scalars(select(School)).one()
        publish_version(
            Context(session, row, None, clock),
            "2027.1",
            "Teaching Staff Acceptable Use Policy",
            "1. I keep my passwords private.",
            None,
            date(2027, 2, 27),  # a Saturday: the round opens on Monday
            ["teaching"],
        )
    assert len(sweep.at(london(2027, 2, 22, 8, 0))) == 9  # overdue: all but the two signers
    assert sweep.at(london(2027, 2, 26, 8, 0)) == []  # not in force yet; no reminder due
    assert len(rounds(factory)) == 1

    monday = sweep.at(london(2027, 3, 1, 8, 0))
    assert rounds(factory)[1] == (
        "2026/27 version 2027.1",
        "new_version",
        date(2027, 3, 1),
        date(2027, 3, 15),
        2,
    )
    teaching = sorted(
        e
        for e in EVERYONE
        if e not in (TA, "dpo@example.org", "it@example.org", SBM, "chair@example.org")
    )
    new_round = sorted(to for to, text in monday if "new version 2027.1" in text)
    assert new_round == teaching  # the teacher too: she signed the old version
    assert dict(monday)[TEACHER] == (
        "Acceptable Use Policy · new version 2027.1 is open · please read and agree to it by "
        "Mon 15 Mar."
    )
    # Support staff stay in the yearly round: still overdue (the TA signed it).
    overdue = sorted(to for to, text in monday if "overdue since Fri 12 Feb" in text)
    assert overdue == ["chair@example.org", "dpo@example.org", "it@example.org", SBM]
    assert status_of(factory, clock, TEACHER) == TO_SIGN
    assert status_of(factory, clock, TA) == SIGNED

    clock.set(london(2027, 3, 2, 9, 0))
    signs(factory, clock, TEACHER)
    walked = sweep.walk(date(2027, 3, 2), date(2027, 3, 16))
    sent = by_day(walked)
    others = sorted(t for t in teaching if t != TEACHER)
    assert sent[date(2027, 3, 10)] == others  # +7 school days in the new round
    due_next = sorted(to for to, text in walked[date(2027, 3, 12)] if "due Mon 15 Mar" in text)
    assert due_next == others  # the school day before it is due
    assert sent[date(2027, 3, 16)] == others  # overdue in the new round
    assert TEACHER not in {to for day in sent.values() for to in day}
    # The yearly round's digest counts only those still in it: support staff.
    digest = [text for to, text in walked[date(2027, 3, 12)] if to == HEAD and "Tap" in text]
    assert digest == [digest_text(4, [("Support staff", 3), ("Governors", 1)])]


def test_signing_a_new_version_before_the_sweep_writes_its_round_counts_in_the_round(
    factory, clock, school
):
    clock.set(london(2027, 3, 1, 7, 0))
    with transaction(factory) as session:
        row = session.scalars(select(School)).one()
        publish_version(
            Context(session, row, None, clock),
            "2027.1",
            "Staff Acceptable Use Policy",
            "1. New wording.",
            None,
            date(2027, 3, 1),
        )
    signs(factory, clock, TEACHER)  # before any sweep has run today
    sent = Sweep(factory, clock).at(london(2027, 3, 1, 8, 0))
    assert rounds(factory)[0][:2] == ("2026/27 version 2027.1", "new_version")
    assert len(sent) == 10 and TEACHER not in [to for to, _ in sent]
    assert status_of(factory, clock, TEACHER) == SIGNED


def test_a_new_starter_is_asked_on_their_first_school_day_and_has_their_own_due_date(
    factory, clock, school
):
    sweep = Sweep(factory, clock)
    sweep.at(london(2027, 1, 5, 8, 0))
    clock.set(london(2027, 3, 6, 10, 0))  # a Saturday, after the round is due
    joins(factory, clock, STARTER, "Pat Newcomer")
    sent = sweep.walk(date(2027, 3, 6), date(2027, 4, 13))
    theirs = {day: [t for to, t in dms if to == STARTER] for day, dms in sent.items()}
    theirs = {day: texts for day, texts in theirs.items() if texts}
    assert theirs == {
        date(2027, 3, 8): [
            "Welcome. Acceptable Use Policy · the 2026/27 Spring round · please read and agree "
            "to it by Fri 19 Mar."
        ],
        date(2027, 3, 17): [
            "Reminder · Acceptable Use Policy · the 2026/27 Spring round · please read and "
            "agree to it by Fri 19 Mar."
        ],
        date(2027, 3, 18): [
            "Acceptable Use Policy · the 2026/27 Spring round · due Fri 19 Mar, the next school "
            "day. Please read and agree to it."
        ],
        date(2027, 3, 22): [
            "Acceptable Use Policy · the 2026/27 Spring round · overdue since Fri 19 Mar. "
            "Please read and agree to it now."
        ],
        date(2027, 4, 13): [
            "Acceptable Use Policy · the 2026/27 Spring round · overdue since Fri 19 Mar. "
            "Please read and agree to it now."
        ],
    }
    # Not yet two school weeks overdue on 12 Apr: the digest counts only the others.
    assert "11 people overdue" in dict(sent[date(2027, 4, 12)])[HEAD]


def test_a_new_starter_joining_early_in_the_round_is_due_with_everyone(factory, clock, school):
    sweep = Sweep(factory, clock)
    sweep.at(london(2027, 1, 5, 8, 0))
    clock.set(london(2027, 1, 6, 16, 0))  # in the afternoon window of their first day
    joins(factory, clock, STARTER, "Pat Newcomer")
    sent = sweep.at(london(2027, 1, 6, 16, 0))
    assert sent == [
        (
            STARTER,
            "Welcome. Acceptable Use Policy · the 2026/27 Spring round · please read and agree "
            "to it by Fri 12 Feb.",
        )
    ]


def test_staff_who_arrive_with_a_school_that_starts_mid_round_keep_the_rounds_dates(
    factory, clock, school
):
    # The round is written late (say the school was set up today, 20 Jan): everyone on the
    # roster today is in the round as it stands; only someone who joins later is a new starter.
    clock.set(london(2027, 1, 20, 7, 0))
    joins(factory, clock, "early@example.org", "Kim Early")
    sweep = Sweep(factory, clock)
    first = sweep.at(london(2027, 1, 20, 8, 0))
    assert rounds(factory)[0][2:4] == (date(2027, 1, 5), date(2027, 2, 12))
    assert len(first) == 12
    assert {text for _, text in first} == {
        "Reminder · Acceptable Use Policy · the 2026/27 Spring round · please read and agree "
        "to it by Fri 12 Feb."
    }
    clock.set(london(2027, 1, 21, 12, 0))
    joins(factory, clock, STARTER, "Pat Newcomer")
    assert sweep.at(london(2027, 1, 21, 16, 0)) == [
        (
            STARTER,
            "Welcome. Acceptable Use Policy · the 2026/27 Spring round · please read and agree "
            "to it by Fri 12 Feb.",
        )
    ]


def test_people_known_only_from_the_csv_list_get_no_messages(factory, clock, school):
    clock.set(london(2027, 1, 4, 12, 0))
    joins(factory, clock, "governor@example.org", "Lee Governor", "governor")
    with transaction(factory) as session:
        governor = session.scalars(select(Person).where(Person.email.like("governor@%"))).one()
        governor.sources = ["csv"]
    sent = Sweep(factory, clock).at(london(2027, 1, 5, 8, 0))
    assert "governor@example.org" not in [to for to, _ in sent]
    assert status_of(factory, clock, "governor@example.org") == TO_SIGN


def test_someone_from_the_csv_list_who_is_also_in_chat_is_reminded(factory, clock, school):
    clock.set(london(2027, 1, 4, 12, 0))
    joins(factory, clock, "governor@example.org", "Lee Governor", "governor")
    with transaction(factory) as session:
        governor = session.scalars(select(Person).where(Person.email.like("governor@%"))).one()
        governor.sources = ["csv"]
        session.add(
            PlatformIdentity(
                school_id=school.id,
                person_id=governor.id,
                platform=school.platform,
                external_id="governor-in-chat",
            )
        )
    sent = Sweep(factory, clock).at(london(2027, 1, 5, 8, 0))
    assert "governor@example.org" in [to for to, _ in sent]


def test_a_school_that_starts_after_the_due_date_waits_for_next_years_round(factory, clock, school):
    assert Sweep(factory, clock).at(london(2027, 3, 1, 8, 0)) == []
    assert rounds(factory) == []


def test_school_set_dates_replace_the_term_dates_for_their_year(factory, clock, school):
    with transaction(factory) as session:
        row = session.scalars(select(School)).one()
        row.settings = {
            **row.settings,
            "aup_opens_on": "2027-01-11",
            "aup_due_on": "2027-01-29",
        }
    sweep = Sweep(factory, clock)
    assert sweep.at(london(2027, 1, 5, 8, 0)) == []
    assert len(sweep.at(london(2027, 1, 11, 8, 0))) == 11
    assert rounds(factory) == [
        ("2026/27 Spring", "yearly", date(2027, 1, 11), date(2027, 1, 29), 1)
    ]


def test_the_yearly_dates_default_to_the_first_school_day_and_the_friday_before_half_term():
    settings = SchoolSettings(
        terms=(
            Term(
                "Spring 2027",
                date(2027, 1, 4),
                date(2027, 3, 26),
                date(2027, 2, 15),
                date(2027, 2, 19),
            ),
        ),
        closures=(date(2027, 1, 4),),
    )
    dates = campaign.yearly_dates(SchoolCalendar(settings), 2026)
    assert dates is not None
    assert (dates.cycle, dates.opens_on, dates.due_on) == (
        "2026/27 Spring",
        date(2027, 1, 5),
        date(2027, 2, 12),
    )
    assert campaign.yearly_dates(SchoolCalendar(settings), 2027) is None  # no terms for 2027/28


@pytest.mark.parametrize(
    ("aup", "problem"),
    [
        ({"campaign_opens": "2027-01-05"}, "'aup.campaign_due' is needed too"),
        (
            {"campaign_opens": "2027-01-05", "campaign_due": "2027-01-05"},
            "'aup.campaign_due' must be after aup.campaign_opens",
        ),
        (
            {"campaign_opens": "2027-07-20", "campaign_due": "2027-09-10"},
            "'aup.campaign_due' must be in the same academic year",
        ),
        (
            {"campaign_opens": "5th January", "campaign_due": "2027-02-12"},
            "'aup.campaign_opens' must be a date like 2026-09-02",
        ),
        ({"new_starter_school_days": 0}, "'aup.new_starter_school_days' must be a whole number"),
        ({"new_version_school_days": "ten"}, "'aup.new_version_school_days' must be a whole"),
    ],
)
def test_school_toml_campaign_settings_are_checked_with_clear_messages(aup, problem):
    raw = {"school": {"name": "Test School"}, "aup": aup}
    with pytest.raises(ConfigError, match=problem.replace("(", r"\(")):
        parse_school_config(raw, base_dir=Path("."))


def test_school_toml_campaign_settings_reach_the_school_settings():
    raw = {
        "school": {"name": "Test School"},
        "aup": {
            "campaign_opens": "2027-01-11",
            "campaign_due": "2027-01-29",
            "new_version_school_days": 15,
            "new_starter_school_days": 5,
        },
    }
    settings = parse_school_config(raw, base_dir=Path(".")).settings
    assert (settings.aup_opens_on, settings.aup_due_on) == (date(2027, 1, 11), date(2027, 1, 29))
    assert (settings.aup_new_version_school_days, settings.aup_new_starter_school_days) == (15, 5)
    assert SchoolSettings.from_json(settings.to_json()) == settings


def test_settings_tell_the_truth_about_the_campaign(factory, clock, school):
    said = act(factory, clock, HEAD, routes.command("safekeep", "settings"))
    assert isinstance(said, Say)
    assert (
        "• AUP: the 2026/27 Spring round opens Tue 5 Jan 2027 and is due Fri 12 Feb 2027 (the "
        "first school day of Spring 2027, and the last school day before its half-term)"
    ) in said.text
    assert "reminded 7 and 14 school days later and on the school day before it is due" in (
        said.text
    )
    assert "then weekly while overdue" in said.text
    assert "After 10 school days overdue, and weekly after that, the Online Safety lead" in (
        said.text
    )
    assert "own round, due 10 school days later" in said.text
    assert "New starters are asked on their first school day on the roster" in said.text
    assert "python -m bot school apply" in said.text
    clock.set(london(2027, 3, 1, 10, 0))  # this year's round is due: next year's is shown too
    said = act(factory, clock, HEAD, routes.command("safekeep", "settings"))
    assert isinstance(said, Say)
    assert "the 2026/27 Spring round opens Tue 5 Jan 2027" in said.text
    assert "no 2027/28 Spring round: school.toml has no spring term for that year" in said.text


def test_nothing_is_written_to_the_outbox_outside_the_window(factory, clock, school):
    Sweep(factory, clock).at(london(2027, 1, 5, 7, 30))
    with factory() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


def test_a_version_published_in_chat_asks_its_people_once_not_again_when_its_round_opens(
    factory, clock, school
):
    sweep = Sweep(factory, clock)
    sweep.at(london(2027, 1, 5, 8, 0))  # the yearly round opens
    clock.set(london(2027, 3, 2, 14, 0))  # a Tuesday afternoon, after the round was due

    def publish_now(ctx: Context) -> Say:
        done = publish(
            ctx,
            "2027.1",
            "Teaching Staff Acceptable Use Policy",
            "1. I keep my passwords private.",
            None,
            date(2027, 3, 2),
            ["teaching"],
        )
        return Say(str(done.told))

    told = int(act(factory, clock, ONLINE_SAFETY, publish_now).text)
    teaching = [e for e, _ in outbox(factory)[-told:]]
    assert told == 6 and TEACHER in teaching  # the demo's teaching staff, asked at once
    # The round the sweep opens for it does not ask them again; its reminders follow.
    evening = sweep.at(london(2027, 3, 2, 16, 0))
    assert not [to for to, text in evening if "2027.1 is open" in text]
    assert [to for to, text in evening if "2027.1" in text] == []
    later = sweep.walk(date(2027, 3, 3), date(2027, 3, 12))
    reminded = sorted({to for dms in later.values() for to, text in dms if "2027.1" in text})
    assert reminded == sorted(teaching)
