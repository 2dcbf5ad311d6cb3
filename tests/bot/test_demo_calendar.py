"""The demo school's calendar follows the clock, so the console demo never runs out of terms."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.demo import DEMO_TERMS, demo_config, demo_terms, school_date
from handlers.school_calendar import SchoolCalendar
from handlers.settings import SchoolSettings
from tests.conftest import london

DAYS = [
    date(2026, 11, 24),
    date(2027, 7, 30),  # after the last of the old fixed terms
    date(2027, 8, 31),
    date(2028, 2, 29),
    date(2028, 12, 25),
    date(2029, 6, 1),
    date(2031, 1, 1),
    date(2031, 9, 1),
    date(2031, 12, 31),
    date(2035, 4, 1),
]


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_today_is_in_the_demo_calendar_and_the_next_60_school_days_are_covered(today: date):
    terms = demo_terms(today)
    calendar = SchoolCalendar(SchoolSettings(terms=terms))
    # Today is in a term or a holiday between two of its terms (never before or after them all).
    assert terms[0].start <= today or today.month in (8, 9), today
    assert today <= terms[-1].end
    # The next 60 school days all fall inside a term.
    day = today
    for _ in range(60):
        day = calendar.next_school_day(day)
        assert calendar.term_of(day) is not None, day
    assert day < terms[-1].end


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_demo_terms_look_like_an_english_school_year(today: date):
    terms = demo_terms(today)
    assert [t.name.split()[0] for t in terms] == ["Autumn", "Spring", "Summer"] * 2
    for term in terms:
        assert term.start.weekday() < 5 and term.end.weekday() == 4
        assert term.start < term.half_term_start < term.half_term_end < term.end
        assert (term.half_term_end - term.half_term_start).days == 4
    autumn, spring, summer = terms[:3]
    assert autumn.start.month == 9 and autumn.start.day <= 7
    assert autumn.half_term_start.month == 10 and autumn.half_term_start.day >= 21
    assert date(autumn.end.year, 12, 14) <= autumn.end < date(autumn.end.year, 12, 21)
    assert spring.start.month == 1 and spring.start.day <= 8
    assert spring.half_term_start.month == 2 and 13 <= spring.half_term_start.day <= 21
    assert summer.start.month == 4 and summer.half_term_start.month == 5
    assert summer.half_term_start.day >= 25  # the late-May bank holiday week
    assert summer.end.month == 7 and summer.end.day >= 15
    assert terms[3].start.year == autumn.start.year + 1


def test_the_fixed_test_calendar_is_the_demo_of_2025_26_and_2026_27():
    assert DEMO_TERMS[0].name == "Autumn 2025" and DEMO_TERMS[-1].name == "Summer 2027"
    assert DEMO_TERMS[-1].end == date(2027, 7, 16)


def test_the_demo_school_takes_its_terms_from_the_date_given():
    config = demo_config(date(2031, 3, 3))
    assert config.settings.terms[0].name == "Autumn 2030"
    assert config.settings.terms[-1].name == "Summer 2032"


def test_the_demo_date_is_the_london_date():
    # 23:30 UTC on 31 July 2031 is already 1 August in London.
    assert school_date(datetime.fromisoformat("2031-07-31T23:30+00:00")) == date(2031, 8, 1)
    assert school_date(london(2031, 1, 1, 0, 30)) == date(2031, 1, 1)
