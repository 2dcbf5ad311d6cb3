"""School days, terms and reminder hours in the school's time zone.

A school day is a weekday inside a configured term, outside its half-term, not a bank holiday
(England and Wales) and not a configured closure. With no terms configured, every weekday that
is not a bank holiday counts. INSET days are school days: staff are in.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from handlers.settings import SchoolSettings


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    # England and Wales have the same bank holidays; the holidays package lists them as "ENG".
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


class SchoolCalendar:
    def __init__(self, settings: SchoolSettings) -> None:
        self.settings = settings
        self.tz = ZoneInfo(settings.timezone)

    def is_school_day(self, day: date) -> bool:
        if day.weekday() >= 5 or is_bank_holiday(day) or day in self.settings.closures:
            return False
        if not self.settings.terms:
            return True
        for term in self.settings.terms:
            if term.start <= day <= term.end:
                if term.half_term_start and term.half_term_end:
                    return not term.half_term_start <= day <= term.half_term_end
                return True
        return False

    def next_school_day(self, day: date) -> date:
        """The first school day strictly after ``day``."""
        return self.school_day_on_or_after(day + timedelta(days=1))

    def school_day_on_or_after(self, day: date) -> date:
        """``day`` if it is a school day, else the next one (items due in holidays roll forward)."""
        for _ in range(400):
            if self.is_school_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no school day within 400 days: check the school's term dates")

    def add_school_days(self, day: date, count: int) -> date:
        for _ in range(count):
            day = self.next_school_day(day)
        return day

    def school_days_between(self, start: date, end: date) -> int:
        """School days after ``start`` up to and including ``end`` (0 if end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_school_day(day):
                count += 1
        return count

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def today(self, now: datetime) -> date:
        return self.local(now).date()

    def at(self, day: date, hour: time) -> datetime:
        """The aware instant of a wall-clock time on a day, in the school's zone."""
        return datetime.combine(day, hour, tzinfo=self.tz)

    def in_hours(self, now: datetime, start: time, end: time) -> datetime:
        """``now`` if it is within school hours on a school day, else when they next begin."""
        local = self.local(now)
        if self.is_school_day(local.date()):
            if start <= local.time() < end:
                return now
            if local.time() < start:
                return self.at(local.date(), start)
        return self.at(self.next_school_day(local.date()), start)

    def morning_window_open(self, now: datetime) -> bool:
        """True on a school day from the morning reminder hour until the end of that day."""
        local = self.local(now)
        return self.is_school_day(local.date()) and local.time() >= self.settings.morning_hour

    def term_of(self, day: date) -> str | None:
        for term in self.settings.terms:
            if term.start <= day <= term.end:
                return term.name
        return None
