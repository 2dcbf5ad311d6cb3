"""Off-site records in the console beyond the shared journey (tests/journeys/): low tiers, old
buttons, declining, lapsing, refusals, bad answers and missing items."""

from __future__ import annotations

import re

from sqlalchemy import select

from schedules.sweeps import run_all
from storage.models import Incident, OffsiteDeclaration
from tests.conftest import london
from tests.handlers.test_offsite_steps import audit_actions, declarations, outbox

# What the console asks, in order. Step one: categories, "if Other" (only when Other is ticked),
# format, then for a device its asset tag (school laptop or USB stick) and its encryption.
# Step two: people, class code, purpose, more about why, destination, return date, promises.
PLANNING_AND_MARKING_ON_PAPER = ("1,2", "1")
SEND_ON_PAPER = ("10", "1")
DETAILS = ("3", "Y4", "1", "", "1", "", "1,2,3")


def button(output: str, label: str) -> str:
    """The number the console gave a button, e.g. "[3] Approve" -> "3" (the last one shown)."""
    found = re.findall(r"\[(\d+)\] " + re.escape(label), output)
    assert found, f"no {label!r} button in:\n{output}"
    return found[-1]


def test_a_low_tier_declaration_is_recorded_at_once_and_listed(console, factory):
    out = console.say("/offsite", *PLANNING_AND_MARKING_ON_PAPER, *DETAILS)
    assert "== Records off site ==" in out and "== Records off site: details ==" in out
    assert "Don't include pupil, parent or staff names" in out
    assert "[Enter keeps: 2026-11-25]" in out
    assert "that's recorded: Off-site #1 · Lesson planning, Marking · due back Wed 25 Nov" in out
    assert "[DM to" not in out

    listed = console.say("/offsite list")
    assert "Off-site #1 · Lesson planning, Marking · due back Wed 25 Nov" in listed
    assert "Mark #1 returned" in listed
    (decl,) = declarations(factory)
    assert decl.status == "out" and decl.tier == 1


def test_pressing_approve_again_in_the_console_says_it_is_already_approved(console, factory):
    """The console keeps old buttons on screen (Slack takes them off the DM)."""
    out = console.say("/offsite", *SEND_ON_PAPER, *DETAILS)
    console.act_as("head@example.org")
    assert "Approved. They've been told" in console.say(f"/press {button(out, 'Approve')}")
    again = console.say(f"/press {button(out, 'Approve')}")
    assert "already been approved" in again
    assert [a.decision for a in declarations(factory)[0].approvals] == ["approved"]


def test_a_sensitive_declaration_is_declined_with_a_reason(console, factory):
    out = console.say("/offsite", *SEND_ON_PAPER, *DETAILS)
    console.act_as("head@example.org")
    declined = console.say(f"/press {button(out, 'Decline')}", "2", "Borrow a laptop from IT")
    assert "== Decline off-site request ==" in declined
    assert "[DM to Alex Teacher] Not approved: Off-site #1 · SEND records · Please use remote" in (
        declined
    )
    assert "Borrow a laptop" not in declined.split("[DM to Alex Teacher]")[1].split("\n")[0]
    assert "Declined. They've been told" in declined

    console.act_as("teacher@example.org")
    listed = console.say("/offsite list")
    assert "not approved (Please use remote access instead: Borrow a laptop from IT)" in listed
    (decl,) = declarations(factory)
    assert decl.status == "declined" and decl.approvals[0].decision == "declined"


def test_an_unanswered_request_lapses_at_the_end_of_the_school_day(console, factory, clock):
    console.say("/offsite", *SEND_ON_PAPER, *DETAILS)
    clock.set(london(2026, 11, 24, 17, 29))
    assert run_all(factory, clock, only="offsite_chasers") == 0
    clock.set(london(2026, 11, 24, 17, 30))
    assert run_all(factory, clock, only="offsite_chasers") == 2
    assert run_all(factory, clock, only="offsite_chasers") == 0

    start = len(console.output)
    console.app.deliver()
    delivered = "\n".join(console.output[start:])
    assert "[DM to Alex Teacher] Request lapsed: Off-site #1 · SEND records" in delivered
    assert "[DM to Jordan Head] Request lapsed: Off-site #1 · SEND records" in delivered
    (decl,) = declarations(factory)
    assert decl.status == "expired" and decl.approvals[0].decision == "expired"
    assert "no records off site" in console.say("/offsite return")
    assert "no records off site" in console.say("/offsite list")


def test_a_dangerous_combination_is_refused_with_what_to_do_instead(console, factory):
    out = console.say("/offsite", "10", "5", "1")  # SEND records on a personal device
    assert "can't go on a personal device" in out
    assert "Instead: use remote access" in out
    assert "== Records off site: details ==" not in out
    assert declarations(factory) == []
    assert "offsite.refused" in audit_actions(factory)


