"""A local fake of Slack's Web API: records every call and answers like Slack does.

It serves ``/api/<method>`` on 127.0.0.1, knows a few workspaces (team id, name, bot token)
and their members (id, email), keeps the views it opened and the messages posted in each DM
(with their metadata, readable with ``conversations.history``), and can be told to fail the
next calls to a method: refused with a status (429 with ``Retry-After`` by default), the
connection dropped, or no answer at all; either before doing the work or after it (Slack
posted the message, but the answer was lost).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import parse_qsl

from aiohttp import web


@dataclass
class FakeUser:
    id: str
    team_id: str
    email: str | None
    name: str
    is_bot: bool = False
    deleted: bool = False
    is_restricted: bool = False  # a multi-channel guest
    is_ultra_restricted: bool = False  # a single-channel guest

    def to_json(self) -> dict[str, Any]:
        profile: dict[str, Any] = {"real_name": self.name, "display_name": self.name}
        if self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name.lower().replace(" ", "."),
            "real_name": self.name,
            "deleted": self.deleted,
            "is_bot": self.is_bot,
            "is_restricted": self.is_restricted,
            "is_ultra_restricted": self.is_ultra_restricted,
            "profile": profile,
        }


# How a planned failure reaches the client: an HTTP answer with a status, the connection closed
# without an answer, or no answer until the client gives up (its timeout).
How = Literal["answer", "drop", "hang"]
# conversations.history for apps outside the Slack Marketplace: at most 15 messages a page.
HISTORY_LIMIT = 15
# A hung request is let go after this, whether or not the client has given up.
HANG_SECONDS = 10.0


@dataclass
class Failure:
    status: int
    retry_after: int | None
    times: int
    how: How = "answer"
    done: bool = False  # the work is done first (a message posted), then the answer is lost
    error: str | None = None  # Slack's error code in the answer; by default from the status


@dataclass
class FakeSlack:
    """The fake's state: workspaces, members, recorded calls, views and planned failures."""

    teams: dict[str, tuple[str, str]] = field(default_factory=dict)  # token -> (team, name)
    users: dict[str, FakeUser] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    view_users: dict[str, str] = field(default_factory=dict)  # view id -> user id
    shown: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (user, view)
    failures: dict[str, Failure] = field(default_factory=dict)
    oauth_codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    socket_url: str = ""
    messages: dict[str, list[dict[str, Any]]] = field(
        default_factory=dict
    )  # channel -> oldest first
    clock: Callable[[], datetime] | None = None  # Slack's time for message ts; default: real time
    # The scopes each bot token was granted, sent as Slack does in the x-oauth-scopes header of
    # every answer; a token not listed has every scope the manifest asks for.
    scopes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # users.list answers at most this many members a page (Slack may send fewer than asked).
    users_page_size: int = 200
    # Files uploaded through files.getUploadURLExternal: file id -> name, and the bytes sent.
    file_names: dict[str, str] = field(default_factory=dict)
    file_bytes: dict[str, bytes] = field(default_factory=dict)
    base_url: str = ""  # where the fake serves, for the upload URLs it hands out
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add_team(self, team_id: str, name: str, token: str) -> None:
        self.teams[token] = (team_id, name)

    def add_user(self, user: FakeUser) -> None:
        self.users[user.id] = user

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        *,
        how: How = "answer",
        done: bool = False,
        error: str | None = None,
    ) -> None:
        """Fail the next calls to ``method``: refused with ``status`` (and ``error``) by default;
        ``how="drop"`` closes the connection and ``how="hang"`` never answers. With ``done`` the
        call does its work first (the message is posted), so only the answer is lost."""
        self.failures[method] = Failure(status, retry_after, times, how, done, error)

    def lose_response(self, method: str, how: How = "drop", times: int = 1) -> None:
        """Do the next calls to ``method`` (post the message) but lose the answer: the connection
        is dropped (``"drop"``), never answered (``"hang"``) or answered 500 (``"answer"``)."""
        self.fail_next(method, status=500, retry_after=None, times=times, how=how, done=True)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["method"] == method]

    def dm_history(self, user_id: str) -> list[dict[str, Any]]:
        """Every message in this user's DM with the app, oldest first (what Slack really holds)."""
        return list(self.messages.get(_dm_channel(user_id), []))

    # --- the HTTP side ----------------------------------------------------------------------

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self.handle)
        app.router.add_post("/upload/{file_id}", self.upload)
        app.router.add_get("/socket", self.socket)
        return app

    # --- Socket Mode ------------------------------------------------------------------------

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        """Slack's side of a Socket Mode connection: send envelopes, collect acks."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1})
        async for message in ws:
            data = json.loads(message.data)
            if "envelope_id" in data:
                self.acks[data["envelope_id"]] = data.get("payload") or {}
                self.acked.set()
        return ws

    async def send_envelope(
        self, kind: str, payload: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        """Send one envelope to the connected app; returns the payload of its ack."""
        envelope_id = f"env-{next(self._ids)}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload}
        await self.sockets[-1].send_json({**envelope, "accepts_response_payload": True, **extra})
        while envelope_id not in self.acks:
            self.acked.clear()
            await asyncio.wait_for(self.acked.wait(), timeout=10)
        return self.acks[envelope_id]

    def api_apps_connections_open(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        return {"ok": True, "url": self.socket_url}

    async def upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal hands out: the file's bytes, posted."""
        file_id = request.match_info["file_id"]
        if file_id not in self.file_names:
            return web.Response(status=404, text="unknown upload")
        self.file_bytes[file_id] = await request.read()
        return web.Response(text=f"OK - {len(self.file_bytes[file_id])}")

    async def handle(self, request: web.Request) -> web.Response:
        self.base_url = self.base_url or str(request.url.origin())
        method = request.match_info["method"]
        args = await _arguments(request)
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        token = token or str(args.pop("token", ""))
        failure = self.failures.get(method)
        if failure is not None and failure.times > 0:
            failure.times -= 1
            if failure.done:
                self._answer(method, args, token)
                self.calls[-1]["lost"] = failure.how
            else:
                self.calls.append(
                    {"method": method, "args": args, "token": token, "refused": failure.status}
                )
            return await self._fail(request, failure)
        answer = self._answer(method, args, token)
        return web.json_response(answer, headers=self._scope_header(token))

    def _scope_header(self, token: str) -> dict[str, str]:
        if token not in self.teams:
            return {}
        from bot.slack.manifest import BOT_SCOPES

        return {"x-oauth-scopes": ",".join(self.scopes.get(token, tuple(BOT_SCOPES)))}

    def _answer(self, method: str, args: dict[str, Any], token: str) -> dict[str, Any]:
        """Record the call and do what Slack would; returns Slack's answer."""
        call: dict[str, Any] = {"method": method, "args": args, "token": token}
        self.calls.append(call)
        answer = getattr(self, "api_" + method.replace(".", "_"), None)
        if answer is None:
            return {"ok": False, "error": "unknown_method"}
        if (
            method != "oauth.v2.access"
            and token not in self.teams
            and not token.startswith("xapp-")
        ):
            return {"ok": False, "error": "invalid_auth"}
        result: dict[str, Any] = answer(args, token)
        if "ts" in result:
            call["ts"], call["channel"] = result["ts"], result.get("channel")
        if result.get("ok") and "view" in result:
            call["view_id"] = result["view"]["id"]  # the id Slack gave the view it showed
        return result

    @staticmethod
    async def _fail(request: web.Request, failure: Failure) -> web.Response:
        if failure.how in ("drop", "hang"):
            if failure.how == "drop" and request.transport is not None:
                request.transport.close()
            # Wait for the client to go (it gave up, or saw the connection close), so nothing is
            # written to a closed connection.
            deadline = time.monotonic() + HANG_SECONDS
            while request.transport is not None and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            return web.Response(status=504)
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
        error = failure.error or ("ratelimited" if failure.status == 429 else "internal_error")
        return web.json_response(
            {"ok": False, "error": error}, status=failure.status, headers=headers
        )

    # --- methods ----------------------------------------------------------------------------

    def api_auth_test(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        team_id, name = self.teams[token]
        return {
            "ok": True,
            "url": f"https://{team_id.lower()}.slack.com/",
            "team": name,
            "team_id": team_id,
            "user": "safekeep",
            "user_id": f"UBOT{team_id}",
            "bot_id": f"BBOT{team_id}",
        }

    def api_users_info(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        if user is None or user.team_id != self.teams[token][0]:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user.to_json()}

    def api_users_lookupByEmail(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        team = self.teams[token][0]
        for user in self.users.values():
            if user.email == args.get("email") and user.team_id == team:
                return {"ok": True, "user": user.to_json()}
        return {"ok": False, "error": "users_not_found"}

    def api_users_list(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        team = self.teams[token][0]
        members = [u.to_json() for u in self.users.values() if u.team_id == team]
        start = int(str(args.get("cursor") or "0"))
        size = min(int(str(args.get("limit") or 200)), self.users_page_size)
        end = start + size
        cursor = str(end) if end < len(members) else ""
        return {
            "ok": True,
            "members": members[start:end],
            "response_metadata": {"next_cursor": cursor},
        }

    def api_views_open(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        user = str(args.get("trigger_id", "")).split(".")[1:2]
        return self._show(dict(args["view"]), f"V{next(self._ids):05d}", user[0] if user else "")

    def api_views_push(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        return self.api_views_open(args, token)

    def api_views_update(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        view_id = str(args.get("view_id"))
        if view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        return self._show(dict(args["view"]), view_id, self.view_users.get(view_id, ""))

    def api_views_publish(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        return self._show(dict(args["view"]), f"VH{args.get('user_id')}", "")

    def _show(self, view: dict[str, Any], view_id: str, user: str) -> dict[str, Any]:
        view["id"] = view_id
        self.views[view_id] = view
        if user:
            self.view_users[view_id] = user
            self.shown.append((user, view))
        return {"ok": True, "view": view}

    def api_chat_postMessage(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        channel = _dm_channel(str(args.get("channel")))
        ts = self._next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "ts": ts,
            "bot_id": f"BBOT{self.teams[token][0]}",
            "text": args.get("text"),
        }
        if args.get("blocks"):
            message["blocks"] = args["blocks"]
        if isinstance(args.get("metadata"), str):
            args["metadata"] = json.loads(args["metadata"])
        if args.get("metadata"):
            message["metadata"] = args["metadata"]
        self.messages.setdefault(channel, []).append(message)
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "message": {"text": args.get("text"), "ts": ts},
        }

    def _next_ts(self) -> str:
        """A unique Slack ts ("seconds.sequence") at the fake's time."""
        now = self.clock().timestamp() if self.clock else time.time()
        return f"{int(now)}.{next(self._ids):06d}"

    def api_chat_update(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        for message in self.messages.get(str(args.get("channel")), []):
            if message["ts"] == args.get("ts"):
                message["text"] = args.get("text")
                message["blocks"] = args.get("blocks")
        return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}

    def api_conversations_open(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        user = self.users.get(str(args.get("users")))
        if user is None or user.team_id != self.teams[token][0]:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": _dm_channel(user.id)}}

    def api_conversations_history(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        """Newest first, within oldest/latest, a page at a time; metadata only if asked for."""
        channel = str(args.get("channel"))
        if channel not in self.messages and not channel.startswith("D"):
            return {"ok": False, "error": "channel_not_found"}
        inclusive = _flag(args.get("inclusive"))
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or "inf")

        def within(ts: float) -> bool:
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        found = [m for m in reversed(self.messages.get(channel, [])) if within(float(m["ts"]))]
        start = int(args.get("cursor") or 0)
        limit = min(int(args.get("limit") or HISTORY_LIMIT), HISTORY_LIMIT)
        page = found[start : start + limit]
        if not _flag(args.get("include_all_metadata")):
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def api_files_getUploadURLExternal(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        if not args.get("filename") or not str(args.get("length") or "").isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ids):06d}"
        self.file_names[file_id] = str(args["filename"])
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def api_files_completeUploadExternal(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        """Share uploaded files in a channel, as one message with the initial comment."""
        files = args.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        if not files or any(f.get("id") not in self.file_bytes for f in files):
            return {"ok": False, "error": "file_not_found"}
        channel = str(args.get("channel_id") or "")
        shared = [
            {"id": f["id"], "name": self.file_names[f["id"]], "title": f.get("title")}
            for f in files
        ]
        message = {
            "type": "message",
            "ts": self._next_ts(),
            "bot_id": f"BBOT{self.teams[token][0]}",
            "text": args.get("initial_comment") or "",
            "files": shared,
        }
        self.messages.setdefault(channel, []).append(message)
        return {"ok": True, "files": shared}

    def api_oauth_v2_access(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        grant = self.oauth_codes.get(str(args.get("code")))
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        return grant


def _dm_channel(channel: str) -> str:
    """Posting to a user id posts in their DM with the app: "U123" -> "D123"."""
    return "D" + channel[1:] if channel.startswith("U") else channel


def _flag(value: Any) -> bool:
    """A boolean argument as slack-sdk sends it: true, "true" or "1"."""
    return value is True or str(value).lower() in ("1", "true")


async def _arguments(request: web.Request) -> dict[str, Any]:
    """Arguments as slack-sdk sends them: query string, form fields or a JSON body."""
    args: dict[str, Any] = dict(request.query)
    body = await request.text()
    if body:
        if request.content_type == "application/json":
            args.update(json.loads(body))
        else:
            args.update(dict(parse_qsl(body)))
    for key in ("view", "blocks"):
        if isinstance(args.get(key), str):
            args[key] = json.loads(args[key])
    return args
