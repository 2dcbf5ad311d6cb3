"""Adaptive Cards (schema 1.5) for Safekeep's replies: a form is a card with inputs and one
submit action, ``Say`` and ``Notice`` are cards with text and buttons.

Every action is ``Action.Submit``: in a personal chat Teams posts its ``data`` back as a message
activity whose ``value`` holds the inputs and the data, and whose ``replyToId`` names the card,
so the card can be updated in place. The data carries the dialog's context (form id, state, and
the DM the dialog started from) as Slack's ``private_metadata`` does.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from handlers.forms import Field, Form
from handlers.replies import Button, Notice, Say

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
KIND = "safekeep"  # the data key that marks a submit from one of Safekeep's cards
SUBMIT, PRESS = "submit", "press"
# Datetime answers are a date input and a time input (Adaptive Cards 1.5 has no datetime input).
DATE_PART, TIME_PART = "__date", "__time"
ERROR_SUFFIX = "__error"
ORIGIN_TEXT_MAX = 600
STYLES = {"primary": "positive", "danger": "destructive"}

_SLACK_BOLD = re.compile(r"(?<!\*)\*(\S[^*]*\S|\S)\*(?!\*)")


def markdown(text: str) -> str:
    """The handlers' Slack-style *bold* as Adaptive Card markdown **bold**."""
    return _SLACK_BOLD.sub(r"**\1**", text)


def text_blocks(text: str, **style: Any) -> list[dict[str, Any]]:
    """One wrapped TextBlock per line of text (blank lines dropped)."""
    return [
        {"type": "TextBlock", "text": markdown(line), "wrap": True, **style}
        for line in text.strip().splitlines()
        if line.strip()
    ]


def card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> dict:
    content: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION}
    content["body"] = body or [{"type": "TextBlock", "text": "Safekeep", "wrap": True}]
    if actions:
        content["actions"] = actions
    return content


def attachment(content: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CARD_TYPE, "content": content}


# --- buttons --------------------------------------------------------------------------------


def button_action(button: Button, text: str) -> dict[str, Any]:
    """A button as an Action.Submit; ``text`` is the message it sits in (no personal data), so
    the message can be shown again, without buttons, once the action is done."""
    action: dict[str, Any] = {
        "type": "Action.Submit",
        "title": button.label,
        "data": {
            KIND: PRESS,
            "a": button.action,
            "v": button.value,
            "l": button.label[:75],
            "t": text[:ORIGIN_TEXT_MAX],
        },
    }
    if button.style in STYLES:
        action["style"] = STYLES[button.style]
    return action


def message_card(text: str, buttons: tuple[Button, ...] = (), title: str | None = None) -> dict:
    body: list[dict[str, Any]] = []
    if title and title != "Safekeep":
        body.append(heading(title))
    body.extend(text_blocks(text))
    return card(body, [button_action(b, text) for b in buttons])


def say_card(say: Say) -> dict[str, Any]:
    return message_card(say.text, say.buttons, say.title)


def notice_card(notice: Notice) -> dict[str, Any]:
    return message_card(notice.text, notice.buttons)


def done_card(original_text: str, outcome: str) -> dict[str, Any]:
    """A card after its action is done: the same words, no buttons, and what happened."""
    body = text_blocks(original_text)
    body.append({"type": "TextBlock", "text": outcome, "wrap": True, "color": "good"})
    return card(body)


