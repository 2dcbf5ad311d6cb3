"""A small declarative form language that Slack, Teams and the console all render and parse.

A form is a tuple of fields. Adapters collect raw answers (strings, or lists of strings for
multi-choice) keyed by field name and call ``Form.parse``, which returns typed answers or raises
``FormErrors`` with one message per field, in words a member of staff can act on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from handlers.screening import screened

FieldKind = Literal["text", "long_text", "single", "multi", "date", "datetime", "yes_no", "person"]
Validator = Callable[[Any], str | None]

NAMES_WARNING = "Don't include pupil, parent or staff names or the personal data itself."


class FormErrors(Exception):
    """Answers that cannot be accepted: field name -> message to show next to that field."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: FieldKind
    required: bool = True
    help: str | None = None
    choices: tuple[Choice, ...] = ()
    initial: Any = None
    max_length: int = 500
    validators: tuple[Validator, ...] = ()
    # Free text checked for personal data before the validators; "reference": checked as a
    # reference (a crime reference, an asset tag), where "CR/0123456789/26" is no phone number.
    screen: bool | Literal["reference"] = False

    @property
    def is_free_text(self) -> bool:
        return self.kind in ("text", "long_text")

    def with_initial(self, value: Any) -> Field:
        return replace(self, initial=value)

    def label_of(self, value: str) -> str:
        for choice in self.choices:
            if choice.value == value:
                return choice.label
        return value

    def parse(self, raw: Any, tz: ZoneInfo) -> Any:
        """Turn one raw answer into its typed value; raises ValueError with the message."""
        if self.kind == "multi":
            values = [raw] if isinstance(raw, str) else list(raw or [])
            values = [v for v in (str(v).strip() for v in values) if v]
            if not values:
                return self._missing([])
            known = {c.value for c in self.choices}
            unknown = [v for v in values if v not in known]
            if unknown:
                raise ValueError(
                    f"Choose from the list ('{unknown[0]}' is not one of the options)."
                )
            return list(dict.fromkeys(values))
        text = "" if raw is None else (raw if isinstance(raw, str) else str(raw)).strip()
        if not text:
            return self._missing(None)
        if self.kind in ("text", "long_text"):
            if len(text) > self.max_length:
                raise ValueError(f"Keep this under {self.max_length} characters ({len(text)} now).")
            return text
        if self.kind == "single":
            if text not in {c.value for c in self.choices}:
                raise ValueError("Choose one of the options.")
            return text
        if self.kind == "yes_no":
            lowered = text.lower()
            if lowered in ("yes", "y", "true"):
                return True
            if lowered in ("no", "n", "false"):
                return False
            raise ValueError("Answer yes or no.")
        if self.kind == "date":
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise ValueError("Enter a date like 2026-03-27.") from None
        if self.kind == "datetime":
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise ValueError("Enter a date and time like 2026-03-27 14:30.") from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=tz)
            return moment.astimezone(ZoneInfo("UTC"))
        if self.kind == "person":
            if not text.isdigit():
                raise ValueError("Choose a member of staff who is on Safekeep's staff list.")
            return int(text)
        raise AssertionError(f"unknown field kind {self.kind}")

    def accept(self, raw: Any, tz: ZoneInfo, today: date) -> Any:
        """The typed answer once it parses and passes screening and every validator; raises
        ValueError with the message to show. ``today`` is the school's date, from its clock."""
        value = self.parse(raw, tz)
        if value in (None, []):
            return value
        if self.screen:
            value, problem = screened(
                value, today, "reference" if self.screen == "reference" else "text"
            )
            if problem:
                raise ValueError(problem)
            if not value:  # nothing but the "keep as written" mark
                return self._missing(None)
        for check in self.validators:
            problem = check(value)
            if problem:
                raise ValueError(problem)
        return value

    def _missing(self, empty: Any) -> Any:
        if self.required:
            raise ValueError(
                "Please answer this." if self.kind != "multi" else "Choose at least one."
            )
        return empty


def text(name: str, label: str, *, screen: bool | Literal["reference"] = True, **kw: Any) -> Field:
    """A one-line answer; screened for personal data (``screen="reference"`` for references)."""
    return Field(name, label, "text", screen=screen, **kw)


def long_text(name: str, label: str, *, screen: bool = True, **kw: Any) -> Field:
    """A paragraph; warns against names and is screened for personal data."""
    kw.setdefault("max_length", 1500)
    kw.setdefault("help", NAMES_WARNING)
    return Field(name, label, "long_text", screen=screen, **kw)


def single(name: str, label: str, choices: Mapping[str, str], **kw: Any) -> Field:
    return Field(name, label, "single", choices=_choices(choices), **kw)


def multi(name: str, label: str, choices: Mapping[str, str], **kw: Any) -> Field:
    return Field(name, label, "multi", choices=_choices(choices), **kw)


def date_field(name: str, label: str, **kw: Any) -> Field:
    return Field(name, label, "date", **kw)


def datetime_field(name: str, label: str, **kw: Any) -> Field:
    return Field(name, label, "datetime", **kw)


def yes_no(name: str, label: str, **kw: Any) -> Field:
    return Field(name, label, "yes_no", choices=(Choice("yes", "Yes"), Choice("no", "No")), **kw)


def person(name: str, label: str, **kw: Any) -> Field:
    return Field(name, label, "person", **kw)


def _choices(mapping: Mapping[str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(value, label) for value, label in mapping.items())


@dataclass(frozen=True)
class Form:
    """One step of a guided dialog. ``id`` routes the submission back to its handler."""

    id: str
    title: str
    fields: tuple[Field, ...]
    submit: str = "Submit"
    intro: str | None = None
    notice: str | None = None
    state: dict[str, Any] = field(default_factory=dict)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def prefilled(self, values: Mapping[str, Any]) -> Form:
        """The same form with initial values (e.g. a breach report from a declaration)."""
        return replace(
            self,
            fields=tuple(
                f.with_initial(values[f.name]) if f.name in values else f for f in self.fields
            ),
        )

    def parse(self, raw: Mapping[str, Any], tz: ZoneInfo, today: date) -> dict[str, Any]:
        """Typed answers for every field, or FormErrors naming each field that is wrong."""
        answers: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for f in self.fields:
            try:
                answers[f.name] = f.accept(raw.get(f.name), tz, today)
            except ValueError as exc:
                errors[f.name] = str(exc)
        if errors:
            raise FormErrors(errors)
        return answers
