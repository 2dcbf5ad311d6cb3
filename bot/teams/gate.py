"""The body of ``POST /api/messages``, checked after the SDK has validated the bearer token and
before the SDK parses it: a JSON object of a sane size whose strings are Unicode (a lone
surrogate, which no database or log can store, is refused). Anything else is a 400 that names
only the reason."""

from __future__ import annotations

import json
import logging

from aiohttp import web

log = logging.getLogger(__name__)

# An activity with a filled-in card is a few kilobytes; Teams' own limit is about 100 KB.
MAX_BODY = 256 * 1024


def refusal(status: int, reason: str) -> web.Response:
    log.warning("refused a request to /api/messages: %s", reason)
    return web.Response(status=status, text=reason)


async def check(request: web.Request) -> web.Response | None:
    """None when the body may go on to the SDK; otherwise the response refusing it."""
    try:
        raw = await request.read()  # kept by aiohttp, so the SDK reads the same bytes after
    except web.HTTPRequestEntityTooLarge:
        return refusal(413, "request body too large")
    if len(raw) > MAX_BODY:
        return refusal(413, "request body too large")
    try:
        activity = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return refusal(400, "the body is not a JSON activity")
    if not isinstance(activity, dict):
        return refusal(400, "the body is not a JSON activity")
    try:
        json.dumps(activity, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return refusal(400, "the activity holds text that is not Unicode")
    return None
