"""A submitted Adaptive Card -> what Safekeep acts on: the raw answers ``Form.parse``
understands (strings and lists), or the button that was pressed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.teams.render import DATE_PART, KIND, PRESS, SUBMIT, TIME_PART
from handlers.forms import Form


@dataclass(frozen=True)
class Submitted:
    """A form's submit action: its id, state, the DM it started from, and every input."""

    form_id: str
    state: dict[str, Any]
    origin: dict[str, Any] | None
    inputs: dict[str, Any]


@dataclass(frozen=True)
class Pressed:
    """A button in a message: its flow action and value, its label and the message's text."""

    action: str
    value: str
    label: str
    text: str


def card_action(value: Any) -> Submitted | Pressed | None:
    """What a message activity's ``value`` says was done on one of Safekeep's cards."""
    if not isinstance(value, dict):
        return None
    kind = value.get(KIND)
    if kind == PRESS:
        return Pressed(
            str(value.get("a") or ""),
            str(value.get("v") or ""),
            str(value.get("l") or ""),
            str(value.get("t") or ""),
        )
    if kind == SUBMIT:
        origin = value.get("o")
        state = value.get("s")
        inputs = {k: v for k, v in value.items() if k not in (KIND, "f", "s", "o")}
        return Submitted(
            str(value.get("f") or ""),
            state if isinstance(state, dict) else {},
            origin if isinstance(origin, dict) else None,
            inputs,
        )
    return None


def raw_answers(form: Form, inputs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(answers by field name, emails typed into person fields, to be matched to staff).

    Teams sends every input as a string: several choices comma-separated, a date and a time from
    two inputs. An input left empty may be missing altogether."""
    answers: dict[str, Any] = {}
    emails: dict[str, str] = {}
    for field in form.fields:
        if field.kind == "datetime":
            day = str(inputs.get(field.name + DATE_PART) or "").strip()
            time = str(inputs.get(field.name + TIME_PART) or "").strip()
            answers[field.name] = f"{day} {time}".strip()  # a time alone is refused by parse
            continue
        raw = inputs.get(field.name)
        text = "" if raw is None else str(raw).strip()
        if field.kind == "multi":
            answers[field.name] = [v for v in (p.strip() for p in text.split(",")) if v]
        elif field.kind == "person":
            answers[field.name] = ""
            if text:
                emails[field.name] = text
        else:
            answers[field.name] = text
    return answers, emails


def typed_values(form: Form, inputs: dict[str, Any]) -> dict[str, Any]:
    """What the person typed, to show again on a card re-shown with errors."""
    values: dict[str, Any] = {}
    for field in form.fields:
        if field.kind == "datetime":
            day = str(inputs.get(field.name + DATE_PART) or "")
            time = str(inputs.get(field.name + TIME_PART) or "")
            values[field.name] = f"{day} {time}".strip()
        elif field.name in inputs:
            values[field.name] = inputs[field.name]
    return values
