"""The breach log: every report with the ICO form's fields, governors' counts, and who may export."""

from __future__ import annotations

from sqlalchemy import select

from handlers import registers, routes
from handlers.context import Context
from handlers.replies import Say
from storage.database import transaction
from storage.models import AuditEvent, School
from tests.conftest import london
from tests.handlers.breach_steps import (
    LOST_SAFEGUARDING_PAPER,
    NOT_REPORTABLE,
    act,
    incident,
    report,
    text_of,
)


def export(factory, clock, school, email: str | None, name: str):
    """Export as a person (through the router) or, with no email, as the shell does."""
    if email is None:
        with transaction(factory) as session:
            ctx = Context(session, session.get_one(School, school.id), None, clock, "cli")
            return registers.export(ctx, name)
    return act(factory, clock, school, email, lambda ctx: _as_reply(registers.export(ctx, name)))


def _as_reply(register):
    return Say("\n".join(str(r) for r in register.as_dicts()))


def triage(factory, clock, school, answers, number: int = 1):
    found = incident(factory, number)
    act(
        factory,
        clock,
        school,
        "dpo@example.org",
        routes.submit("breach.triage", answers, {"incident_id": found.id}),
    )


def test_the_register_keeps_every_report_with_the_ico_form_fields(factory, clock, school):
    report(factory, clock, school)
    clock.advance(hours=5)
    triage(factory, clock, school, {**NOT_REPORTABLE, "classification": "near_miss"})
    clock.advance(minutes=10)
    report(factory, clock, school, email="ta@example.org", what=LOST_SAFEGUARDING_PAPER)
    register = export(factory, clock, school, None, "breaches")
    assert register.name == "breaches"
    for column in (
        "what_happened",
        "cyber_incident",
        "discovered_at",
        "occurred_at",
        "data_categories",
        "subject_categories",
        "approx_records",
        "approx_subjects",
        "risk",
        "ico_decision",
        "ico_rationale",
        "ico_case_ref",
        "delay_reason",
        "subjects_decision",
        "art34_exception",
        "other_bodies_told",
        "actions_taken",
        "hours_to_decision",
        "reporter_role_group",
    ):
        assert column in register.columns
    first, second = register.as_dicts()
    assert first["classification"] == "near_miss"
    assert first["ico_decision"] == "not_notify"
    assert first["ico_rationale"].startswith("Encrypted device")
    assert first["hours_to_decision"] == 5.0
    assert first["reported_at"] == "2026-11-24T10:00:00+00:00"
    assert first["ico_deadline"] == "2026-11-27T10:00:00+00:00"
    assert first["data_categories"] == "Lesson planning, Marking"
    assert first["reporter_role_group"] == "teaching"
    assert second["child_at_immediate_risk"] == "yes"
    assert second["subject_categories"] == "children (pupils), parents or carers"
    assert second["ico_decision"] == "undecided"
    flat = str(register.rows)
    for name in ("Alex", "Sam", "teacher@", "ta@"):
        assert name not in flat


def test_only_the_dpo_and_head_can_export_the_breach_log_and_refusals_are_audited(
    factory, clock, school
):
    report(factory, clock, school)
    assert "Breach #1" in text_of(export(factory, clock, school, "dpo@example.org", "breaches"))
    assert "Breach #1" in text_of(export(factory, clock, school, "head@example.org", "breaches"))
    for email in ("teacher@example.org", "it@example.org", "dsl@example.org"):
        assert "only the" in text_of(export(factory, clock, school, email, "breaches"))
    with factory() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    refused = [e.details["permission"] for e in events if e.action == "access.refused"]
    # IT (an admin) may export registers but not the breach log; the DSL may not export.
    assert refused == ["export", "breach.details", "export"]
    exported = [e.subject for e in events if e.action == "register.exported"]
    assert exported == ["export:breaches", "export:breaches"]


def test_the_governors_summary_is_counts_per_term(factory, clock, school):
    report(factory, clock, school)
    clock.advance(hours=80)
    triage(
        factory,
        clock,
        school,
        {
            **NOT_REPORTABLE,
            "ico_decision": "notify",
            "risk": "risk",
            "ico_notified_at": "2026-11-27 15:00",
            "delay_reason": "Waiting for the supplier's logs.",
        },
    )
    report(factory, clock, school, email="ta@example.org")
    summary = export(factory, clock, school, None, "breach-summary")
    rows = {row["term"]: row for row in summary.as_dicts()}
    autumn = rows["Autumn 2026"]
    assert autumn["logged"] == 2
    assert autumn["confirmed"] == 1 and autumn["still_investigating"] == 1
    assert autumn["reported_to_ico"] == 1
    assert autumn["decided_after_72_hours"] == 1
    assert autumn["median_hours_to_decision"] == 80.0
    assert rows["Summer 2026"]["logged"] == 0
    assert "Spring 2027" not in rows  # terms that have not started yet
    for row in summary.rows:
        assert all(isinstance(v, (int, float, str)) for v in row)


def set_setting(factory, school, **values) -> None:
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.settings = {**row.settings, **values}


def test_a_school_with_no_terms_gets_its_counts_by_school_year(factory, clock, school):
    set_setting(factory, school, terms=[])
    clock.set(london(2026, 7, 10, 10, 0))
    report(factory, clock, school)
    clock.set(london(2026, 11, 24, 10, 0))
    report(factory, clock, school, email="ta@example.org")
    summary = export(factory, clock, school, None, "breach-summary")
    rows = {row["term"]: row["logged"] for row in summary.as_dicts()}
    assert rows == {"School year 2025/26": 1, "School year 2026/27": 1}
    shown = act(factory, clock, school, "head@example.org", routes.command("safekeep", "report"))
    assert "No terms are set in school.toml" in text_of(shown)  # the termly report needs terms


def test_reports_before_the_first_term_are_named_by_that_term(factory, clock, school):
    clock.set(london(2025, 8, 20, 10, 0))
    report(factory, clock, school)
    clock.set(london(2026, 11, 24, 10, 0))
    rows = {
        r["term"]: r["logged"]
        for r in export(factory, clock, school, None, "breach-summary").as_dicts()
    }
    assert rows["Before Autumn 2025"] == 1
    assert "Before the first configured term" not in rows


def test_the_governors_report_names_the_schools_own_ico_deadline(factory, clock, school):
    set_setting(factory, school, ico_deadline_hours=48)
    report(factory, clock, school)
    clock.advance(hours=50)
    triage(factory, clock, school, {**NOT_REPORTABLE, "delay_reason": "Supplier logs were late."})
    clock.set(london(2027, 1, 5, 10, 0))  # the term has ended: its report is the default
    shown = act(factory, clock, school, "head@example.org", routes.command("safekeep", "report"))
    assert "ICO decisions made after 48 hours: fewer than 3" in text_of(shown)
    assert "72" not in text_of(shown)
