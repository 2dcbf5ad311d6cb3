"""A small declarative form language that Slack, Teams and the console all render and parse.

A form is a tuple of fields. Adapters collect raw answers (strings, or lists of strings for
multi-choice) keyed by field name and call ``Form.parse``, which returns typed answers or raises
``FormErrors`` with one message per field, in words a member of staff can act on.

A field may apply only when an earlier answer has a value (``When``): the console asks it only
then, a modal shows it as optional with the condition as its hint, and ``parse`` requires it
only when it applies and drops it when it doesn't. Checks that need earlier answers (``checks``)
run with the field, so the console can refuse an answer at its own question.
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
# A check that also needs the typed answers to the fields before it.
AnswersCheck = Callable[[Any, Mapping[str, Any]], str | None]

NAMES_WARNING = "Don't include pupil, parent or staff names or the personal data itself."

# What an adapter that asks one question at a time (the console) says about the dialog itself.
CANCELLED = "Cancelled: nothing was saved."
LEFT_FOR_COMMAND = 'You left "{title}" to run {command}: nothing was saved from it.'
CONFIRM_PROMPT = "Type 'yes' to {action}, or /cancel to stop."
CONSENT_PROMPT = "Type 'I agree' to agree, or /cancel to stop without agreeing."
CONSENT_NOT_GIVEN = "Nothing is recorded until you type 'I agree' (or /cancel to stop)."
CONFIRM_WORDS = frozenset({"yes", "y"})
CONSENT_WORDS = frozenset({"i agree", "agree", "yes"})


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
class When:
    """A field applies only when the earlier field ``field`` has one of ``values`` (for a
    multi-choice answer: when any of them is ticked). ``hint`` says so where the field has to be
    shown anyway (a modal can't hide it)."""

    field: str
    values: tuple[str, ...]
    hint: str

    def holds(self, answers: Mapping[str, Any]) -> bool:
        answer = answers.get(self.field)
        if isinstance(answer, bool):  # a yes/no answer, typed
            answer = "yes" if answer else "no"
        if isinstance(answer, (list, tuple)):
            return any(str(a) in self.values for a in answer)
        return answer is not None and str(answer) in self.values


@dataclass(frozen=True)
class WhenAnswers:
    """A field applies only when ``test`` holds for the typed answers before it: a condition on
    several answers, or on what an answer means rather than its value. ``test`` must allow for
    an earlier answer that is missing (a modal sends everything at once)."""

    test: Callable[[Mapping[str, Any]], bool]
    hint: str

    def holds(self, answers: Mapping[str, Any]) -> bool:
        return self.test(answers)


# What to say when a required answer is blank: fixed words, or words built from earlier answers.
Missing = str | Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: FieldKind
    # True, False, or a test of the earlier answers (required only in some cases)
    required: bool | Callable[[Mapping[str, Any]], bool] = True
    help: str | None = None
    choices: tuple[Choice, ...] = ()
    initial: Any = None
    max_length: int = 500
    validators: tuple[Validator, ...] = ()
    # Free text checked for personal data before the validators; "reference": checked as a
    # reference (a crime reference, an asset tag), where "CR/0123456789/26" is no phone number.
    screen: bool | Literal["reference"] = False
    when: When | WhenAnswers | None = None
    checks: tuple[AnswersCheck, ...] = ()
    missing: Missing | None = None  # what to say when a required answer is blank
    # Checks for an answer sent although the field doesn't apply (a modal shows every field):
    # one that contradicts the earlier answers is refused at the field rather than dropped.
    conflicts: tuple[AnswersCheck, ...] = ()

    def applies(self, answers: Mapping[str, Any]) -> bool:
        """Whether this field is asked, given the typed answers to the fields before it."""
        return self.when is None or self.when.holds(answers)

    @property
    def shown_optional(self) -> bool:
        """Shown as optional where every field is shown at once (a conditional field is)."""
        return self.required is not True or self.when is not None

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

    def parse(self, raw: Any, tz: ZoneInfo, answers: Mapping[str, Any] | None = None) -> Any:
        """Turn one raw answer into its typed value; raises ValueError with the message."""
        if self.kind == "multi":
            values = [raw] if isinstance(raw, str) else list(raw or [])
            values = [v for v in (str(v).strip() for v in values) if v]
            if not values:
                return self._missing([], answers)
            known = {c.value for c in self.choices}
            unknown = [v for v in values if v not in known]
            if unknown:
                raise ValueError(
                    f"Choose from the list ('{unknown[0]}' is not one of the options)."
                )
            return list(dict.fromkeys(values))
        text = "" if raw is None else (raw if isinstance(raw, str) else str(raw)).strip()
        if not text:
            return self._missing(None, answers)
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

    def accept(
        self, raw: Any, tz: ZoneInfo, today: date, answers: Mapping[str, Any] | None = None
    ) -> Any:
        """The typed answer once it parses and passes screening, every validator and every
        check against the earlier ``answers``; raises ValueError with the message to show.
        ``today`` is the school's date, from its clock."""
        value = self.parse(raw, tz, answers)
        if value in (None, []):
            return value
        if self.screen:
            value, problem = screened(
                value, today, "reference" if self.screen == "reference" else "text"
            )
            if problem:
                raise ValueError(problem)
            if not value:  # nothing but the "keep as written" mark
                return self._missing(None, answers)
        for check in self.validators:
            problem = check(value)
            if problem:
                raise ValueError(problem)
        for check_with in self.checks:
            problem = check_with(value, answers or {})
            if problem:
                raise ValueError(problem)
        return value

    def conflict(self, raw: Any, tz: ZoneInfo, answers: Mapping[str, Any]) -> str | None:
        """Why an answer sent for this field where it doesn't apply contradicts the earlier
        ``answers``, or None (the answer is then dropped)."""
        if not self.conflicts:
            return None
        try:
            value = replace(self, required=False).parse(raw, tz)
        except ValueError:
            return None
        if value in (None, []):
            return None
        for check in self.conflicts:
            problem = check(value, answers)
            if problem:
                return problem
        return None

    def _missing(self, empty: Any, answers: Mapping[str, Any] | None = None) -> Any:
        required = self.required(answers or {}) if callable(self.required) else self.required
        if required:
            missing = self.missing(answers or {}) if callable(self.missing) else self.missing
            raise ValueError(
                missing
                or ("Please answer this." if self.kind != "multi" else "Choose at least one.")
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
    # A consent record (e.g. the AUP): the exact statement agreed to. Every adapter must get an
    # explicit "I agree" for it (Slack: the submit button, labelled so; the console: typed).
    consent: str | None = None
    # When the consent is asked only after some answer (e.g. "agree" rather than "I have a
    # question"); None: always.
    consent_when: When | None = None

    def asks_consent(self, answers: Mapping[str, Any]) -> bool:
        """Whether an explicit "I agree" is needed, given the typed answers."""
        return self.consent is not None and (
            self.consent_when is None or self.consent_when.holds(answers)
        )

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
        """Typed answers for every field, or FormErrors naming each field that is wrong.

        A field that doesn't apply (its ``When`` doesn't hold) is None (or [] for several
        choices), whatever was sent for it, unless what was sent contradicts the earlier answers
        (its ``conflicts``): that is refused at the field."""
        answers: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for f in self.fields:
            if not f.applies(answers):
                answers[f.name] = [] if f.kind == "multi" else None
                conflict = f.conflict(raw.get(f.name), tz, answers)
                if conflict:
                    errors[f.name] = conflict
                continue
            try:
                answers[f.name] = f.accept(raw.get(f.name), tz, today, answers)
            except ValueError as exc:
                errors[f.name] = str(exc)
        if errors:
            raise FormErrors(errors)
        return answers
