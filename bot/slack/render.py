"""Block Kit for Safekeep's replies: forms become modals, ``Say`` a message or closing view,
``Notice`` a DM. Every view stays within Slack's limits, so ``slack_sdk.models`` accepts it.

Forms carry their context in ``private_metadata``: the form id, the form's state and, when the
dialog started from a button in a DM, that message (so it can be updated when the action is done).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from handlers.forms import Field, Form
from handlers.replies import Button, Notice, Say

TITLE_MAX = 24
BUTTON_TEXT_MAX = 75
OPTION_TEXT_MAX = 75
SECTION_MAX = 3000
LABEL_MAX = 2000
BLOCKS_MAX = 100
METADATA_MAX = 3000
BUTTONS_PER_ROW = 5
FALLBACK_MAX = 3000

LOADING = "One moment: getting that ready…"
WORKING = "Working on it…"
SHORTENED = "_The text above was shortened to fit in Slack._"


class MetadataTooLarge(ValueError):
    """A form's state does not fit in Slack's private_metadata (3000 characters)."""


# --- small pieces -------------------------------------------------------------------------


def clip(text: str, limit: int) -> str:
    """Text cut to Slack's limit, with an ellipsis when it had to be cut."""
    text = text.strip() or "-"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def chunks(text: str, limit: int = SECTION_MAX) -> list[str]:
    """Split long markdown into pieces of at most ``limit`` characters, at line breaks."""
    pieces: list[str] = []
    current = ""
    for line in text.strip().splitlines():
        while len(line) > limit:  # one very long line: cut it hard
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()]


def sections(text: str, prefix: str) -> list[dict[str, Any]]:
    return [
        {"type": "section", "block_id": f"{prefix}{i}", "text": {"type": "mrkdwn", "text": piece}}
        for i, piece in enumerate(chunks(text))
    ]


def button_rows(buttons: tuple[Button, ...], prefix: str = "buttons") -> list[dict[str, Any]]:
    """Buttons in actions blocks of five; a repeated action gets a ``:N`` suffix to stay unique."""
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    elements: list[dict[str, Any]] = []
    for button in buttons:
        count = seen.get(button.action, 0)
        seen[button.action] = count + 1
        element: dict[str, Any] = {
            "type": "button",
            "action_id": button.action if count == 0 else f"{button.action}:{count}",
            "text": plain(button.label, BUTTON_TEXT_MAX),
            "value": button.value or "-",
        }
        if button.style in ("primary", "danger"):
            element["style"] = button.style
        elements.append(element)
    for start in range(0, len(elements), BUTTONS_PER_ROW):
        rows.append(
            {
                "type": "actions",
                "block_id": f"{prefix}{start // BUTTONS_PER_ROW}",
                "elements": elements[start : start + BUTTONS_PER_ROW],
            }
        )
    return rows


def action_name(action_id: str) -> str:
    """The flow action behind a button's action_id (undoing the uniqueness suffix)."""
    return action_id.split(":", 1)[0]


def fallback(text: str) -> str:
    """The notification text Slack shows where blocks cannot be (push, screen readers)."""
    return clip(text, FALLBACK_MAX)


def fit(blocks: list[dict[str, Any]], keep_last: int = 0) -> list[dict[str, Any]]:
    """At most 100 blocks, keeping the last ``keep_last`` (inputs, buttons) whole."""
    if len(blocks) <= BLOCKS_MAX:
        return blocks
    head, tail = blocks[: len(blocks) - keep_last], blocks[len(blocks) - keep_last :]
    room = BLOCKS_MAX - len(tail) - 1
    note = {"type": "context", "block_id": "shortened", "elements": [md(SHORTENED)]}
    return [*head[:room], note, *tail]


def md(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, SECTION_MAX)}


# --- forms --------------------------------------------------------------------------------


def metadata(form_id: str, state: dict[str, Any], origin: dict[str, Any] | None) -> str:
    data: dict[str, Any] = {"f": form_id, "s": state}
    if origin:
        data["o"] = origin
    text = json.dumps(data, separators=(",", ":"), default=str)
    if len(text) > METADATA_MAX:
        raise MetadataTooLarge(f"form {form_id} carries {len(text)} characters of state")
    return text


def read_metadata(text: str) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    """(form id, state, origin message) from a view's private_metadata."""
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError:
        return "", {}, None
    if not isinstance(data, dict):
        return "", {}, None
    state = data.get("s")
    origin = data.get("o")
    return (
        str(data.get("f", "")),
        state if isinstance(state, dict) else {},
        origin if isinstance(origin, dict) else None,
    )


def form_view(form: Form, origin: dict[str, Any] | None = None) -> dict[str, Any]:
    """A modal for one step of a dialog; block_id and action_id of each input = field name."""
    blocks: list[dict[str, Any]] = []
    if form.intro:
        blocks.extend(sections(form.intro, "intro"))
    inputs = [field_block(f) for f in form.fields]
    if form.notice:
        inputs.append({"type": "context", "block_id": "notice", "elements": [md(form.notice)]})
    if not inputs and not blocks:
        blocks.extend(sections(form.title, "intro"))
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": form.id,
        "title": plain(form.title, TITLE_MAX),
        "submit": plain(form.submit, TITLE_MAX),
        "close": plain("Cancel", TITLE_MAX),
        "private_metadata": metadata(form.id, form.state, origin),
        "blocks": fit(blocks + inputs, keep_last=len(inputs)),
    }
    return view


