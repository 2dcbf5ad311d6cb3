"""Off-site records in Slack beyond the shared journey (tests/journeys/): low tiers, declining,
lapsing, refusals, errors next to fields, the reminder button and App Home; signed requests."""

from __future__ import annotations

import json
from typing import Any

from schedules.sweeps import run_all
from tests.conftest import london
from tests.handlers.test_offsite_steps import PROMISES, audit_actions, declarations

TEACHER = "teacher@example.org"
HEAD = "head@example.org"
PLANNING_AND_MARKING = {
    "categories": ["planning", "marking"],
    "format": "paper",
    "encryption": "n/a",
}
SEND_ON_PAPER = {"categories": ["send"], "format": "paper", "encryption": "n/a"}
LAPTOP = {
    "categories": ["planning", "tracking"],
    "format": "school_laptop",
    "asset_tag": "LAP-0142",
    "encryption": "yes",
}
DETAILS = {
    "people_band": "class",
    "class_code": "Y4",
    "purpose": "marking",
    "destination": "home",
    "expected_return": "2026-11-25",
    "attestations": PROMISES,
}


def text_of(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def first_step(slack, what: dict[str, Any], as_: str = TEACHER) -> Any:
    """`/offsite` and the first step; returns Slack's answer to the first submission."""
    assert slack.command("/offsite", as_=as_).status == 200
    view = slack.open_view(as_=as_)
    assert view["callback_id"] == "offsite.what"
    return slack.submit(view, what, as_=as_)


def declare(slack, what: dict[str, Any], as_: str = TEACHER, **details: Any) -> Any:
    """Both steps; returns Slack's answer to the second submission."""
    answered = first_step(slack, what, as_)
    assert answered.json["response_action"] == "update", answered.text
    second = slack.open_view(as_=as_)
    assert second["callback_id"] == "offsite.details"
    return slack.submit(second, {**DETAILS, **details}, as_=as_)


def dm_texts(slack, email: str) -> list[str]:
    return [dm["text"] for dm in slack.dms_to(email)]


def test_a_low_tier_declaration_in_slack_is_recorded_at_once(slack, factory):
    done = declare(slack, PLANNING_AND_MARKING)
    assert done.json["response_action"] == "update"
    assert "that's recorded: Off-site #1 · Lesson planning, Marking · due back Wed 25 Nov" in (
        text_of(done.json["view"])
    )
    (decl,) = declarations(factory)
    assert (decl.status, decl.tier, decl.class_code) == ("out", 1, "Y4")
    assert slack.deliver() == 0

    listed = slack.command("/offsite", "list")
    assert listed.json["response_type"] == "ephemeral"
    assert "Off-site #1 · Lesson planning, Marking · due back Wed 25 Nov" in listed.json["text"]


def test_an_approval_request_in_slack_loses_its_buttons_once_answered(slack, factory):
    declare(slack, SEND_ON_PAPER)
    assert slack.deliver() == 1
    (decl,) = declarations(factory)
    slack.press("offsite.approve", str(decl.approvals[0].id), as_=HEAD)
    assert "Approved. They've been told" in text_of(slack.open_view(as_=HEAD))
    (update,) = slack.calls("chat.update")
    assert all(block["type"] != "actions" for block in update["blocks"])
    (request,) = slack.fake.dm_history(slack.user_id(HEAD))
    assert all(block["type"] != "actions" for block in request["blocks"])


def test_a_sensitive_declaration_in_slack_is_declined_with_a_reason(slack, factory):
    declare(slack, SEND_ON_PAPER)
    slack.deliver()
    (decl,) = declarations(factory)
    slack.press("offsite.decline", str(decl.approvals[0].id), as_=HEAD)
    form = slack.open_view(as_=HEAD)
    assert form["callback_id"] == "offsite.decline_reason"
    done = slack.submit(form, {"reason": "use_remote", "note": "Borrow a laptop"}, as_=HEAD)
    assert "Declined. They've been told" in text_of(done.json["view"])
    slack.deliver()
    (outcome,) = dm_texts(slack, TEACHER)
    assert outcome.startswith("Not approved: Off-site #1 · SEND records · Please use remote")
    assert "Borrow a laptop" not in outcome
    (decl,) = declarations(factory)
    assert decl.status == "declined"


def test_an_unanswered_request_in_slack_lapses_and_both_are_told_once(slack, factory, clock):
    declare(slack, SEND_ON_PAPER)
    slack.deliver()
    clock.set(london(2026, 11, 24, 17, 30))
    assert run_all(factory, clock, only="offsite_chasers") == 2
    assert run_all(factory, clock, only="offsite_chasers") == 0
    assert slack.deliver() == 2
    assert dm_texts(slack, TEACHER)[-1].startswith("Request lapsed: Off-site #1 · SEND records")
    assert dm_texts(slack, HEAD)[-1].startswith("Request lapsed: Off-site #1 · SEND records")
    (decl,) = declarations(factory)
    assert decl.status == "expired"


def test_a_dangerous_combination_in_slack_is_refused_with_what_to_do_instead(slack, factory):
    refused = first_step(slack, {"categories": ["send"], "format": "personal", "encryption": "yes"})
    assert refused.json["response_action"] == "update"
    shown = text_of(refused.json["view"])
    assert "can't go on a personal device" in shown and "Instead:" in shown
    assert declarations(factory) == []
    assert "offsite.refused" in audit_actions(factory)


def test_bad_input_in_slack_is_shown_next_to_the_field_and_writes_nothing(slack, factory):
    empty = first_step(slack, {"categories": [], "format": "paper", "encryption": "n/a"})
    assert empty.json == {
        "response_action": "errors",
        "errors": {"categories": "Choose at least one."},
    }
    named = slack.submit(
        slack.open_view(),
        {**PLANNING_AND_MARKING, "categories": ["other"], "other_category": "Notes jo@example.org"},
    )
    assert "email address" in named.json["errors"]["other_category"]

    second = slack.submit(slack.open_view(), PLANNING_AND_MARKING)
    assert second.json["response_action"] == "update"
    details = slack.open_view()
    past = slack.submit(details, {**DETAILS, "expected_return": "2026-11-23"})
    assert "That date has passed" in past.json["errors"]["expected_return"]
    far = slack.submit(details, {**DETAILS, "expected_return": "2027-01-20"})
    assert "the latest is Tue 8 Dec" in far.json["errors"]["expected_return"]
    assert declarations(factory) == []


def test_someone_not_on_the_staff_list_is_told_in_slack_and_nothing_is_written(slack, factory):
    slack.add_user("visitor@example.org", "Pat Visitor")
    reply = slack.command("/offsite", as_="visitor@example.org")
    assert reply.json["response_type"] == "ephemeral"
    assert "not on Safekeep's staff list" in reply.json["text"]
    assert slack.calls("views.open") == []
    assert declarations(factory) == []


def test_the_reminder_button_in_slack_leads_into_the_breach_report_when_items_are_missing(
    slack, factory, clock
):
    declare(slack, LAPTOP)
    clock.set(london(2026, 11, 25, 8, 0))
    assert run_all(factory, clock, only="offsite_chasers") == 1
    slack.deliver()
    (reminder,) = dm_texts(slack, TEACHER)
    assert "Off-site #1 · Lesson planning, Cohort tracking · due back today" in reminder

    slack.press("offsite.return", "1")
    form = slack.open_view()
    assert form["callback_id"] == "offsite.return"
    answered = slack.submit(
        form, {"all_back": "no", "items_back": ["planning"], "copies_destroyed": "yes"}
    )
    assert answered.json["response_action"] == "update"
    report = answered.json["view"]
    assert report["callback_id"] == "breach.report"
    assert "LAP-0142" in text_of(report)

    (decl,) = declarations(factory)
    assert decl.status == "lost"
    assert [(i.category, i.status) for i in decl.items] == [
        ("planning", "returned"),
        ("tracking", "missing"),
    ]


def test_records_out_can_be_marked_returned_from_app_home(slack, factory):
    declare(slack, PLANNING_AND_MARKING)
    slack.open_home()
    assert "Mark #1 returned" in text_of(slack.home())

    slack.press("offsite.return", "1", where="home")
    form = slack.open_view()
    assert form["callback_id"] == "offsite.return"
    done = slack.submit(form, {"all_back": "yes", "items_back": [], "copies_destroyed": "yes"})
    assert "is marked as back in school" in text_of(done.json["view"])
    (decl,) = declarations(factory)
    assert decl.status == "returned"
    slack.open_home()
    assert "Mark #1 returned" not in text_of(slack.home())
