"""Chasers for records off site, with a frozen clock moved across a weekend, a bank holiday and
half-term: exactly which digests go to whom and when, and a second run changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bot.demo import DEMO_TERMS
from handlers import routes
from handlers.offsite import rules
from handlers.replies import Ask, Say
from handlers.school_calendar import SchoolCalendar
from handlers.settings import SchoolSettings
from schedules.sweeps import run_all
from storage.database import transaction
from storage.models import Incident, LedgerEntry, OutboxMessage, School
from tests.conftest import london
from tests.handlers.breach_steps import LOST_LAPTOP
from tests.handlers.test_offsite_steps import (
    MARKING_ON_PAPER,
    SEND_ON_PAPER,
    act,
    declarations,
    declare,
    outbox,
    outbox_buttons,
)

TEACHER = "teacher@example.org"
TA = "ta@example.org"
SENCO = "senco@example.org"
HEAD = "head@example.org"
PLANNING = {**MARKING_ON_PAPER, "categories": ["planning"]}
MARKING = {**MARKING_ON_PAPER, "categories": ["marking"]}


class Chasers:
    """Runs the sweep at a moment and returns only the DMs that run queued."""

    def __init__(self, factory, clock) -> None:
        self.factory, self.clock = factory, clock

    def at(self, *when: int) -> list[tuple[str, str]]:
        self.clock.set(london(*when))
        before = len(outbox(self.factory))
        queued = run_all(self.factory, self.clock, only="offsite_chasers")
        sent = outbox(self.factory)[before:]
        assert queued == len(sent)
        # Running again, as a second worker would, changes nothing.
        assert run_all(self.factory, self.clock, only="offsite_chasers") == 0
        assert len(outbox(self.factory)) == before + len(sent)
        return sent


def ledger_entries(factory) -> int:
    with factory() as session:
        return session.scalar(select(func.count(LedgerEntry.id))) or 0


def recipients(sent: list[tuple[str, str]]) -> list[str]:
    return [to for to, _ in sent]


def test_across_a_weekend_holders_are_chased_and_the_siro_hears_sooner_for_sensitive_records(
    factory, clock, school
):
    clock.set(london(2026, 11, 26, 10, 0))  # Thursday
    declare(factory, clock, TEACHER, MARKING, date(2026, 11, 27))
    declare(factory, clock, SENCO, SEND_ON_PAPER, date(2026, 11, 27))
    chase = Chasers(factory, clock)

    assert chase.at(2026, 11, 27, 7, 59) == []
    friday = chase.at(2026, 11, 27, 8, 0)
    assert friday == [
        (
            TEACHER,
            "These records are due back in school:\n"
            "• Off-site #1 · Marking · due back today\n"
            "When they're back, tap Mark returned. If anything is lost, report it at once "
            "with /breach.",
        ),
        (
            SENCO,
            "These records are due back in school:\n"
            "• Off-site #2 · SEND records · due back today\n"
            "When they're back, tap Mark returned. If anything is lost, report it at once "
            "with /breach.",
        ),
    ]
    assert [b["action"] for b in outbox_buttons(factory)[0]] == ["offsite.return"]
    assert outbox_buttons(factory)[0][0]["value"] == "1"
    assert chase.at(2026, 11, 27, 15, 0) == []  # one digest a day

    entries = ledger_entries(factory)
    assert chase.at(2026, 11, 28, 8, 0) == []  # Saturday
    assert chase.at(2026, 11, 29, 9, 0) == []  # Sunday
    assert ledger_entries(factory) == entries  # a weekend uses no window

    monday = chase.at(2026, 11, 30, 8, 0)
    assert recipients(monday) == [TEACHER, SENCO, HEAD]
    assert "• Off-site #1 · Marking · overdue since Fri 27 Nov" in monday[0][1]
    assert monday[2][1] == (
        "Off-site records overdue:\n"
        "• Off-site #2 · SEND records · Robin Needs · due Fri 27 Nov, 1 school day overdue"
    )

    tuesday = chase.at(2026, 12, 1, 8, 0)
    assert recipients(tuesday) == [TEACHER, SENCO, HEAD]
    assert tuesday[2][1] == (
        "Off-site records overdue:\n"
        "• Off-site #1 · Marking · Alex Teacher · due Fri 27 Nov, 2 school days overdue\n"
        "• Off-site #2 · SEND records · Robin Needs · due Fri 27 Nov, 2 school days overdue"
    )

    clock.set(london(2026, 12, 1, 12, 0))
    act(
        factory,
        clock,
        TEACHER,
        routes.submit(
            "offsite.return", {"all_back": "yes", "copies_destroyed": "yes"}, {"declaration_id": 1}
        ),
    )
    wednesday = chase.at(2026, 12, 2, 8, 0)
    assert recipients(wednesday) == [SENCO, HEAD]
    assert "Marking" not in wednesday[1][1]


def test_a_bank_holiday_sends_nothing_and_an_item_due_on_it_rolls_to_the_next_school_day(
    factory, clock, school
):
    clock.set(london(2026, 4, 30, 10, 0))  # Thursday before the Early May bank holiday
    declare(factory, clock, TEACHER, PLANNING, date(2026, 5, 1))
    declare(factory, clock, TA, MARKING, date(2026, 5, 4))  # the bank holiday itself
    chase = Chasers(factory, clock)

    friday = chase.at(2026, 5, 1, 8, 0)
    assert recipients(friday) == [TEACHER]
    assert chase.at(2026, 5, 4, 8, 0) == []  # Monday 4 May: bank holiday

    tuesday = chase.at(2026, 5, 5, 8, 0)
    assert recipients(tuesday) == [TEACHER, TA]
    assert "Off-site #1 · Lesson planning · overdue since Fri 1 May" in tuesday[0][1]
    assert "Off-site #2 · Marking · due back today" in tuesday[1][1]

    wednesday = chase.at(2026, 5, 6, 8, 0)
    assert recipients(wednesday) == [TEACHER, TA, HEAD]
    assert "Off-site #2 · Marking · overdue since Tue 5 May" in wednesday[1][1]
    assert wednesday[2][1] == (
        "Off-site records overdue:\n"
        "• Off-site #1 · Lesson planning · Alex Teacher · due Fri 1 May, 2 school days overdue"
    )


def test_half_term_sends_nothing_and_a_return_date_in_it_is_due_on_the_first_day_back(
    factory, clock, school
):
    clock.set(london(2026, 10, 23, 10, 0))  # the Friday before Autumn half-term
    declare(factory, clock, TEACHER, PLANNING, date(2026, 10, 28))
    chase = Chasers(factory, clock)
    for day in range(24, 32):  # Saturday 24 to Saturday 31 October
        assert chase.at(2026, 10, day, 8, 0) == [], day
    assert chase.at(2026, 11, 1, 8, 0) == []  # Sunday
    monday = chase.at(2026, 11, 2, 8, 0)
    assert monday == [
        (
            TEACHER,
            "These records are due back in school:\n"
            "• Off-site #1 · Lesson planning · due back today\n"
            "When they're back, tap Mark returned. If anything is lost, report it at once "
            "with /breach.",
        )
    ]
    assert "overdue since Mon 2 Nov" in chase.at(2026, 11, 3, 8, 0)[0][1]


def test_a_missed_morning_is_caught_up_in_the_afternoon_window_and_a_missed_day_uses_nothing(
    factory, clock, school
):
    declare(factory, clock, TEACHER, PLANNING, date(2026, 11, 25))
    declare(factory, clock, SENCO, SEND_ON_PAPER, date(2026, 11, 25))
    chase = Chasers(factory, clock)
    entries = ledger_entries(factory)
    # The worker was down all Wednesday: nothing is sent in the evening, no window is used.
    assert chase.at(2026, 11, 25, 22, 30) == []
    assert ledger_entries(factory) == entries
    # Thursday: down again in the morning; lessons are quiet; the afternoon window catches up.
    assert chase.at(2026, 11, 26, 8, 30) == []
    assert chase.at(2026, 11, 26, 13, 40) == []
    afternoon = chase.at(2026, 11, 26, 15, 30)
    assert recipients(afternoon) == [TEACHER, SENCO, HEAD]  # the SIRO digest too
    assert "overdue since Wed 25 Nov" in afternoon[0][1]
    assert chase.at(2026, 11, 26, 17, 29) == []  # one digest a day
    assert chase.at(2026, 11, 26, 17, 30) == []
    # Friday morning: a new day, a new digest in the first window.
    assert recipients(chase.at(2026, 11, 27, 8, 0)) == [TEACHER, SENCO, HEAD]


def test_nothing_goes_out_at_night_or_during_lessons(factory, clock, school):
    declare(factory, clock, TEACHER, PLANNING, date(2026, 11, 24))
    chase = Chasers(factory, clock)
    for hour, minute in ((0, 30), (6, 0), (8, 30), (10, 1), (12, 0), (15, 29), (17, 30), (22, 30)):
        assert chase.at(2026, 11, 25, hour, minute) == [], (hour, minute)
    assert recipients(chase.at(2026, 11, 25, 15, 30)) == [TEACHER]


def test_records_are_not_chased_on_the_day_they_were_taken(factory, clock, school):
    clock.set(london(2026, 11, 24, 10, 0))
    declare(factory, clock, TEACHER, PLANNING, date(2026, 11, 24))  # back this evening
    clock.set(london(2026, 11, 24, 8, 5))  # declared at 08:05, during the morning window
    declare(factory, clock, TA, MARKING, date(2026, 11, 24))
    chase = Chasers(factory, clock)
    assert chase.at(2026, 11, 24, 8, 6) == []
    assert chase.at(2026, 11, 24, 10, 1) == []
    assert chase.at(2026, 11, 24, 15, 30) == []
    wednesday = chase.at(2026, 11, 25, 8, 0)
    assert recipients(wednesday) == [TEACHER, TA]
    assert "overdue since Tue 24 Nov" in wednesday[0][1]


def test_one_digest_covers_everything_a_holder_has_due(factory, clock, school):
    declare(factory, clock, TEACHER, PLANNING, date(2026, 11, 25))
    declare(factory, clock, TEACHER, MARKING, date(2026, 11, 25))
    ((to, text),) = Chasers(factory, clock).at(2026, 11, 25, 8, 0)
    assert to == TEACHER
    assert "Off-site #1 · Lesson planning" in text and "Off-site #2 · Marking" in text
    labels = [b["label"] for b in outbox_buttons(factory)[0]]
    assert labels == ["Mark #1 returned", "Mark #2 returned"]


def test_records_not_yet_due_pending_or_returned_are_not_chased(factory, clock, school):
    declare(factory, clock, TEACHER, PLANNING, date(2026, 11, 26))  # due later
    declare(factory, clock, TA, SEND_ON_PAPER, date(2026, 11, 24))  # pending approval
    declare(factory, clock, SENCO, SEND_ON_PAPER, date(2026, 11, 24))
    act(
        factory,
        clock,
        SENCO,
        routes.submit(
            "offsite.return", {"all_back": "yes", "copies_destroyed": "yes"}, {"declaration_id": 3}
        ),
    )
    before = len(outbox(factory))
    clock.set(london(2026, 11, 24, 12, 0))  # the day the last two were due
    assert run_all(factory, clock, only="offsite_chasers") == 0
    assert outbox(factory)[before:] == []


def test_the_morning_hour_and_escalation_days_are_school_settings(factory, clock, school):
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.settings = {
            **row.settings,
            "morning_hour": "08:30",
            "escalate_overdue_after_school_days": 1,
        }
    declare(factory, clock, TEACHER, PLANNING, date(2026, 11, 24))
    chase = Chasers(factory, clock)
    assert chase.at(2026, 11, 25, 8, 15) == []
    assert recipients(chase.at(2026, 11, 25, 8, 30)) == [TEACHER, HEAD]


def test_the_afternoon_window_end_is_a_school_setting(factory, clock, school):
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.settings = {**row.settings, "afternoon_hour": "14:00", "afternoon_end_hour": "15:00"}
    declare(factory, clock, TEACHER, PLANNING, date(2026, 11, 24))
    chase = Chasers(factory, clock)
    assert chase.at(2026, 11, 25, 15, 0) == []
    assert recipients(chase.at(2026, 11, 25, 14, 59)) == [TEACHER]


def test_unanswered_requests_lapse_at_the_end_of_the_next_school_day_if_made_after_hours(
    factory, clock, school
):
    clock.set(london(2026, 11, 27, 18, 0))  # Friday evening
    declare(factory, clock, TEACHER, SEND_ON_PAPER, date(2026, 11, 30))
    (decl,) = declarations(factory)
    assert decl.approvals[0].expires_at == london(2026, 11, 30, 17, 30)
    chase = Chasers(factory, clock)
    assert chase.at(2026, 11, 28, 17, 30) == []
    assert chase.at(2026, 11, 30, 17, 29) == []
    lapsed = chase.at(2026, 11, 30, 17, 30)
    assert recipients(lapsed) == [TEACHER, HEAD]
    assert lapsed[0][1].startswith("Request lapsed: Off-site #1 · SEND records")
    assert "Nothing for you to do" in lapsed[1][1]
    (decl,) = declarations(factory)
    assert decl.status == "expired"


def test_approval_expiry_follows_the_school_day():
    calendar = SchoolCalendar(SchoolSettings())
    settings = SchoolSettings()
    assert rules.approval_expiry(calendar, settings, london(2026, 11, 24, 9, 0)) == london(
        2026, 11, 24, 17, 30
    )
    assert rules.approval_expiry(calendar, settings, london(2026, 11, 24, 17, 30)) == london(
        2026, 11, 25, 17, 30
    )
    assert rules.approval_expiry(calendar, settings, london(2026, 11, 28, 11, 0)) == london(
        2026, 11, 30, 17, 30
    )


@pytest.mark.parametrize(
    ("asked", "expires"),
    [
        ((2026, 11, 24, 16, 30), (2026, 11, 24, 17, 30)),  # exactly an hour left: today
        ((2026, 11, 24, 16, 31), (2026, 11, 25, 17, 30)),  # less than an hour: tomorrow
        ((2026, 11, 24, 17, 29), (2026, 11, 25, 17, 30)),  # a minute before the end
        ((2026, 11, 27, 17, 0), (2026, 11, 30, 17, 30)),  # Friday late afternoon: Monday
        ((2026, 12, 18, 17, 0), (2027, 1, 5, 17, 30)),  # last afternoon of term: next term
    ],
)
def test_a_request_close_to_the_expiry_hour_lapses_at_the_end_of_the_next_school_day(
    asked, expires
):
    calendar = SchoolCalendar(SchoolSettings(terms=DEMO_TERMS))
    settings = calendar.settings
    assert rules.approval_expiry(calendar, settings, london(*asked)) == london(*expires)


def test_the_sweep_keeps_working_after_the_last_configured_term(factory, clock, school):
    """12 Jul 2027, the last week of the demo terms: due days and expiries run past them."""
    clock.set(london(2027, 7, 15, 10, 0))  # Thursday
    declare(factory, clock, TEACHER, PLANNING, date(2027, 7, 16))
    declare(factory, clock, TA, SEND_ON_PAPER, date(2027, 7, 19))  # past the last term
    (_, request) = declarations(factory)
    assert request.approvals[0].expires_at == london(2027, 7, 15, 17, 30)
    chase = Chasers(factory, clock)
    assert recipients(chase.at(2027, 7, 15, 17, 30)) == [TA, HEAD]  # lapsed
    assert recipients(chase.at(2027, 7, 16, 8, 0)) == [TEACHER]
    # Monday 19 July: no term is configured, so every weekday counts and chasing goes on.
    monday = chase.at(2027, 7, 19, 8, 0)
    assert recipients(monday) == [TEACHER]
    assert "overdue since Fri 16 Jul" in monday[0][1]
    clock.set(london(2027, 7, 19, 17, 0))
    with factory() as session:
        calendar = SchoolCalendar(
            SchoolSettings.from_json(session.scalars(select(School)).one().settings)
        )
    assert rules.approval_expiry(calendar, calendar.settings, clock()) == london(
        2027, 7, 20, 17, 30
    )


# --- records that did not all come back, and no breach report ------------------------------------

DPO = "dpo@example.org"
LAPTOP = {
    "categories": ["planning", "tracking"],
    "format": "school_laptop",
    "asset_tag": "LAP-0142",
    "encryption": "yes",
}
MISSING_ONE = routes.submit(
    "offsite.return",
    {"all_back": "no", "items_back": ["planning"], "copies_destroyed": "yes"},
    {"declaration_id": 1},
)


def urgent_flags(factory) -> list[bool]:
    with factory() as session:
        return list(session.scalars(select(OutboxMessage.urgent).order_by(OutboxMessage.id)))


def file_report(factory, clock, form: Ask):
    """Submit the first step of a breach report form as the holder (it stores the incident)."""
    answers = {**LOST_LAPTOP, "declaration_id": form.form.state["declaration_id"]}
    return act(factory, clock, TEACHER, routes.submit("breach.report", answers, form.form.state))


def test_records_reported_missing_alert_the_head_and_dpo_urgently(factory, clock, school):
    declare(factory, clock, TEACHER, LAPTOP, date(2026, 11, 25))
    clock.set(london(2026, 11, 24, 21, 0))  # out of hours: a possible breach still goes now
    act(factory, clock, TEACHER, MISSING_ONE)
    assert recipients(outbox(factory)) == [HEAD, DPO]
    assert urgent_flags(factory) == [True, True]
    with factory() as session:
        assert {m.next_attempt_at for m in session.scalars(select(OutboxMessage))} == {clock()}


def test_an_abandoned_breach_report_brings_the_holder_a_report_button_and_tells_the_dpo(
    factory, clock, school
):
    declare(factory, clock, TEACHER, LAPTOP, date(2026, 11, 25))
    clock.set(london(2026, 11, 24, 20, 0))
    opened = act(factory, clock, TEACHER, MISSING_ONE)
    assert isinstance(opened, Ask) and opened.form.id == "breach.report"  # ...and abandoned
    chase = Chasers(factory, clock)
    assert chase.at(2026, 11, 24, 20, 29) == []
    followup = chase.at(2026, 11, 24, 20, 30)  # 30 minutes on, in the evening: urgent
    assert recipients(followup) == [TEACHER, DPO]
    assert followup[0][1].startswith("Off-site #1 · not all returned, and no breach report yet.")
    assert followup[1][1].startswith("Off-site #1 · not all returned 30 minutes ago")
    assert urgent_flags(factory)[-2:] == [True, True]
    buttons = outbox_buttons(factory)[-2]
    assert [(b["label"], b["action"], b["value"]) for b in buttons] == [
        ("Report the breach now", "offsite.report_missing", "1")
    ]
    assert chase.at(2026, 11, 25, 8, 0) == []  # once only (and lost records get no digest)

    not_theirs = act(factory, clock, TA, routes.press("offsite.report_missing", "1"))
    assert isinstance(not_theirs, Say) and "someone else's" in not_theirs.text
    form = act(factory, clock, TEACHER, routes.press("offsite.report_missing", "1"))
    assert isinstance(form, Ask) and form.form.id == "breach.report"
    initial = {f.name: f.initial for f in form.form.fields}
    assert initial["declaration_id"] == "1" and initial["asset_tag"] == "LAP-0142"
    file_report(factory, clock, form)
    with factory() as session:
        (incident,) = session.scalars(select(Incident)).all()
    assert incident.declaration_id == 1
    again = act(factory, clock, TEACHER, routes.press("offsite.report_missing", "1"))
    assert isinstance(again, Say) and f"already reported as Breach #{incident.number}" in again.text


def test_a_breach_report_filed_in_time_means_no_follow_up(factory, clock, school):
    declare(factory, clock, TEACHER, LAPTOP, date(2026, 11, 25))
    clock.set(london(2026, 11, 24, 20, 0))
    opened = act(factory, clock, TEACHER, MISSING_ONE)
    assert isinstance(opened, Ask)
    clock.set(london(2026, 11, 24, 20, 10))
    file_report(factory, clock, opened)
    assert Chasers(factory, clock).at(2026, 11, 24, 21, 0) == []
