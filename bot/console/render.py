"""Turns forms and replies into terminal text, and typed lines into raw form answers."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from handlers.forms import Field, Form
from handlers.replies import Button

_MRKDWN_BOLD = re.compile(r"\*(\S[^*]*\S|\S)\*")


def plain(text: str) -> str:
    """Slack-style *bold* and `code` as plain terminal text."""
    return _MRKDWN_BOLD.sub(r"\1", text).replace("`", "")


def form_header(form: Form) -> str:
    lines = [f"== {form.title} =="]
    if form.intro:
        lines.append(plain(form.intro))
    if form.notice:
        lines.append(plain(form.notice))
    lines.append("(Type /cancel at any question to stop.)")
    return "\n".join(lines)


def field_prompt(field: Field) -> str:
    lines = [plain(field.label) + ("" if field.required is True else " (optional, Enter to skip)")]
    if field.help:
        lines.append(f"  {plain(field.help)}")
    if field.choices:
        for n, choice in enumerate(field.choices, 1):
            lines.append(f"  {n}. {choice.label}")
        if field.kind == "multi":
            lines.append("  Type the numbers, separated by commas.")
    elif field.kind == "date":
        lines.append("  A date like 2026-03-27, or 'today' / 'tomorrow'.")
    elif field.kind == "datetime":
        lines.append("  A date and time like 2026-03-27 14:30, or 'now'.")
    elif field.kind == "person":
        lines.append("  Their school email address.")
    if field.initial not in (None, [], ""):
        lines.append(f"  [Enter keeps: {initial_text(field)}]")
    return "\n".join(lines)


def initial_text(field: Field) -> str:
    value = field.initial
    if isinstance(value, list):
        return ", ".join(field.label_of(str(v)) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field.choices:
        return field.label_of(str(value))
    return str(value)


def initial_raw(field: Field) -> Any:
    value = field.initial
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def raw_answer(field: Field, typed: str, today: date, now_local: datetime) -> Any:
    """Turn what was typed into the raw value the form parses (numbers -> choice values)."""
    typed = typed.strip()
    if not typed and field.initial not in (None, [], ""):
        return initial_raw(field)
    if field.kind in ("single", "yes_no") and typed.isdigit():
        index = int(typed) - 1
        if 0 <= index < len(field.choices):
            return field.choices[index].value
    if field.kind == "multi":
        values = []
        for part in (p.strip() for p in typed.split(",")):
            if part.isdigit() and 0 < int(part) <= len(field.choices):
                values.append(field.choices[int(part) - 1].value)
            elif part:
                values.append(part)
        return values
    if field.kind == "date" and typed.lower() in ("today", "tomorrow"):
        return (
            today if typed.lower() == "today" else date.fromordinal(today.toordinal() + 1)
        ).isoformat()
    if field.kind == "datetime" and typed.lower() == "now":
        return now_local.replace(second=0, microsecond=0, tzinfo=None).isoformat()
    return typed


def buttons_line(numbered: list[tuple[int, Button]]) -> str:
    return "   " + "  ".join(f"[{n}] {b.label}" for n, b in numbered) + "   (type /press N)"
