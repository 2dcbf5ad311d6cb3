"""The breach clock: escalation of unacknowledged alerts and the ICO reminders, exactly once."""

from __future__ import annotations

from sqlalchemy import select

from handlers import routes
from handlers.settings import SchoolSettings
from schedules import sweeps
from storage.database import transaction
from storage.models import LedgerEntry, School
from tests.conftest import london
from tests.handlers.breach_steps import NOT_REPORTABLE, act, incident, outbox, report


def run(factory, clock) -> int:
    return sweeps.run_all(factory, clock, only="breach_clock")


def sent_since(factory, start: int) -> list[tuple[str, str]]:
    return [(email, payload["text"]) for email, payload, _ in outbox(factory)[start:]]


def test_the_breach_clock_is_a_registered_sweep():
    from schedules import breach_clock

    assert sweeps.SWEEPS["breach_clock"] is breach_clock.sweep


def test_an_unacknowledged_alert_escalates_to_deputies_and_head_after_an_hour_once(
    factory, clock, school
):
    report(factory, clock, school)
    start = len(outbox(factory))
    clock.advance(minutes=59)
    assert run(factory, clock) == 0
    clock.advance(minutes=1)
    assert run(factory, clock) == 2
    sent = sent_since(factory, start)
    assert {email for email, _ in sent} == {"deputy@example.org", "head@example.org"}
    assert sent[0][1].startswith(
        "Escalation: nobody has acknowledged Breach #1 for 60 minutes · lost device"
    )
    assert all(urgent for _, _, urgent in outbox(factory)[start:])
    clock.advance(minutes=30)
    assert run(factory, clock) == 0
    assert run(factory, clock) == 0
    assert len(outbox(factory)) == start + 2
    assert incident(factory).events[-1].kind == "escalated"


def test_acknowledgement_stops_escalation(factory, clock, school):
    report(factory, clock, school)
    found = incident(factory)
    clock.advance(minutes=20)
    act(factory, clock, school, "it@example.org", routes.press("breach.acknowledge", str(found.id)))
    start = len(outbox(factory))
    clock.advance(hours=2)
    assert run(factory, clock) == 0
    assert sent_since(factory, start) == []


def test_the_school_sets_the_acknowledgement_time(factory, clock, school):
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.settings = {**row.settings, "alert_ack_minutes": 15}
    assert SchoolSettings.from_json(row.settings).alert_ack_minutes == 15
    report(factory, clock, school)
    clock.advance(minutes=15)
    assert run(factory, clock) == 2
    assert "for 15 minutes" in outbox(factory)[-1][1]["text"]


def test_escalation_and_alerts_ignore_quiet_hours(factory, clock, school):
    clock.set(london(2026, 11, 29, 3, 0))  # a Sunday, 3 in the morning
    report(factory, clock, school)
    assert len(outbox(factory)) == 3
    clock.advance(hours=1)
    assert run(factory, clock) == 2


def test_ico_reminders_go_at_24_48_60_and_70_hours_each_once_then_the_deadline(
    factory, clock, school
):
    report(factory, clock, school)
    found = incident(factory)
    act(
        factory, clock, school, "dpo@example.org", routes.press("breach.acknowledge", str(found.id))
    )
    start = len(outbox(factory))
    marks = []
    for hours in range(1, 75):
        clock.set(london(2026, 11, 24, 10, 0))
        clock.advance(hours=hours)
        if run(factory, clock):
            marks.append(hours)
        assert run(factory, clock) == 0  # the same sweep again sends nothing
    assert marks == [24, 48, 60, 70, 72]
    sent = sent_since(factory, start)
    assert {email for email, _ in sent} == {"dpo@example.org", "head@example.org"}
    texts = [text for _, text in sent][::2]
    assert texts[0] == (
        "Breach #1: 24 hours since it was reported and no ICO decision is recorded · "
        "ICO deadline Fri 27 Nov 10:00 (48h 00m left)"
    )
    assert "70 hours" in texts[3] and "(2h 00m left)" in texts[3]
    assert texts[4].startswith("Breach #1: the 72-hour ICO deadline (Fri 27 Nov 10:00) has passed")
    with factory() as session:
        kinds = set(session.scalars(select(LedgerEntry.kind)))
    assert {"ico_24h", "ico_48h", "ico_60h", "ico_70h", "ico_overdue"} <= kinds
    reminders = [e for e in incident(factory).events if e.kind == "ico_reminder"]
    assert [e.details["hours"] for e in reminders] == [24, 48, 60, 70]


def test_a_recorded_decision_stops_the_ico_reminders(factory, clock, school):
    report(factory, clock, school)
    clock.advance(hours=25)
    run(factory, clock)
    act(
        factory,
        clock,
        school,
        "dpo@example.org",
        routes.submit("breach.triage", NOT_REPORTABLE, {"incident_id": incident(factory).id}),
    )
    start = len(outbox(factory))
    for hours in (48, 60, 70, 80):
        clock.set(london(2026, 11, 24, 10, 0))
        clock.advance(hours=hours)
        assert run(factory, clock) == 0
    assert sent_since(factory, start) == []


def test_a_worker_down_across_marks_sends_only_the_latest_reminder(factory, clock, school):
    report(factory, clock, school)
    found = incident(factory)
    act(
        factory, clock, school, "dpo@example.org", routes.press("breach.acknowledge", str(found.id))
    )
    start = len(outbox(factory))
    clock.advance(hours=61)
    assert run(factory, clock) == 2
    assert all("60 hours" in text for _, text in sent_since(factory, start))


def test_closed_incidents_are_left_alone(factory, clock, school):
    report(factory, clock, school)
    act(
        factory,
        clock,
        school,
        "dpo@example.org",
        routes.submit(
            "breach.triage",
            {**NOT_REPORTABLE, "close": "yes"},
            {"incident_id": incident(factory).id},
        ),
    )
    start = len(outbox(factory))
    clock.advance(hours=100)
    assert run(factory, clock) == 0
    assert sent_since(factory, start) == []
