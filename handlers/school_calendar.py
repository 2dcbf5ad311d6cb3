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
from zoneinfo import ZoneInfo

from handlers.settings import SchoolSettings

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


class SchoolCalendar:
    def __init__(self, settings: SchoolSettings) -> None:
        self.settings = settings
        self.tz = ZoneInfo(settings.timezone)
        # Sweeps ask about the same few days for every person of a school: answer each once.
        self._school_days: dict[date, bool] = {}
        self._dates: dict[datetime, date] = {}

    @property
    def last_term_end(self) -> date | None:
        """The last day of the last configured term (None when no terms are configured)."""
        return max((term.end for term in self.settings.terms), default=None)

    def is_school_day(self, day: date) -> bool:
        known = self._school_days.get(day)
        if known is None:
            known = self._school_days[day] = self._is_school_day(day)
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
        while not self.is_school_day(day):
            day += timedelta(days=1)
        return day

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
        """The school's date at ``now`` (asked again and again for a round's opening moment)."""
        known = self._dates.get(now)
        if known is None:
            known = self._dates[now] = self.local(now).date()
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
