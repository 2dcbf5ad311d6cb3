"""Signed, expiring links to the files DMs carry (the governors' report), served by ``web``.

Teams cannot take a file from a bot in a proactive message without asking each person's consent
first, so a Teams DM carries a download button instead: ``GET /files/{id}?expires=...&sig=...``
on Safekeep's own server (``SAFEKEEP_PUBLIC_URL``). The signature is an HMAC of the file id and
expiry under a key derived from each configured data key (so rotating keys keeps fresh links
working); a link works until it expires, which lets the Headteacher forward it to governors who
are not in chat. The files hold counts only, never personal data.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from datetime import datetime, timedelta

from aiohttp import web
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.runtime import Runtime
from storage import crypto
from storage.models import OutboxFile

ROUTE = "/files/{file_id}"
LIFETIME = timedelta(days=30)
_INFO = b"safekeep file links v1"


def _link_key(secret: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret)


def _signature(secret: bytes, file_id: int, expires: int) -> str:
    message = f"{file_id}:{expires}".encode()
    return hmac.new(_link_key(secret), message, hashlib.sha256).hexdigest()


def link(base_url: str, file_id: int, now: datetime) -> tuple[str, datetime]:
    """A download link for a stored file, and when it stops working."""
    until = now + LIFETIME
    expires = int(until.timestamp())
    sig = _signature(crypto.active_keys().keys[0].secret, file_id, expires)
    return f"{base_url.rstrip('/')}/files/{file_id}?expires={expires}&sig={sig}", until


def valid(file_id: int, expires: int, sig: str, now: datetime) -> bool:
    if expires < now.timestamp():
        return False
    return any(
        hmac.compare_digest(_signature(key.secret, file_id, expires), sig)
        for key in crypto.active_keys().keys
    )


def add_file_route(web_app: web.Application, rt: Runtime) -> None:
    """GET /files/{id}: the file, to anyone holding an unexpired, correctly signed link."""

    async def download(request: web.Request) -> web.Response:
        raw_id, raw_expires = request.match_info["file_id"], request.query.get("expires", "")
        if not raw_id.isdigit() or not raw_expires.isdigit():
            raise web.HTTPNotFound()
        file_id = int(raw_id)
        if not valid(file_id, int(raw_expires), request.query.get("sig", ""), rt.clock()):
            raise web.HTTPForbidden(text="This link is not valid or has expired.")
        stored = await asyncio.to_thread(_read, rt, file_id)
        if stored is None:
            raise web.HTTPNotFound()
        name, media_type, content = stored
        return web.Response(
            body=content,
            content_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    web_app.router.add_get(ROUTE, download)


def _read(rt: Runtime, file_id: int) -> tuple[str, str, bytes] | None:
    with rt.factory() as session:
        stored = session.get(OutboxFile, file_id)
        return (stored.name, stored.media_type, stored.content) if stored else None
