"""The door of ``POST /slack/events``: a request is signed by Slack and shaped like Slack's, or
it is refused (401 unsigned or stale, 400 malformed, 413 oversized) before anything parses it.

bolt checks the signature too, but only after reading the body, and on a failed check it logs
the whole body (a breach description with a child's name in it, say) at INFO. Here the check
comes first, on the raw bytes, with the same verifier bolt uses (slack_sdk's), and the refusal
logs only its reason.

A request let in is parsed here once, strictly, and bolt is handed the result (``bolt_request``)
rather than parsing the body again: a form submission is fifteen kilobytes of percent-encoded
JSON, and decoding it twice stood out in a profile of twenty breach reports at once (#15).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

# Slack's own payloads are a few kilobytes; a modal with every field filled is well under this.
MAX_BODY = 512 * 1024
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
FORM = "application/x-www-form-urlencoded"
# A JSON string escape that could stand for half of a surrogate pair (see ``_valid_unicode``).
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


@dataclass(frozen=True)
class Admitted:
    """A request the gate let in: its text, and its body as bolt reads it (a form's fields, or
    the JSON object in a form's ``payload`` field or in a JSON body)."""

    text: str
    body: dict[str, Any]


def refusal(status: int, reason: str) -> web.Response:
    log.warning("refused a request to /slack/events: %s", reason)
    return web.Response(status=status, text=reason)


async def check(request: web.Request, verifier: SignatureVerifier) -> web.Response | Admitted:
    """The request, parsed, when it is Slack's and well formed; otherwise the response
    refusing it."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return refusal(413, "request body too large")
    try:
        raw = await request.read()  # kept by aiohttp, so bolt reads the same bytes after
    except web.HTTPRequestEntityTooLarge:
        return refusal(413, "request body too large")
    if len(raw) > MAX_BODY:
        return refusal(413, "request body too large")
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not TIMESTAMP.fullmatch(timestamp) or not SIGNATURE.fullmatch(signature):
        return refusal(401, "missing or malformed signature")
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return refusal(400, "the body is not UTF-8")
    if not verifier.is_valid(body, timestamp, signature):
        return refusal(401, "invalid or stale signature")
    parsed = well_formed(body, request.content_type)
    if parsed is None:
        return refusal(400, "the body is not shaped like a Slack request")
    return Admitted(body, parsed)


def bolt_request(request: web.Request, admitted: Admitted) -> AsyncBoltRequest:
    """bolt's request for an admitted one, with the body already parsed (bolt's own
    ``to_bolt_request`` would parse it again). The text stays as it came, for bolt's own
    signature check."""
    headers: Any = request.headers
    bolt = AsyncBoltRequest(body="", query=request.query_string, headers=headers)
    bolt.raw_body = admitted.text
    bolt.body = admitted.body
    bolt.context = build_async_context(AsyncBoltContext(), admitted.body)
    return bolt


def well_formed(body: str, content_type: str) -> dict[str, Any] | None:
    """A form (a slash command, or ``payload=`` holding a JSON object) or a JSON object: the
    body as bolt reads it, or None."""
    if content_type == FORM:
        try:
            fields = parse_qs(
                body, keep_blank_values=True, strict_parsing=bool(body), errors="strict"
            )
        except (ValueError, UnicodeDecodeError):
            return None
        if any(len(values) != 1 for values in fields.values()):
            return None
        if "payload" in fields:
            return _payload_shaped(fields["payload"][0])
        if "command" in fields or "ssl_check" in fields:
            return {name: values[0] for name, values in fields.items()}
        return None
    if content_type == "application/json":
        return _json_object(body)
    return None


def _payload_shaped(text: str) -> dict[str, Any] | None:
    """An interaction payload whose fields Safekeep reads have the types Slack sends."""
    payload = _json_object(text)
    if payload is None or not _valid_unicode(text, payload):
        return None
    if not all(_optional(payload, key, dict) for key in ("team", "user", "container", "view")):
        return None
    if not all(_optional(payload, key, str) for key in ("type", "trigger_id", "callback_id")):
        return None
    kind = payload.get("type")
    if kind == "block_actions":
        actions = payload.get("actions")
        shaped = (
            isinstance(actions, list)
            and bool(actions)
            and all(_action_shaped(a) for a in actions)
            and _view_shaped(payload.get("view"), required=False)
        )
        return payload if shaped else None
    if kind in ("view_submission", "view_closed"):
        return payload if _view_shaped(payload.get("view"), required=True) else None
    return payload


def _valid_unicode(text: str, payload: dict[str, Any]) -> bool:
    """False when a string holds a lone surrogate (JSON's "\\ud800"): Slack never sends one,
    and no database or log can store it. The text came as strict UTF-8, so only a ``\\u``
    escape can make one: a payload with no such escape is not walked."""
    if SURROGATE_ESCAPE.search(text) is None:
        return True
    try:
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _optional(table: dict[str, Any], key: str, kind: type) -> bool:
    return key not in table or table[key] is None or isinstance(table[key], kind)


def _action_shaped(action: object) -> bool:
    return (
        isinstance(action, dict)
        and isinstance(action.get("action_id"), str)
        and _optional(action, "value", str)
        and _optional(action, "text", dict)
    )


def _view_shaped(view: object, required: bool) -> bool:
    if view is None:
        return not required
    if not isinstance(view, dict) or not isinstance(view.get("id", ""), str):
        return False
    if not _optional(view, "private_metadata", str) or not _optional(view, "type", str):
        return False
    state = view.get("state") or {}
    values = state.get("values") if isinstance(state, dict) else None
    if values is None:
        return isinstance(state, dict)
    return isinstance(values, dict) and all(
        isinstance(actions, dict) and all(_element_shaped(v) for v in actions.values())
        for actions in values.values()
    )


def _element_shaped(value: object) -> bool:
    """One input's value as Slack sends it for its element type."""
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return False
    option = value.get("selected_option")
    options = value.get("selected_options")
    stamp = value.get("selected_date_time")
    return (
        all(_optional(value, key, str) for key in ("value", "selected_date", "selected_user"))
        and (option is None or _option_shaped(option))
        and (options is None or (isinstance(options, list) and all(map(_option_shaped, options))))
        and (stamp is None or (isinstance(stamp, int) and not isinstance(stamp, bool)))
    )


def _option_shaped(option: object) -> bool:
    return isinstance(option, dict) and isinstance(option.get("value"), str)


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        found = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return found if isinstance(found, dict) else None
