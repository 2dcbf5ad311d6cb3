"""Which term a report covers, and the same term a year before, from the school's calendar.

A report period runs from a term's first day to the day before the next term starts, so the
holiday after a term is counted with it (as the breach log's summary does) and nothing that
happens in a holiday falls between two reports. The same term last year is the configured term
of the same season (its name's first word: Autumn, Spring, Summer) that started 10 to 14 months
earlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from handlers.errors import UserError
from handlers.replies import listed
from handlers.settings import SchoolSettings, Term


@dataclass(frozen=True)
class ReportTerm:
    """A term as a report counts it: its name and the days it covers (holiday included)."""

    name: str
    first_day: date
    last_day: date
    term_end: date  # the last teaching day: the report is sent on the first school day after

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    @property
    def dates(self) -> str:
        return f"{self.first_day:%-d %b %Y} to {self.last_day:%-d %b %Y}"


def _ordered(settings: SchoolSettings) -> list[Term]:
    return sorted(settings.terms, key=lambda t: t.start)


def report_term(settings: SchoolSettings, term: Term) -> ReportTerm:
    terms = _ordered(settings)
    later = [t.start for t in terms if t.start > term.start]
    last_day = min(later) - timedelta(days=1) if later else term.end
    return ReportTerm(term.name, term.start, last_day, term.end)


def just_ended(settings: SchoolSettings, today: date) -> Term | None:
    """The latest term whose last teaching day is before ``today``."""
    ended = [t for t in _ordered(settings) if t.end < today]
    return ended[-1] if ended else None


def named(settings: SchoolSettings, name: str) -> Term:
    """The configured term with this name (any case), or a UserError listing the names."""
    for term in _ordered(settings):
        if term.name.casefold() == name.strip().casefold():
            return term
    names = [t.name for t in _ordered(settings)]
    raise UserError(f"There is no term called '{name}'. Terms: {listed(names, 'or')}.")


def _season(term: Term) -> str:
    words = term.name.split()
    return words[0].casefold() if words else ""


def same_term_last_year(settings: SchoolSettings, term: Term) -> Term | None:
    for other in _ordered(settings):
        if _season(other) == _season(term) and 300 <= (term.start - other.start).days <= 430:
            return other
    return None
