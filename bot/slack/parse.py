"""Slack view state -> the raw answers ``Form.parse`` understands (strings and lists)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def raw_answers(state_values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(answers by field name, Slack user ids of person fields still to be mapped to people).

    Each input block's block_id is the field name; the value's shape depends on the element.
    """
    answers: dict[str, Any] = {}
    users: dict[str, str] = {}
    for block_id, actions in (state_values or {}).items():
        for value in actions.values():
            kind = value.get("type")
            if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
                answers[block_id] = value.get("value") or ""
            elif kind in ("static_select", "radio_buttons", "external_select"):
                picked = value.get("selected_option") or {}
                answers[block_id] = picked.get("value", "")
            elif kind in ("checkboxes", "multi_static_select", "multi_external_select"):
                answers[block_id] = [o["value"] for o in value.get("selected_options") or []]
            elif kind == "datepicker":
                answers[block_id] = value.get("selected_date") or ""
            elif kind == "datetimepicker":
                answers[block_id] = _moment(value.get("selected_date_time"))
            elif kind == "users_select":
                user = value.get("selected_user")
                answers[block_id] = ""
                if user:
                    users[block_id] = user
    return answers, users


def _moment(stamp: object) -> str:
    """A datetimepicker's Unix time as ISO text; one no calendar holds stays unreadable text,
    so the form says the time is not valid."""
    if not stamp:
        return ""
    try:
        return datetime.fromtimestamp(int(str(stamp)), UTC).isoformat()
    except (ValueError, OverflowError, OSError):
        return str(stamp)
