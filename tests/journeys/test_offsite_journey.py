"""The off-site journey, once for every adapter: a teacher declares SEND records, which need
permission; the Headteacher approves from the DM; the teacher later marks them returned."""

from __future__ import annotations

from tests.handlers.test_offsite_steps import (
    MARKING_ON_PAPER,
    SEND_ON_PAPER,
    audit_actions,
    declarations,
    details,
)
from tests.journeys.chat import Chat

TEACHER, HEAD = "teacher@example.org", "head@example.org"


def status(factory) -> str:
    (declaration,) = declarations(factory)
    return declaration.status


def test_send_records_taken_home_are_approved_by_the_head_and_marked_returned(chat: Chat, factory):
    chat.command("/offsite")
    assert "an approver will be asked" in chat.fill(SEND_ON_PAPER)
    asked = chat.fill(details("2026-11-25"))
    assert "needs permission, so we've asked an approver" in asked
    assert status(factory) == "pending"
    assert "waiting for approval" in chat.command("/offsite list")

    chat.deliver()
    (request,) = chat.dms(HEAD)
    assert request.text.startswith("Approval needed: Off-site #1 · SEND records")
    assert request.buttons == ("Approve", "Decline")
    chat.as_person(HEAD)
    assert "Approved. They've been told" in chat.press("Approve")
    (declaration,) = declarations(factory)
    assert (declaration.status, declaration.permission_basis) == ("out", "case_by_case")
    assert [a.decision for a in declaration.approvals] == ["approved"]
    assert "offsite.approved" in audit_actions(factory)

    chat.deliver()
    (outcome,) = chat.dms(TEACHER)
    assert outcome.text.startswith("Approved: Off-site #1 · SEND records · due back Wed 25 Nov")
    chat.as_person(TEACHER)
    chat.press("Mark returned")
    assert "is marked as back in school" in chat.fill(
        {"all_back": "yes", "copies_destroyed": "yes"}
    )
    assert status(factory) == "returned"


def test_the_list_counts_what_is_open_and_shows_a_refusal_under_its_own_heading(
    chat: Chat, factory
):
    chat.command("/offsite")
    chat.fill(SEND_ON_PAPER)
    chat.fill(details("2026-11-25"))
    chat.deliver()
    chat.as_person(HEAD)
    chat.press("Decline")
    chat.fill({"reason": "use_remote"})
    chat.as_person(TEACHER)
    chat.command("/offsite")
    chat.fill(MARKING_ON_PAPER)
    chat.fill(details("2026-11-25"))

    listed = chat.command("/offsite list")
    opened, _, refused = listed.partition("Not approved in the last 7 days:")
    assert "You have 1 declaration open:" in opened
    assert opened.count("• Off-site #") == 1 and "Off-site #2 · Lesson planning" in opened
    assert refused.count("• Off-site #") == 1 and "Off-site #1 · SEND records" in refused
