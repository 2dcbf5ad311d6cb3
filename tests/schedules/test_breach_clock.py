"""The breach clock: escalation of unacknowledged alerts and the ICO reminders, exactly once."""

from __future__ import annotations

from sqlalchemy import event, select

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


def test_withdrawing_the_ico_decision_brings_the_reminders_back(factory, clock, school):
    report(factory, clock, school)
    found = incident(factory)
    act(
        factory, clock, school, "dpo@example.org", routes.press("breach.acknowledge", str(found.id))
    )
    clock.advance(hours=20)
    triage = routes.submit("breach.triage", NOT_REPORTABLE, {"incident_id": found.id})
    act(factory, clock, school, "dpo@example.org", triage)
    clock.advance(hours=10)
    undecided = {**NOT_REPORTABLE, "ico_decision": "undecided", "ico_rationale": ""}
    act(
        factory,
        clock,
        school,
        "dpo@example.org",
        routes.submit("breach.triage", undecided, {"incident_id": found.id}),
    )
    start = len(outbox(factory))
    assert run(factory, clock) == 2  # 30 hours in: the 24-hour reminder, now true again
    clock.set(london(2026, 11, 26, 10, 0))
    assert run(factory, clock) == 2
    texts = [text for _, text in sent_since(factory, start)]
    assert "24 hours since it was reported" in texts[0] and "48 hours" in texts[2]


def test_the_overdue_message_names_the_schools_own_deadline(factory, clock, school):
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.settings = {**row.settings, "ico_deadline_hours": 48, "ico_reminder_hours": [24]}
    report(factory, clock, school)
    start = len(outbox(factory))
    clock.advance(hours=48)
    assert run(factory, clock) == 4  # the escalation, and the deadline to the DPO and head
    overdue = [text for _, text in sent_since(factory, start) if "deadline" in text][-1]
    assert overdue.startswith("Breach #1: the 48-hour ICO deadline (Thu 26 Nov 10:00) has passed")


def count_queries(engine, call) -> list[str]:
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return statements


def test_a_sweep_costs_the_same_queries_however_many_reports_are_open(
    engine, factory, clock, school
):
    def steady_sweep() -> list[str]:
        # Everything due was sent by the run before, so this one only looks.
        return count_queries(engine, lambda: run(factory, clock))

    report(factory, clock, school)
    clock.advance(hours=25)
    assert run(factory, clock) > 0
    one = steady_sweep()
    for email in ("ta@example.org", "senco@example.org", "sbm@example.org"):
        report(factory, clock, school, email=email)
    clock.advance(hours=25)
    assert run(factory, clock) > 0
    four = steady_sweep()
    assert len(four) == len(one)
    assert not [s for s in four if "incident_events" in s]  # timelines are not loaded


def test_a_sweep_that_sends_still_reads_the_recipients_once(engine, factory, clock, school):
    for email in ("teacher@example.org", "ta@example.org", "senco@example.org"):
        report(factory, clock, school, email=email)
    clock.advance(hours=25)
    statements = count_queries(engine, lambda: run(factory, clock))
    role_lookups = [s for s in statements if "JOIN role_assignments" in s]
    assert len(role_lookups) == 1
    assert len(outbox(factory)) == 9 + 3 * 2 + 3 * 2  # alerts, escalations, 24-hour reminders
