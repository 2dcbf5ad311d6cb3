"""/safekeep for leads in the console: the governors' report, settings and registers."""

from __future__ import annotations

from sqlalchemy import select

from handlers import routes
from storage.models import AuditEvent
from tests.handlers.breach_steps import LOST_LAPTOP, act


def test_help_lists_the_lead_tools_only_for_leads(console):
    assert "/safekeep report" not in console.say("/safekeep")
    console.act_as("head@example.org")
    assert "/safekeep report" in console.say("/safekeep")


def test_the_governors_report_counts_breaches_records_and_aup_sign_off(
    console, factory, clock, school
):
    act(
        factory,
        clock,
        school,
        "teacher@example.org",
        routes.submit("breach.report", LOST_LAPTOP, {}),
    )
    console.say("/aup", "agree", "I agree")  # the teacher agrees
    console.act_as("head@example.org")
    report = console.say("/safekeep report Autumn 2026")  # the term still running, by name
    assert "Termly report to governors" in report
    assert "Autumn 2026 (2 Sep 2026 to 4 Jan 2027) compared with Autumn 2025" in report
    assert "Breaches and suspected breaches logged: fewer than 3 (Autumn 2025: fewer than 3)" in (
        report
    )
    assert "Declarations of records taken off site: fewer than 3" in report
    assert "Teaching staff: signed: 17% (Autumn 2025: not kept for past terms)" in report
    assert "Alex" not in report and "teacher@" not in report  # counts only
    assert "The PDF is on its way to you" in report
    assert "File saved: " in report and "governors-report-autumn-2026.pdf" in report
    with factory() as session:
        assert session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "report.made")
        ).all() == ["report.made"]


def test_staff_cannot_see_the_report_settings_or_registers_and_each_try_is_audited(
    console, factory
):
    for sub in ("report", "settings", "export"):
        assert "only the" in console.say(f"/safekeep {sub}")
    with factory() as session:
        refused = session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "access.refused")
        ).all()
    assert [r["permission"] for r in refused] == ["report.view", "settings.manage", "export"]


def test_settings_show_the_schools_policy_and_where_to_change_it(console):
    console.act_as("head@example.org")
    shown = console.say("/safekeep settings")
    assert "Autumn 2026: 2 Sep 2026 to 18 Dec 2026 (half-term 26 Oct to 30 Oct)" in shown
    assert "from 08:00 for half an hour, or between 15:30 and 17:30" in shown
    assert "unacknowledged alerts escalate after 60 minutes" in shown
    assert "ICO reminders at 24, 48, 60, 70 hours" in shown
    assert "edit the school's school.toml" in shown


def test_export_in_chat_explains_registers_are_made_on_the_server(console):
    console.act_as("dpo@example.org")
    shown = console.say("/safekeep export")
    assert "python -m bot export breaches" in shown
    for name in ("aup", "audit", "breaches", "breach-summary", "offsite"):
        assert f"{name}: " in shown
