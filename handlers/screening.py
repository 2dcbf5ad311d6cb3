"""Screens free text for personal data, so staff rephrase before anything is stored.

Required patterns (shared/DOMAIN.md §7): pupil UPNs (a letter and 12 digits), email addresses,
UK phone numbers, dates of birth and National Insurance numbers. Recent dates ("lost on
24/11/2026") are allowed: staff need them to say what happened.

People's names are caught by a probable-name check (a common given name, a title and a name,
or two capitalised words that are not a heading or a place); it asks for initials instead. It
can be wrong, so the person may keep the text as written by starting it with ``!``: that
overrides the name check only, never the patterns above. References (a police crime reference,
an asset tag) are screened with the same checks, reading ``CR/0123456789/26`` as a reference
rather than a phone number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

Screen = Literal["text", "reference"]

# Typed at the start of an answer: "this is not a name, keep it as I wrote it".
KEEP_AS_WRITTEN = "!"

PHONE = re.compile(r"(?<!\w)(\+44\s?|0)(\d[\s-]?){9,10}(?!\w)")
# In a reference, digits joined to the rest by "/" are part of it ("CR/0123456789/26").
REFERENCE_PHONE = re.compile(r"(?<![\w/])(\+44\s?|0)(\d[\s-]?){9,10}(?![\w/])")

PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b[A-Za-z]\d{12}\b"), "a pupil number (UPN)"),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "an email address"),
    (PHONE, "a phone number"),
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


def personal_data_problem(text: str, today: date, screen: Screen = "text") -> str | None:
    """A message asking to rephrase if the text looks like it holds personal data, else None.

    ``today`` (the school's date, from the request's clock) tells a recent written date from a
    date of birth. A probable name is a problem too, unless the text starts with ``!``."""
    return screened(text, today, screen)[1]


def screened(text: str, today: date, screen: Screen = "text") -> tuple[str, str | None]:
    """The text to keep (without a leading ``!``) and the problem with it, if any."""
    keep_names = text.startswith(KEEP_AS_WRITTEN)
    if keep_names:
        text = text[len(KEEP_AS_WRITTEN) :].strip()
    for pattern, what in PATTERNS:
        if screen == "reference" and pattern is PHONE:
            pattern = REFERENCE_PHONE
        if pattern.search(text):
            return text, _rephrase(what)
    if any(_looks_like_birth_year(m.group(1), today.year) for m in WRITTEN_DATE.finditer(text)):
        return text, _rephrase("a date of birth")
    if not keep_names:
        found = probable_names(text)
        if found:
            return text, _use_initials(found[0])
    return text, None


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


def _use_initials(name: str) -> str:
    return (
        f"This looks like it contains a name ('{name}'). Use initials instead, e.g. "
        f"'{initials(name)}'. If it isn't a name, put {KEEP_AS_WRITTEN} at the start to keep "
        "it as written."
    )


def initials(name: str) -> str:
    """'Emily Smith' -> 'E.S.'; a title stays: 'Mrs Patel' -> 'Mrs P.'."""
    words = name.split()
    title = [words.pop(0)] if len(words) > 1 and words[0].rstrip(".") in TITLES else []
    return " ".join([*title, "".join(w[0] + "." for w in words)])


# --- the probable-name check ------------------------------------------------------------------

DATA = Path(__file__).parent / "data"


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Written before a surname: "Mrs Patel", "PC Jones" (police officers' names are personal too).
TITLES = _word_set("Mr Mrs Ms Miss Mx Dr Prof Sir Dame Rev PC DC DS DI Sgt Insp Constable Sergeant")
# Given names that are also ordinary words, months or places ("May", "Will", "Victoria"):
# a name only when a surname-like word follows ("Grace Okafor"), not on their own.
WORDLIKE_GIVEN_NAMES = _word_set(
    "Amber April Aston Autumn Carol Daisy Dawn Dean Eden Faith Florence Frank Georgia "
    "Grace Harley Harper Hazel Heather Holly Hope Ivy Jack Jade Joy June Lewis Lily "
    "Mark Mason Max May Penny Poppy Ray Robin Rose Ruby Stanley Summer Victoria Violet "
    "Will Willow"
)
# After a given name these make a place or a thing ("Albert Road", "Victoria Station").
PLACE_WORDS = _word_set(
    "Academy Avenue Building Centre Close College Court Crescent Day Drive Gardens "
    "Hospital House Infants Juniors Lane Library Park Primary Road Room School Square "
    "Stadium Station Street Surgery Term Theatre Trust Way Week"
)
# "the Leisure Centre", "our Google Drive": a name rarely follows these.
ARTICLES = _word_set("a an the our their his her my your its this that")

_WORD = re.compile(r"\w[\w'’-]*")
_CAPITALISED = re.compile(r"(?:Mc|Mac|O['’])?[A-Z][a-z]+(?:-[A-Z][a-z]+)*")
_POSSESSIVE = re.compile(r"['’]s?$")


@cache
def word_list(name: str) -> frozenset[str]:
    """A bundled list from handlers/data/ (one word a line, # comments), in lower case."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(s.strip().lower() for s in lines if s.strip() and not s.startswith("#"))


def given_names() -> frozenset[str]:
    return word_list("given_names.txt")


def not_names() -> frozenset[str]:
    return word_list("not_names.txt")


@dataclass(frozen=True)
class _Word:
    text: str  # without a possessive "'s"
    possessive: bool
    capitalised: bool
    sentence_start: bool  # first word, or after . ! ? : ; a new line or a bullet
    gap: str  # what comes between it and the word before

    @property
    def joined(self) -> bool:
        """Only a space between it and the word before ("Emily Smith", not "Emily, Smith")."""
        return self.gap == " "


def _words(text: str) -> list[_Word]:
    words: list[_Word] = []
    end = 0
    for match in _WORD.finditer(text):
        gap = text[end : match.start()]
        end = match.end()
        word = _POSSESSIVE.sub("", match.group())
        words.append(
            _Word(
                text=word,
                possessive=word != match.group(),
                capitalised=bool(_CAPITALISED.fullmatch(word)) or _shouted_name(word),
                sentence_start=not words or bool(re.search(r"[.!?:;\n•*(\"“]|^\s*[-–]", gap)),
                gap=gap,
            )
        )
    return words


def _shouted_name(word: str) -> bool:
    """EMILY in capitals: a name when it is an unambiguous given name."""
    return (
        word.isupper()
        and len(word) > 2
        and word.lower() in given_names()
        and word.title() not in WORDLIKE_GIVEN_NAMES
    )


def probable_names(text: str) -> list[str]:
    """The words in ``text`` that look like a person's name, in order ("Emily Smith").

    A name is a common given name (a word-like one only with a surname after it), a title
    followed by a name ("Mrs Patel"), or two capitalised words together that are not at a
    sentence start, not after "the" or "our", and neither an ordinary word from
    handlers/data/not_names.txt."""
    words = _words(text)
    found: list[str] = []
    i = 0
    while i < len(words):
        size = _name_at(words, i)
        if size:
            found.append(" ".join(w.text for w in words[i : i + size]))
            i += size
        else:
            i += 1
    return found


def _name_at(words: list[_Word], i: int) -> int:
    """How many words from ``i`` make a probable name (0 if none)."""
    word = words[i]
    if word.text in TITLES:
        named = i + 1 < len(words) and words[i + 1].gap in (" ", ". ")
        return 2 if named and _surname_like(words[i + 1]) else 0
    if not word.capitalised:
        return 0
    after = words[i + 1] if i + 1 < len(words) and words[i + 1].joined else None
    surname = after if after and after.capitalised and not _ordinary(after.text) else None
    title = word.text.title()
    if word.text.lower() in given_names():
        if surname is not None:
            return 2
        if title not in WORDLIKE_GIVEN_NAMES and not (after and after.text in PLACE_WORDS):
            return 1
        return 0
    run = _capitalised_run(words, i)
    before = words[i - 1].text.lower() if i > 0 and words[i].joined else ""
    if (
        run == 2
        and surname is not None
        and (not word.sentence_start or surname.possessive)  # "Kacper Nowak's EHCP"
        and before not in ARTICLES
        and not _ordinary(word.text)
    ):
        return 2
    return 0


def _surname_like(word: _Word) -> bool:
    return word.capitalised and word.text not in PLACE_WORDS


def _capitalised_run(words: list[_Word], i: int) -> int:
    """How many joined capitalised words make the phrase ``i`` is in ("Acceptable Use Policy"
    is three: a title, not a name)."""
    start = i
    while start > 0 and words[start].joined and words[start - 1].capitalised:
        start -= 1
    end = i + 1
    while end < len(words) and words[end].joined and words[end].capitalised:
        end += 1
    return end - start


def _ordinary(word: str) -> bool:
    return word.lower() in not_names() or word in TITLES
