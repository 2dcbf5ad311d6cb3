"""Chasers for records off site, with a frozen clock moved across a weekend, a bank holiday and
half-term: exactly which digests go to whom and when, and a second run changes nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from handlers import offsite_rules as rules
from handlers import routes
from handlers.settings import SchoolSettings
from schedules.calendar import SchoolCalendar
from schedules.sweeps import run_all
from storage.database import transaction
from storage.models import LedgerEntry, School
from tests.conftest import london
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
            "Good morning. These records are due back in school:\n"
            "• Off-site #1 · Marking · due back today\n"
            "When they're back, tap Mark returned. If anything is lost, report it at once "
            "with /breach.",
        ),
        (
            SENCO,
            "Good morning. These records are due back in school:\n"
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
        "• Off-site #2 · SEND records · Robin Needs · due Fri 27 Nov · 1 school day overdue"
    )

    tuesday = chase.at(2026, 12, 1, 8, 0)
    assert recipients(tuesday) == [TEACHER, SENCO, HEAD]
    assert tuesday[2][1] == (
        "Off-site records overdue:\n"
        "• Off-site #1 · Marking · Alex Teacher · due Fri 27 Nov · 2 school days overdue\n"
        "• Off-site #2 · SEND records · Robin Needs · due Fri 27 Nov · 2 school days overdue"
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
        "• Off-site #1 · Lesson planning · Alex Teacher · due Fri 1 May · 2 school days overdue"
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
            "Good morning. These records are due back in school:\n"
            "• Off-site #1 · Lesson planning · due back today\n"
            "When they're back, tap Mark returned. If anything is lost, report it at once "
            "with /breach.",
        )
    ]
    assert "overdue since Mon 2 Nov" in chase.at(2026, 11, 3, 8, 0)[0][1]


def test_a_missed_morning_is_caught_up_later_that_school_day(factory, clock, school):
    declare(factory, clock, TEACHER, PLANNING, date(2026, 11, 25))
    chase = Chasers(factory, clock)
    assert recipients(chase.at(2026, 11, 25, 13, 40)) == [TEACHER]  # the worker was down at 8


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
