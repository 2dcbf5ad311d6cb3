"""School days: weekends, bank holidays (England and Wales), terms, half-terms and closures."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, time

import pytest

from bot.demo import DEMO_TERMS
from handlers.school_calendar import SchoolCalendar, is_bank_holiday
from handlers.school_config import ConfigError, parse_school_config
from handlers.settings import SchoolSettings, Term
from tests.conftest import london

ANY_WEEKDAY = SchoolCalendar(SchoolSettings())  # no terms: every weekday but bank holidays
DEMO = SchoolCalendar(SchoolSettings(terms=DEMO_TERMS))


def test_weekends_are_never_school_days():
    assert ANY_WEEKDAY.is_school_day(date(2026, 11, 27))  # Friday
    assert not ANY_WEEKDAY.is_school_day(date(2026, 11, 28))  # Saturday
    assert not ANY_WEEKDAY.is_school_day(date(2026, 11, 29))  # Sunday
    assert not DEMO.is_school_day(date(2026, 11, 28))


@pytest.mark.parametrize(
    ("day", "what"),
    [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 4, 3), "Good Friday"),
        (date(2026, 4, 6), "Easter Monday"),
        (date(2026, 5, 4), "early May bank holiday"),
        (date(2020, 5, 8), "early May bank holiday moved to VE Day"),
        (date(2023, 5, 8), "the coronation"),
        (date(2026, 5, 25), "spring bank holiday"),
        (date(2026, 8, 31), "summer bank holiday"),
        (date(2026, 12, 25), "Christmas Day"),
        (date(2026, 12, 28), "Boxing Day substitute (26th is a Saturday)"),
        (date(2027, 12, 27), "Christmas Day substitute (25th is a Saturday)"),
        (date(2027, 12, 28), "Boxing Day substitute (26th is a Sunday)"),
        (date(2022, 12, 27), "Christmas Day substitute (25th is a Sunday)"),
        (date(2023, 1, 2), "New Year's Day substitute"),
    ],
)
def test_bank_holidays_in_england_and_wales_are_not_school_days(day, what):
    assert day.weekday() < 5, what
    assert is_bank_holiday(day), what
    assert not ANY_WEEKDAY.is_school_day(day), what


def test_the_old_may_day_is_an_ordinary_day_when_the_bank_holiday_moved():
    assert not is_bank_holiday(date(2020, 5, 4))
    assert ANY_WEEKDAY.is_school_day(date(2020, 5, 4))


def test_the_weekday_after_a_weekend_christmas_is_not_doubled():
    assert ANY_WEEKDAY.is_school_day(date(2026, 12, 29))


def test_half_term_is_a_holiday_but_the_weeks_around_it_are_school_days():
    assert DEMO.is_school_day(date(2026, 10, 23))  # Friday before
    for day in range(26, 31):
        assert not DEMO.is_school_day(date(2026, 10, day))
    assert DEMO.is_school_day(date(2026, 11, 2))  # Monday after


def test_days_outside_every_term_are_not_school_days():
    assert not DEMO.is_school_day(date(2026, 8, 3))  # summer holiday
    assert not DEMO.is_school_day(date(2026, 12, 21))  # Christmas holiday
    assert not DEMO.is_school_day(date(2026, 9, 1))  # the day before term starts
    assert DEMO.is_school_day(date(2026, 9, 2))  # the first day of term
    assert DEMO.is_school_day(date(2026, 12, 18))  # the last day of term


def test_a_bank_holiday_inside_a_term_is_not_a_school_day():
    assert date(2026, 5, 4) >= DEMO_TERMS[2].start
    assert not DEMO.is_school_day(date(2026, 5, 4))


def test_a_term_without_a_half_term_is_all_school_days():
    calendar = SchoolCalendar(
        SchoolSettings(terms=(Term("Short", date(2026, 6, 1), date(2026, 6, 5)),))
    )
    assert all(calendar.is_school_day(date(2026, 6, d)) for d in range(1, 6))


def test_closures_are_not_school_days():
    calendar = SchoolCalendar(SchoolSettings(terms=DEMO_TERMS, closures=(date(2026, 11, 25),)))
    assert calendar.is_school_day(date(2026, 11, 24))
    assert not calendar.is_school_day(date(2026, 11, 25))
    assert calendar.next_school_day(date(2026, 11, 24)) == date(2026, 11, 26)


@pytest.mark.parametrize(
    ("calendar", "after", "expected"),
    [
        (ANY_WEEKDAY, date(2026, 11, 24), date(2026, 11, 25)),  # Tue -> Wed
        (ANY_WEEKDAY, date(2026, 11, 27), date(2026, 11, 30)),  # Fri -> Mon
        (ANY_WEEKDAY, date(2026, 5, 1), date(2026, 5, 5)),  # over the early May bank holiday
        (ANY_WEEKDAY, date(2026, 12, 24), date(2026, 12, 29)),  # over Christmas and Boxing Day
        (ANY_WEEKDAY, date(2027, 12, 24), date(2027, 12, 29)),  # over both substitute days
        (ANY_WEEKDAY, date(2026, 4, 2), date(2026, 4, 7)),  # over Easter
        (DEMO, date(2026, 10, 23), date(2026, 11, 2)),  # over half-term
        (DEMO, date(2026, 12, 18), date(2027, 1, 5)),  # end of term to the next term
        (DEMO, date(2026, 7, 17), date(2026, 9, 2)),  # over the summer holiday
        (DEMO, date(2026, 12, 19), date(2027, 1, 5)),  # from a holiday Saturday
    ],
)
def test_next_school_day_skips_everything_that_is_not_one(calendar, after, expected):
    assert calendar.next_school_day(after) == expected


def test_school_day_on_or_after_keeps_a_school_day_and_rolls_a_holiday_forward():
    assert DEMO.school_day_on_or_after(date(2026, 11, 24)) == date(2026, 11, 24)
    assert DEMO.school_day_on_or_after(date(2026, 11, 28)) == date(2026, 11, 30)
    assert DEMO.school_day_on_or_after(date(2026, 10, 27)) == date(2026, 11, 2)


def test_add_school_days_counts_only_school_days():
    assert ANY_WEEKDAY.add_school_days(date(2026, 12, 24), 2) == date(2026, 12, 30)
    assert DEMO.add_school_days(date(2026, 10, 22), 2) == date(2026, 11, 2)
    assert DEMO.add_school_days(date(2026, 10, 22), 0) == date(2026, 10, 22)


def test_school_days_between_counts_days_after_the_start_up_to_the_end():
    assert DEMO.school_days_between(date(2026, 10, 23), date(2026, 11, 2)) == 1
    assert DEMO.school_days_between(date(2026, 11, 23), date(2026, 11, 27)) == 4
    assert DEMO.school_days_between(date(2026, 11, 27), date(2026, 11, 23)) == 0
    assert DEMO.school_days_between(date(2026, 11, 24), date(2026, 11, 24)) == 0


def test_after_the_last_configured_term_every_weekday_but_bank_holidays_is_a_school_day():
    assert DEMO.last_term_end == date(2027, 7, 16)
    assert DEMO.is_school_day(date(2027, 7, 19))  # the Monday after the last demo term
    assert not DEMO.is_school_day(date(2027, 7, 24))  # a Saturday
    assert not DEMO.is_school_day(date(2027, 8, 30))  # the summer bank holiday
    assert DEMO.is_school_day(date(2027, 7, 2))  # inside the last term, as before
    # 12 July 2027 with the demo terms: ten school days on run past the last term.
    assert DEMO.add_school_days(date(2027, 7, 12), 10) == date(2027, 7, 26)
    past = SchoolCalendar(SchoolSettings(terms=(Term("Old", date(2020, 1, 6), date(2020, 3, 27)),)))
    assert past.next_school_day(date(2026, 1, 1)) == date(2026, 1, 2)
    assert past.school_day_on_or_after(date(2026, 12, 25)) == date(2026, 12, 29)


def test_wall_clock_times_follow_british_summer_time():
    assert DEMO.at(date(2026, 11, 24), time(8, 0)).astimezone(UTC) == datetime(
        2026, 11, 24, 8, 0, tzinfo=UTC
    )
    assert DEMO.at(date(2026, 6, 1), time(8, 0)).astimezone(UTC) == datetime(
        2026, 6, 1, 7, 0, tzinfo=UTC
    )


def test_today_is_the_school_zone_date_not_the_utc_date():
    late = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 June in London
    assert DEMO.today(late) == date(2026, 6, 1)
    assert DEMO.local(late).hour == 0


@pytest.mark.parametrize(
    ("hour", "minute", "open_"),
    [
        (7, 59, False),
        (8, 0, True),
        (8, 29, True),
        (8, 30, False),  # the morning window is half an hour
        (10, 1, False),  # lessons
        (15, 29, False),
        (15, 30, True),
        (17, 29, True),
        (17, 30, False),
        (22, 30, False),  # evening
    ],
)
def test_reminder_windows_are_half_an_hour_from_the_morning_hour_and_the_afternoon_hours(
    hour, minute, open_
):
    assert DEMO.reminder_window_open(london(2026, 11, 24, hour, minute)) is open_


def test_reminder_windows_stay_shut_at_weekends_and_in_holidays():
    assert not DEMO.reminder_window_open(london(2026, 11, 28, 8, 0))  # Saturday
    assert not DEMO.reminder_window_open(london(2026, 10, 27, 15, 30))  # half-term
    assert not DEMO.reminder_window_open(london(2026, 5, 4, 8, 0))  # bank holiday


def test_the_reminder_hours_are_school_settings():
    calendar = SchoolCalendar(
        SchoolSettings(
            morning_hour=time(8, 30), afternoon_hour=time(16, 0), afternoon_end_hour=time(16, 45)
        )
    )
    assert not calendar.reminder_window_open(london(2026, 11, 24, 8, 15))
    assert calendar.reminder_window_open(london(2026, 11, 24, 8, 45))
    assert not calendar.reminder_window_open(london(2026, 11, 24, 15, 45))
    assert calendar.reminder_window_open(london(2026, 11, 24, 16, 30))
    assert not calendar.reminder_window_open(london(2026, 11, 24, 16, 45))


def test_the_afternoon_end_is_read_from_school_toml_and_must_follow_the_afternoon(tmp_path):
    body = '[school]\nname = "X"\n[reminders]\nafternoon = "15:00"\nafternoon_end = "16:30"\n'
    config = parse_school_config(tomllib.loads(body), base_dir=tmp_path)
    assert config.settings.afternoon_end_hour == time(16, 30)
    assert SchoolSettings.from_json(config.settings.to_json()) == config.settings
    backwards = '[school]\nname = "X"\n[reminders]\nafternoon_end = "15:00"\n'
    with pytest.raises(ConfigError, match="'reminders.afternoon_end' must be later"):
        parse_school_config(tomllib.loads(backwards), base_dir=tmp_path)


def test_term_of_names_the_term_a_day_falls_in():
    assert DEMO.term_of(date(2026, 11, 24)) == "Autumn 2026"
    assert DEMO.term_of(date(2026, 10, 27)) == "Autumn 2026"  # half-term is inside the term
    assert DEMO.term_of(date(2026, 8, 3)) is None


def test_in_hours_holds_evening_weekend_and_holiday_moments_until_the_next_school_morning():
    calendar = SchoolCalendar(SchoolSettings(terms=DEMO_TERMS))
    start, end = time(8, 0), time(17, 30)
    assert calendar.in_hours(london(2026, 11, 24, 10, 0), start, end) == london(2026, 11, 24, 10, 0)
    assert calendar.in_hours(london(2026, 11, 24, 7, 0), start, end) == london(2026, 11, 24, 8, 0)
    assert calendar.in_hours(london(2026, 11, 27, 19, 0), start, end) == london(2026, 11, 30, 8, 0)
    # The Christmas holiday: the first school morning of the Spring term.
    assert calendar.in_hours(london(2026, 12, 24, 9, 0), start, end) == london(2027, 1, 5, 8, 0)


def test_calendars_share_answers_only_with_the_same_terms_and_closures():
    day = date(2026, 11, 25)
    assert DEMO.is_school_day(day)  # answered, and kept for calendars with the demo terms
    closed = SchoolCalendar(SchoolSettings(terms=DEMO_TERMS, closures=(day,)))
    assert not closed.is_school_day(day)
    assert closed.school_days_between(date(2026, 11, 24), date(2026, 11, 26)) == 1
    assert SchoolCalendar(SchoolSettings(terms=DEMO_TERMS)).is_school_day(day)
    assert DEMO.school_days_between(date(2026, 11, 24), date(2026, 11, 26)) == 2