def field_block(field: Field) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field.name,
        "label": plain(field.label, LABEL_MAX),
        # A modal shows every field at once, so one that applies only after an earlier answer
        # is optional here, its condition in the hint; the handler requires it when it applies.
        "optional": field.shown_optional,
        "element": field_element(field),
    }
    hint = " ".join(h for h in (field.when.hint if field.when else None, field.help) if h)
    if hint:
        block["hint"] = plain(hint, LABEL_MAX)
    return block


def option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, OPTION_TEXT_MAX), "value": value}


def field_element(field: Field) -> dict[str, Any]:
    initial = field.initial
    kind = field.kind
    element: dict[str, Any]
    if kind in ("text", "long_text"):
        element = {
            "type": "plain_text_input",
            "action_id": field.name,
            "multiline": kind == "long_text",
            "max_length": min(field.max_length, 3000),
        }
        if initial:
            element["initial_value"] = clip(str(initial), min(field.max_length, 3000))
        return element
    if kind in ("single", "yes_no"):
        options = [option(c.value, c.label) for c in field.choices]
        element = {
            "type": "radio_buttons" if len(options) <= 5 else "static_select",
            "action_id": field.name,
            "options": options,
        }
        chosen = _initial_choice(field, initial)
        if chosen is not None:
            element["initial_option"] = next(o for o in options if o["value"] == chosen)
        return element
    if kind == "multi":
        options = [option(c.value, c.label) for c in field.choices]
        element = {
            "type": "checkboxes" if len(options) <= 10 else "multi_static_select",
            "action_id": field.name,
            "options": options,
        }
        wanted = [str(v) for v in (initial or [])]
        picked = [o for o in options if o["value"] in wanted]
        if picked:
            element["initial_options"] = picked
        return element
    if kind == "date":
        element = {"type": "datepicker", "action_id": field.name}
        if isinstance(initial, date):
            element["initial_date"] = initial.isoformat()
        return element
    if kind == "datetime":
        element = {"type": "datetimepicker", "action_id": field.name}
        if isinstance(initial, datetime):
            element["initial_date_time"] = int(initial.timestamp())
        return element
    if kind == "person":
        return {"type": "users_select", "action_id": field.name}
    raise AssertionError(f"no Slack element for field kind {kind}")


def _initial_choice(field: Field, initial: Any) -> str | None:
    if initial is None:
        return None
    if field.kind == "yes_no" and isinstance(initial, bool):
        return "yes" if initial else "no"
    value = str(initial)
    return value if any(c.value == value for c in field.choices) else None


# --- messages and closing views -----------------------------------------------------------


def message_blocks(text: str, buttons: tuple[Button, ...] = ()) -> list[dict[str, Any]]:
    rows = button_rows(buttons)
    return fit(sections(text, "text") + rows, keep_last=len(rows))


def ephemeral(say: Say) -> dict[str, Any]:
    """The body of an ephemeral reply to a slash command."""
    return {
        "response_type": "ephemeral",
        "text": fallback(say.text),
        "blocks": message_blocks(say.text, say.buttons),
    }


def say_view(say: Say) -> dict[str, Any]:
    """A modal that closes a dialog with the handler's message (and any buttons)."""
    return {
        "type": "modal",
        "callback_id": "safekeep.done",
        "title": plain(say.title or "Safekeep", TITLE_MAX),
        "close": plain("Done", TITLE_MAX),
        "blocks": message_blocks(say.text, say.buttons),
    }


def waiting_view(text: str = LOADING, title: str = "Safekeep") -> dict[str, Any]:
    """Shown at once when the answer may take longer than Slack's 3-second trigger window."""
    return {
        "type": "modal",
        "callback_id": "safekeep.waiting",
        "title": plain(title, TITLE_MAX),
        "close": plain("Close", TITLE_MAX),
        "blocks": [{"type": "section", "block_id": "waiting", "text": md(text)}],
    }


def notice_message(notice: Notice) -> dict[str, Any]:
    """chat.postMessage arguments (without channel) for a DM."""
    return {"text": fallback(notice.text), "blocks": message_blocks(notice.text, notice.buttons)}


def done_message(original_text: str, outcome: str) -> dict[str, Any]:
    """A DM after its action is done: the same words, no buttons, and what happened."""
    blocks = sections(original_text, "text")
    blocks.append({"type": "context", "block_id": "outcome", "elements": [md(outcome)]})
    return {"text": fallback(original_text), "blocks": fit(blocks, keep_last=1)}


def home_view(say: Say) -> dict[str, Any]:
    """The App Home tab: what this person has outstanding, with buttons."""
    return {"type": "home", "blocks": message_blocks(say.text, say.buttons)}


def errors_view(form_view_json: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """A submitted form shown again with each problem under its field (for late answers)."""
    blocks: list[dict[str, Any]] = []
    for block in form_view_json.get("blocks", []):
        if str(block.get("block_id", "")).startswith("error_"):
            continue  # the problems of an earlier late answer: replaced by this one's
        blocks.append(block)
        message = errors.get(block.get("block_id", ""))
        if message and block.get("type") == "input":
            blocks.append(
                {
                    "type": "context",
                    "block_id": f"error_{block['block_id']}",
                    "elements": [md(f":warning: {message}")],
                }
            )
    view = {k: form_view_json[k] for k in VIEW_KEYS if k in form_view_json}
    view["blocks"] = fit(blocks, keep_last=0)
    return view


VIEW_KEYS = ("type", "callback_id", "title", "submit", "close", "private_metadata")