def test_bad_answers_are_asked_again_in_the_console(console, factory):
    out = console.say(
        "/offsite",
        "",  # nothing chosen
        "1",
        "1",
        "3",
        "Y4",
        "1",
        "To ring jo@example.org about it",  # personal data in a free-text box
        "",
        "1",
        "2026-11-20",  # a past date: refused at once, at its own question
        "2027-01-20",  # asked again: now beyond the maximum, refused at once too
        "",  # asked again: the default, the next school day
        "1",  # one promise only: asked again at once
        "1,2,3",
    )
    assert "! Choose at least one." in out
    assert "looks like it contains an email address" in out
    assert "That date has passed" in out
    assert "the latest is Tue 8 Dec" in out
    assert "Please tick all three" in out
    # Each problem was shown right after its own answer, before the next question was asked.
    assert out.index("That date has passed") < out.index("the latest is Tue 8 Dec")
    assert out.index("the latest is Tue 8 Dec") < out.index("Your promises")
    assert "that's recorded: Off-site #1 · Lesson planning" in out
    (decl,) = declarations(factory)
    assert decl.class_code == "Y4" and str(decl.expected_return) == "2026-11-25"
    assert decl.purpose_detail is None  # the rejected text was never stored


def test_a_return_with_an_item_missing_opens_the_breach_report(console, factory):
    console.say("/offsite", "1,2", "2", "LAP-0142", "1", *DETAILS)
    out = console.say("/offsite return", "no", "1", "yes", "/cancel")
    assert "Did everything come back?" in out
    assert "[DM to Jordan Head] Off-site #1 · not returned: Marking" in out
    assert "[DM to Morgan Privacy] Off-site #1 · not returned: Marking" in out
    assert "== Report a breach (1 of 2) ==" in out

    (decl,) = declarations(factory)
    assert decl.status == "lost"
    assert {i.category: i.status for i in decl.items} == {
        "planning": "returned",
        "marking": "missing",
    }
    assert "offsite.items_missing" in audit_actions(factory)
    assert (
        "head@example.org",
        "Off-site #1 · not returned: Marking. The holder has been asked to report it as a "
        "possible breach now; if no report follows within 30 minutes they'll be reminded and "
        "the DPO told.",
    ) in outbox(factory)


def test_an_abandoned_breach_report_is_followed_up_and_reported_from_the_reminder(
    console, factory, clock
):
    console.say("/offsite", "1,2", "2", "LAP-0142", "1", *DETAILS)
    console.say("/offsite return", "no", "1", "yes", "/cancel")  # the report is abandoned
    clock.set(london(2026, 11, 24, 10, 30))
    assert run_all(factory, clock, only="offsite_chasers") == 2
    start = len(console.output)
    console.app.deliver()
    delivered = "\n".join(console.output[start:])
    assert (
        "[DM to Alex Teacher] Off-site #1 · not all returned, and no breach report yet."
        in delivered
    )
    assert "[DM to Morgan Privacy] Off-site #1 · not all returned 30 minutes ago" in delivered

    out = console.say(
        f"/press {button(delivered, 'Report the breach now')}",
        "lost",  # what happened
        *[""] * 5,  # media, asset tag, declaration, encryption and records: kept
        "no",  # safeguarding or SEND information
        "",  # how many people: kept
        "pupils",
        "no",  # a child at immediate risk
        "/cancel",
    )
    assert "== Report a breach (1 of 2) ==" in out and "[Enter keeps: LAP-0142]" in out
    with factory() as session:
        incident = session.scalars(select(Incident)).one()
    assert incident.declaration_id == 1
    clock.set(london(2026, 11, 24, 23, 0))
    assert run_all(factory, clock, only="offsite_chasers") == 0


def test_the_breach_report_opened_from_a_return_is_pre_filled_and_linked(console, factory):
    console.say("/offsite", "1,2", "2", "LAP-0142", "1", *DETAILS)
    out = console.say(
        "/offsite return",
        "no",  # not everything came back
        "",  # nothing chosen: neither came back
        "yes",
        "lost",  # what happened
        "",  # what was involved: kept from the declaration
        "",  # asset tag: kept
        "",  # the declaration: kept
        "",  # encrypted: kept
        "",  # records: kept
        "no",  # safeguarding or SEND information
        "",  # how many people: kept
        "pupils",
        "no",  # a child at immediate risk
        "/cancel",  # step two can wait: step one is already stored
    )
    assert "[Enter keeps: LAP-0142]" in out
    with factory() as session:
        decl = session.scalars(select(OffsiteDeclaration)).one()
        incident = session.scalars(select(Incident)).one()
    assert decl.status == "lost" and {i.status for i in decl.items} == {"missing"}
    assert incident.declaration_id == decl.id
    assert (incident.media, incident.asset_tag, incident.encrypted) == ("device", "LAP-0142", "yes")
    assert incident.categories == ["planning", "marking"]
    assert incident.people_band == "class"


def test_which_items_came_back_is_asked_only_when_not_everything_did(console, factory):
    console.say("/offsite", *PLANNING_AND_MARKING_ON_PAPER, *DETAILS)
    out = console.say("/offsite return", "yes", "yes")
    assert "which did come back" not in out
    assert {i.status for i in declarations(factory)[0].items} == {"returned"}

    console.say("/offsite", *PLANNING_AND_MARKING_ON_PAPER, *DETAILS)
    out = console.say("/offsite return", "no", "1,2", "1", "yes", "/cancel")
    # Ticking both contradicts "not everything came back": refused at that question.
    assert out.index("leave out what's missing") < out.index("Have any copies")
    assert {i.category: i.status for i in declarations(factory)[1].items} == {
        "planning": "returned",
        "marking": "missing",
    }
