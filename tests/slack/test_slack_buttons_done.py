"""A DM shows its button's action as done (a tick, the buttons gone) only when the action took
effect: a refused press, or a press on a request that has lapsed, leaves the DM as it was."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AuditEvent, Incident
from tests.conftest import london
from tests.e2e.test_slack_breach import report
from tests.e2e.test_slack_offsite import HEAD, SEND_ON_PAPER, TEACHER, declare
from tests.handlers.breach_steps import LOST_LAPTOP
from tests.handlers.test_offsite_steps import declarations

DPO = "dpo@example.org"


def buttons_in(slack, email: str) -> list[str]:
    """The labels of the buttons in this person's DMs, as Slack holds them now."""
    return [
        element["text"]["text"]
        for message in slack.fake.dm_history(slack.user_id(email))
        for block in message.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def shown_to(slack, email: str) -> str:
    """The last view Slack showed this person, as text."""
    user_id = slack.user_id(email)
    return str([view for user, view in slack.fake.shown if user == user_id][-1])


def refusals(factory) -> list[str]:
    with factory() as session:
        return [
            e.action for e in session.scalars(select(AuditEvent)) if e.action.endswith("refused")
        ]


def test_a_teacher_pressing_a_leads_acknowledge_or_triage_leaves_the_alert_as_it_was(
    slack, factory, clock
):
    report(slack, LOST_LAPTOP)
    slack.deliver()
    assert buttons_in(slack, DPO) == ["Acknowledge", "Open triage"]
    with factory() as session:
        incident_id = str(session.scalars(select(Incident)).one().id)

    for action in ("breach.acknowledge", "breach.triage"):
        assert slack.press(action, incident_id, as_=TEACHER, dm_of=DPO).status == 200
        assert "can do that. The attempt has been recorded" in shown_to(slack, TEACHER)
    assert slack.calls("chat.update") == []
    assert buttons_in(slack, DPO) == ["Acknowledge", "Open triage"]
    assert len(refusals(factory)) == 2
    with factory() as session:
        assert session.scalars(select(Incident)).one().acknowledged_at is None

    slack.press("breach.acknowledge", incident_id, as_=DPO)
    (update,) = slack.calls("chat.update")
    assert update["text"].startswith("Breach #1 · lost device")
    assert "Acknowledge · Tue 24 Nov 10:00" in str(update["blocks"])
    assert buttons_in(slack, DPO) == []


def test_a_teacher_pressing_the_heads_approve_leaves_the_request_as_it_was(slack, factory):
    declare(slack, SEND_ON_PAPER)
    slack.deliver()
    (decl,) = declarations(factory)
    approval_id = str(decl.approvals[0].id)
    slack.press("offsite.approve", approval_id, as_=TEACHER, dm_of=HEAD)
    assert "can do that. The attempt has been recorded" in shown_to(slack, TEACHER)
    assert refusals(factory) == ["access.refused"]
    assert slack.calls("chat.update") == []
    assert buttons_in(slack, HEAD) == ["Approve", "Decline"]
    (decl,) = declarations(factory)
    assert decl.status == "pending"


def test_a_press_on_a_lapsed_approval_leaves_the_request_as_it_was(slack, factory, clock):
    declare(slack, SEND_ON_PAPER)
    slack.deliver()
    (decl,) = declarations(factory)
    clock.set(london(2026, 11, 24, 17, 31))  # past the end of the school day: lapsed
    slack.press("offsite.approve", str(decl.approvals[0].id), as_=HEAD)
    assert "This request lapsed at the end of the school day" in shown_to(slack, HEAD)
    assert slack.calls("chat.update") == []
    assert buttons_in(slack, HEAD) == ["Approve", "Decline"]
    (decl,) = declarations(factory)
    assert decl.status == "expired"
