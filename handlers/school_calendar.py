"""School days, terms and reminder hours in the school's time zone.

A school day is a weekday inside a configured term, outside its half-term, not a bank holiday
(England and Wales) and not a configured closure. With no terms configured, every weekday that
is not a bank holiday counts, and so does every such weekday after the last configured term ends:
a school that has not yet added next year's terms gets a reminder in its holidays rather than
none at all (and no crash); the term-dates sweep tells its admins before that happens. INSET
days are school days: staff are in.

Routine (non-urgent) messages go out only in two windows of a school day: the morning window
from the morning hour for half an hour, and the afternoon window from the afternoon hour to its
end (08:00-08:30 and 15:30-17:30 by default, shared/DOMAIN.md §6).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo

from handlers.settings import SchoolSettings, Term

# The morning window is short: a digest read before the register, not during lessons.
MORNING_WINDOW = timedelta(minutes=30)


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    # Imported at first use: the package, and the every-country table it loads to find the UK,
    # cost about 11 MiB, and a web process may answer all day without needing a school day.
    import holidays

    # England and Wales have the same bank holidays; the holidays package lists them as "ENG".
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


class _Days:
    """What calendars with the same time zone, terms and closures have worked out about days,
    shared by all of them: a trust's schools usually share term dates, and a sweep asks about
    the same few days for each school and each of its people."""

    __slots__ = ("school_day", "next", "added", "between", "dates", "last_term_end")

    def __init__(self, settings: SchoolSettings) -> None:
        self.school_day: dict[date, bool] = {}
        self.next: dict[date, date] = {}  # school_day_on_or_after
        self.added: dict[tuple[date, int], date] = {}  # add_school_days
        self.between: dict[tuple[date, date], int] = {}  # school_days_between
        self.dates: dict[datetime, date] = {}  # today
        self.last_term_end = max((term.end for term in settings.terms), default=None)


# Keyed by what a calendar's answers depend on. Each answer kept is small, but a long-running
# worker asks about new instants and days for ever: each table, and the set of them, is emptied
# when it grows this large (a trust with hundreds of different term dates still shares them).
_SHARED: dict[tuple[str, tuple[Term, ...], tuple[date, ...]], _Days] = {}
SHARED_AT_MOST = 512
ANSWERS_AT_MOST = 4096

K = TypeVar("K")
V = TypeVar("V")


def _remember(answers: dict[K, V], key: K, value: V) -> V:
    if len(answers) >= ANSWERS_AT_MOST:
        answers.clear()
    answers[key] = value
    return value


def _days_for(settings: SchoolSettings) -> _Days:
    key = (settings.timezone, tuple(settings.terms), tuple(settings.closures))
    days = _SHARED.get(key)
    if days is None:
        if len(_SHARED) >= SHARED_AT_MOST:
            _SHARED.clear()
        days = _SHARED[key] = _Days(settings)
    return days


class SchoolCalendar:
    def __init__(self, settings: SchoolSettings) -> None:
        self.settings = settings
        self.tz = ZoneInfo(settings.timezone)
        # Sweeps ask about the same few days for every person of a school, and schools of one
        # trust share their terms: answer each once, for all calendars alike (_Days).
        self._days = _days_for(settings)

    @property
    def last_term_end(self) -> date | None:
        """The last day of the last configured term (None when no terms are configured)."""
        return self._days.last_term_end

    def is_school_day(self, day: date) -> bool:
        known = self._days.school_day.get(day)
        if known is None:
            known = _remember(self._days.school_day, day, self._is_school_day(day))
        return known

    def _is_school_day(self, day: date) -> bool:
        if day.weekday() >= 5 or is_bank_holiday(day) or day in self.settings.closures:
            return False
        last = self.last_term_end
        if last is None or day > last:
            # Past the configured terms nobody knows the holidays: counting every weekday keeps
            # chasers and deadlines working (better a reminder in the holidays than none).
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
        """``day`` if it is a school day, else the next one (items due in holidays roll forward).

        Always ends: past the last configured term every weekday but a bank holiday or one of
        the finitely many closures is a school day.
        """
        found = self._days.next.get(day)
        if found is None:
            found = day
            while not self.is_school_day(found):
                found += timedelta(days=1)
            _remember(self._days.next, day, found)
        return found

    def add_school_days(self, day: date, count: int) -> date:
        found = self._days.added.get((day, count))
        if found is None:
            found = day
            for _ in range(count):
                found = self.next_school_day(found)
            _remember(self._days.added, (day, count), found)
        return found

    def school_days_between(self, start: date, end: date) -> int:
        """School days after ``start`` up to and including ``end`` (0 if end <= start)."""
        count = self._days.between.get((start, end))
        if count is None:
            count, day = 0, start
            while day < end:
                day += timedelta(days=1)
                if self.is_school_day(day):
                    count += 1
            _remember(self._days.between, (start, end), count)
        return count

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def today(self, now: datetime) -> date:
        """The school's date at ``now`` (asked again and again for a round's opening moment)."""
        known = self._days.dates.get(now)
        if known is None:
            known = _remember(self._days.dates, now, self.local(now).date())
        return known

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

    def reminder_window_open(self, now: datetime) -> bool:
        """True on a school day in the morning window or the afternoon window, when routine
        messages (digests, chasers, notices) may go out; never at weekends or in holidays."""
        day = self.today(now)
        if not self.is_school_day(day):
            return False
        morning = self.at(day, self.settings.morning_hour)
        if morning <= now < morning + MORNING_WINDOW:
            return True
        return (
            self.at(day, self.settings.afternoon_hour)
            <= now
            < self.at(day, self.settings.afternoon_end_hour)
        )

    def term_of(self, day: date) -> str | None:
        for term in self.settings.terms:
            if term.start <= day <= term.end:
                return term.name
        return None
