"""Screens free text for personal data, so staff rephrase before anything is stored.

Required patterns (shared/DOMAIN.md §7): pupil UPNs (a letter and 12 digits), email addresses,
UK phone numbers, dates of birth and National Insurance numbers.
"""

from __future__ import annotations

import re

PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b[A-Za-z]\d{12}\b"), "a pupil number (UPN)"),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "an email address"),
    (re.compile(r"(?<!\w)(\+44\s?|0)(\d[\s-]?){9,10}(?!\w)"), "a phone number"),
    (
        re.compile(
            r"\b(\d{1,2}[/.-]\d{1,2}[/.-](19|20)?\d{2}"
            r"|(born|dob|d\.o\.b\.?|date of birth)\b)",
            re.IGNORECASE,
        ),
        "a date of birth",
    ),
    (
        re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.IGNORECASE),
        "a National Insurance number",
    ),
)


def personal_data_problem(text: str) -> str | None:
    """A message asking to rephrase if the text looks like it holds personal data, else None."""
    for pattern, what in PATTERNS:
        if pattern.search(text):
            return (
                f"This looks like it contains {what}. Please rephrase without personal data: "
                "describe what kind of information it was, not the information itself."
            )
    return None
