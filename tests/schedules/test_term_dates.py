"""The once-only warning to admins that the school's configured term dates are running out."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.demo import DEMO_TERMS
from handlers.school_calendar import SchoolCalendar
from handlers.settings import SchoolSettings
from schedules.sweeps import run_all
from storage.database import transaction
from storage.models import OutboxMessage, Person, School
from tests.conftest import london

DEMO = SchoolCalendar(SchoolSettings(terms=DEMO_TERMS))
WARNING = (
    "Safekeep has term dates only until Fri 16 Jul 2027: add next year's terms to school.toml."
)


def warnings(factory, clock, *when: int) -> list[tuple[str, str]]:
    """Run the sweep at a London time; the warnings it queued as (recipient email, text)."""
    clock.set(london(*when))
    with factory() as session:
        before = len(session.scalars(select(OutboxMessage.id)).all())
    queued = run_all(factory, clock, only="term_dates")
    with factory() as session:
        rows = session.execute(
            select(Person.email, OutboxMessage.payload)
            .join(Person, Person.id == OutboxMessage.recipient_id)
            .order_by(OutboxMessage.id)
        ).all()[before:]
    assert queued == len(rows)
    return [(email, payload["text"]) for email, payload in rows]


def first_day_within_30_school_days() -> date:
    day = date(2027, 5, 1)
    while DEMO.school_days_between(day, date(2027, 7, 16)) > 30 or not DEMO.is_school_day(day):
        day += timedelta(days=1)
    return day


def test_admins_are_warned_once_when_the_last_term_ends_within_30_school_days(
    factory, clock, school
):
    assert warnings(factory, clock, 2026, 11, 24, 8, 0) == []
    day = first_day_within_30_school_days()
    before = DEMO.next_school_day(day - timedelta(days=7))
    assert warnings(factory, clock, before.year, before.month, before.day, 8, 0) == []
    at = (day.year, day.month, day.day)
    assert warnings(factory, clock, *at, 10, 0) == []  # a routine message: in a window only
    sent = warnings(factory, clock, *at, 15, 30)
    assert sent == [("head@example.org", WARNING), ("it@example.org", WARNING)]
    assert warnings(factory, clock, *at, 15, 45) == []
    assert warnings(factory, clock, 2027, 7, 19, 8, 0) == []  # once only, even after the end


def test_a_warning_missed_before_the_end_still_goes_after_it(factory, clock, school):
    sent = warnings(factory, clock, 2027, 7, 20, 8, 0)  # the worker was off all June and July
    assert [to for to, _ in sent] == ["head@example.org", "it@example.org"]


def test_adding_next_years_terms_stops_the_warning_and_arms_it_for_the_new_end(
    factory, clock, school
):
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        terms = [
            *row.settings["terms"],
            {"name": "Autumn 2027", "start": "2027-09-02", "end": "2027-12-17"},
        ]
        row.settings = {**row.settings, "terms": terms}
    assert warnings(factory, clock, 2027, 7, 1, 8, 0) == []
    sent = warnings(factory, clock, 2027, 12, 1, 8, 0)
    assert sent and "only until Fri 17 Dec 2027" in sent[0][1]


def test_a_school_without_term_dates_is_never_warned(factory, clock, school):
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.settings = {**row.settings, "terms": []}
    assert warnings(factory, clock, 2027, 7, 20, 8, 0) == []