def heading(title: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": title, "wrap": True, "weight": "bolder", "size": "medium"}


# --- forms ----------------------------------------------------------------------------------


def form_card(
    form: Form,
    origin: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    tz: ZoneInfo | None = None,
) -> dict[str, Any]:
    """One step of a dialog. ``errors`` (field -> message) are shown under their fields and
    ``values`` (the raw answers just submitted) are kept, when a submission is shown again;
    times are shown in ``tz``, the school's zone."""
    errors = errors or {}
    body: list[dict[str, Any]] = [heading(form.title)]
    if form.intro:
        body.extend(text_blocks(form.intro))
    unplaced = [m for name, m in errors.items() if name not in {f.name for f in form.fields}]
    for message in unplaced:
        body.append(error_block("form", message))
    for field in form.fields:
        body.extend(field_blocks(field, (values or {}).get(field.name, field.initial), tz))
        if field.name in errors:
            body.append(error_block(field.name, errors[field.name]))
    if form.notice:
        body.extend(text_blocks(form.notice, isSubtle=True, size="small"))
    data: dict[str, Any] = {KIND: SUBMIT, "f": form.id, "s": form.state}
    if origin:
        data["o"] = origin
    return card(body, [{"type": "Action.Submit", "title": form.submit, "data": data}])


def error_block(name: str, message: str) -> dict[str, Any]:
    return {
        "type": "TextBlock",
        "id": f"{name}{ERROR_SUFFIX}",
        "text": message,
        "wrap": True,
        "color": "attention",
        "spacing": "none",
    }


def field_blocks(field: Field, value: Any, tz: ZoneInfo | None = None) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if field.help:
        blocks.append({"type": "TextBlock", "text": field.help, "wrap": True, "isSubtle": True})
    blocks.extend(field_inputs(field, value, tz))
    return blocks


def _input(kind: str, field: Field, **extra: Any) -> dict[str, Any]:
    label = f"{field.label} (optional)" if field.shown_optional else field.label
    element: dict[str, Any] = {"type": kind, "id": field.name, "label": label}
    element.update({k: v for k, v in extra.items() if v not in (None, "")})
    return element


def field_inputs(field: Field, value: Any, tz: ZoneInfo | None = None) -> list[dict[str, Any]]:
    kind = field.kind
    if kind in ("text", "long_text"):
        text = "" if value is None else str(value)
        return [
            _input(
                "Input.Text",
                field,
                isMultiline=kind == "long_text" or None,
                maxLength=field.max_length,
                value=text[: field.max_length],
            )
        ]
    if kind in ("single", "yes_no"):
        choices = [{"title": c.label, "value": c.value} for c in field.choices]
        return [
            _input(
                "Input.ChoiceSet",
                field,
                choices=choices,
                style="expanded" if len(choices) <= 5 else "compact",
                value=_chosen(field, value),
            )
        ]
    if kind == "multi":
        chosen = value.split(",") if isinstance(value, str) else [str(v) for v in value or []]
        known = [v for v in chosen if any(c.value == v for c in field.choices)]
        return [
            _input(
                "Input.ChoiceSet",
                field,
                choices=[{"title": c.label, "value": c.value} for c in field.choices],
                isMultiSelect=True,
                style="expanded" if len(field.choices) <= 10 else "compact",
                value=",".join(known),
            )
        ]
    if kind == "date":
        day = value.isoformat() if isinstance(value, date) else _calendar_day(value)
        return [_input("Input.Date", field, value=day)]
    if kind == "datetime":
        day, time = _date_and_time(value, tz)
        label = f"{field.label} (optional)" if field.shown_optional else field.label
        parts = [
            {"type": "Input.Date", "id": field.name + DATE_PART, "label": label, "value": day},
            {"type": "Input.Time", "id": field.name + TIME_PART, "value": time},
        ]
        return [{k: v for k, v in part.items() if v != ""} for part in parts]
    if kind == "person":
        return [_input("Input.Text", field, style="email", placeholder="name@school.org")]
    raise AssertionError(f"no Adaptive Card input for field kind {kind}")


def _calendar_day(value: Any) -> str:
    """A typed date shown again only when it is one (a date input holds YYYY-MM-DD or nothing);
    the field's error says what was wrong with it."""
    text = str(value or "").strip()
    try:
        return date.fromisoformat(text).isoformat() if len(text) == 10 else ""
    except ValueError:
        return ""


def _clock_time(value: str) -> str:
    hours, colon, minutes = value.partition(":")
    ok = colon and hours.isdigit() and minutes.isdigit() and len(hours) == len(minutes) == 2
    return value if ok and int(hours) < 24 and int(minutes) < 60 else ""


def _chosen(field: Field, value: Any) -> str | None:
    if value is None:
        return None
    if field.kind == "yes_no" and isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return text if any(c.value == text for c in field.choices) else None


def _date_and_time(value: Any, tz: ZoneInfo | None) -> tuple[str, str]:
    if isinstance(value, datetime):
        local = value.astimezone(tz) if tz is not None and value.tzinfo else value
        return local.date().isoformat(), local.strftime("%H:%M")
    if isinstance(value, str) and value.strip():
        day, _, time = value.strip().replace("T", " ").partition(" ")
        return _calendar_day(day), _clock_time(time[:5])
    return "", ""
