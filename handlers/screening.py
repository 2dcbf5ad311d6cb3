"""Screens free text for personal data, so staff rephrase before anything is stored.

Required patterns (shared/DOMAIN.md §7): pupil UPNs (a letter and 12 digits), email addresses,
UK phone numbers, dates of birth and National Insurance numbers. Recent dates ("lost on
24/11/2026") are allowed: staff need them to say what happened.
"""

from __future__ import annotations

import re
from datetime import date

PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b[A-Za-z]\d{12}\b"), "a pupil number (UPN)"),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "an email address"),
    (re.compile(r"(?<!\w)(\+44\s?|0)(\d[\s-]?){9,10}(?!\w)"), "a phone number"),
    (
        re.compile(r"\b(born|dob|d\.o\.b\.?|date of birth|birthday)\b", re.IGNORECASE),
        "a date of birth",
    ),
    (
        re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.IGNORECASE),
        "a National Insurance number",
    ),
)


# A written date (14/03/2017, 3.7.15). Recent dates are how staff say when something happened;
# a date two or more years back in a school's free text is far more likely a date of birth.
WRITTEN_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]((?:19|20)\d{2}|\d{2})\b")
RECENT_YEARS = 2


def personal_data_problem(text: str, today: date) -> str | None:
    """A message asking to rephrase if the text looks like it holds personal data, else None.

    ``today`` (the school's date, from the request's clock) tells a recent written date from a
    date of birth."""
    for pattern, what in PATTERNS:
        if pattern.search(text):
            return _rephrase(what)
    if any(_looks_like_birth_year(m.group(1), today.year) for m in WRITTEN_DATE.finditer(text)):
        return _rephrase("a date of birth")
    return None


def _looks_like_birth_year(written: str, this_year: int) -> bool:
    year = int(written)
    if year < 100:
        year += 2000 if year <= this_year % 100 else 1900
    return year <= this_year - RECENT_YEARS


def _rephrase(what: str) -> str:
    return (
        f"This looks like it contains {what}. Please rephrase without personal data: "
        "describe what kind of information it was, not the information itself."
    )
