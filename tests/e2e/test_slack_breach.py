"""Breach reports in Slack beyond the shared journeys (tests/journeys/): the shortcut, an outage,
refusals from App Home and the triage modal; signed requests to the real web app."""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.models import AuditEvent, Incident, OutboxMessage
from tests.handlers.breach_steps import LOST_LAPTOP, LOST_SAFEGUARDING_PAPER, NOT_REPORTABLE

DETAILS = {
    "occurred_at": None,
    "discovered_at": "2026-11-24T09:45",
    "location": "transport",
    "description": "Left a bag on the train home.",
    "actions_taken": "Asked lost property to look for it.",
    "police_ref": "",
}
LEADS = ("dpo@example.org", "head@example.org", "it@example.org")


def view_text(view: dict) -> str:
    return json.dumps(view, ensure_ascii=False)


def report(slack, what: dict, as_: str = "teacher@example.org") -> tuple[dict, dict]:
    """Both steps through Slack; returns the second-step view and the final view."""
    answered = slack.command("/breach", as_=as_)
    assert answered.status == 200
    first = slack.open_view(as_=as_)
    assert first["callback_id"] == "breach.report"
    reply = slack.submit(first, what, as_=as_)
    assert reply.json["response_action"] == "update", reply.text
    second = slack.open_view(as_=as_)
    assert second["callback_id"] == "breach.details_step"
    final = slack.submit(second, DETAILS, as_=as_)
    assert final.json["response_action"] == "update", final.text
    return second, final.json["view"]


def alert_texts(slack, email: str) -> list[str]:
    return [dm["text"] for dm in slack.dms_to(email) if "Breach #1" in dm["text"]]


def test_the_shortcut_opens_the_report(slack):
    slack.shortcut("report_breach")
    assert slack.open_view()["callback_id"] == "breach.report"


def test_a_report_while_slack_refuses_every_send_is_kept_and_delivered_once_later(
    slack, factory, clock
):
    slack.fail_next("chat.postMessage", status=429, retry_after=30, times=1000)
    report(slack, LOST_SAFEGUARDING_PAPER)
    with factory() as session:
        assert session.scalars(select(Incident)).one().child_at_risk == "yes"
    for _ in range(3):
        assert slack.deliver() == 0
        clock.advance(minutes=1)
    tried = slack.calls("chat.postMessage")
    assert len(tried) >= 5 and all(c["_refused"] for c in tried)
    slack.fake.failures.clear()  # Slack recovers
    clock.advance(minutes=16)
    slack.deliver()
    slack.deliver()
    for email in (*LEADS, "dsl@example.org", "deputy@example.org"):
        assert len(alert_texts(slack, email)) == 1, email
    with factory() as session:
        statuses = set(session.scalars(select(OutboxMessage.status)))
    assert statuses == {"sent"}


def test_staff_cannot_open_details_or_triage_and_the_attempt_is_audited(slack, factory, staff):
    report(slack, LOST_LAPTOP)
    with factory() as session:
        incident_id = session.scalars(select(Incident.id)).one()
    slack.press("breach.details", str(incident_id), where="home")
    assert "only the" in view_text(slack.open_view())
    slack.press("breach.triage", str(incident_id), where="home")
    assert "only the" in view_text(slack.open_view())
    with factory() as session:
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.refused")
        ).all()
    assert [(e.actor_id, e.details["permission"]) for e in refused] == [
        (staff.id, "breach.details"),
        (staff.id, "breach.triage"),
    ]


def test_a_late_decision_in_slack_is_refused_without_a_delay_reason(slack, factory, clock):
    report(slack, LOST_LAPTOP)
    slack.deliver()
    with factory() as session:
        incident_id = session.scalars(select(Incident.id)).one()
    clock.advance(hours=73)
    slack.press("breach.triage", str(incident_id), as_="dpo@example.org")
    form = slack.open_view(as_="dpo@example.org")
    assert form["callback_id"] == "breach.triage"
    answers = {k: v for k, v in NOT_REPORTABLE.items() if v not in ("", [])}
    refused = slack.submit(form, answers, as_="dpo@example.org")
    assert refused.json["response_action"] == "errors"
    assert set(refused.json["errors"]) == {"delay_reason"}
    answers["delay_reason"] = "The DPO was on leave and cover was not arranged."
    saved = slack.submit(form, answers, as_="dpo@example.org")
    assert "Breach #1 updated" in view_text(saved.json["view"])
    with factory() as session:
        found = session.get_one(Incident, incident_id)
        assert found.ico_decision == "not_notify" and found.delay_reason


def test_a_no_beside_safeguarding_records_is_shown_at_the_question_in_slack(slack, factory):
    slack.command("/breach")
    form = slack.open_view()
    what = {**LOST_LAPTOP, "categories": ["send"], "special_data": "no"}
    refused = slack.submit(form, what)
    assert refused.json["response_action"] == "errors"
    assert set(refused.json["errors"]) == {"special_data"}
    assert refused.json["errors"]["special_data"].startswith("You ticked SEND records, which is")
    with factory() as session:
        assert session.scalars(select(Incident)).all() == []


def test_the_safeguarding_question_is_optional_in_the_modal_and_needed_only_when_it_applies(
    slack, factory
):
    slack.command("/breach")
    form = slack.open_view()
    block = next(b for b in form["blocks"] if b.get("block_id") == "special_data")
    assert block["optional"] is True
    assert block["hint"]["text"].startswith("Leave it blank if you ticked safeguarding")
    what = {**LOST_LAPTOP, "categories": ["tracking"], "special_data": None}
    refused = slack.submit(form, what)
    assert refused.json["response_action"] == "errors"
    assert set(refused.json["errors"]) == {"special_data"}
    assert "only you can say" in refused.json["errors"]["special_data"]
    step_two = slack.submit(form, {**what, "categories": ["tracking", "medical"]})
    assert step_two.json["view"]["callback_id"] == "breach.details_step"
    with factory() as session:
        assert session.scalars(select(Incident)).one().special_data == "yes"


def test_not_reporting_a_high_risk_in_slack_is_questioned_at_the_reason_and_the_confirmation(
    slack, factory
):
    report(slack, LOST_LAPTOP)
    slack.deliver()
    with factory() as session:
        incident_id = session.scalars(select(Incident.id)).one()
    slack.press("breach.triage", str(incident_id), as_="dpo@example.org")
    form = slack.open_view(as_="dpo@example.org")
    answers = {k: v for k, v in NOT_REPORTABLE.items() if v not in ("", [])}
    answers.update(risk="high", ico_rationale="Encrypted.")
    refused = slack.submit(form, answers, as_="dpo@example.org")
    assert refused.json["response_action"] == "errors"
    assert set(refused.json["errors"]) == {"ico_rationale", "confirm_not_notify"}
    with factory() as session:
        assert session.get_one(Incident, incident_id).ico_decision is None
