"""The door of ``POST /slack/events``: a request is signed by Slack and shaped like Slack's, or
it is refused (401 unsigned or stale, 400 malformed, 413 oversized) before anything parses it.

bolt checks the signature too, but only after reading the body, and on a failed check it logs
the whole body (a breach description with a child's name in it, say) at INFO. Here the check
comes first, on the raw bytes, with the same verifier bolt uses (slack_sdk's), and the refusal
logs only its reason.
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import parse_qs

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

# Slack's own payloads are a few kilobytes; a modal with every field filled is well under this.
MAX_BODY = 512 * 1024
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
FORM = "application/x-www-form-urlencoded"


def refusal(status: int, reason: str) -> web.Response:
    log.warning("refused a request to /slack/events: %s", reason)
    return web.Response(status=status, text=reason)


async def check(request: web.Request, verifier: SignatureVerifier) -> web.Response | None:
    """None when the request is Slack's and well formed; otherwise the response refusing it."""
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
    if not well_formed(body, request.content_type):
        return refusal(400, "the body is not shaped like a Slack request")
    return None


def well_formed(body: str, content_type: str) -> bool:
    """A form (a slash command, or ``payload=`` holding a JSON object) or a JSON object."""
    if content_type == FORM:
        try:
            fields = parse_qs(body, strict_parsing=bool(body), errors="strict")
        except (ValueError, UnicodeDecodeError):
            return False
        if any(len(values) != 1 for values in fields.values()):
            return False
        if "payload" in fields:
            return _json_object(fields["payload"][0])
        return "command" in fields or "ssl_check" in fields
    if content_type == "application/json":
        return _json_object(body)
    return False


def _json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return False
