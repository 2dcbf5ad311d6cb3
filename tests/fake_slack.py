"""A local fake of Slack's Web API: records every call and answers like Slack does.

It serves ``/api/<method>`` on 127.0.0.1, knows a few workspaces (team id, name, bot token)
and their members (id, email), keeps the views it opened, and can be told to refuse the next
calls to a method with a status (429 with ``Retry-After`` by default).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any
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
            "profile": profile,
        }


@dataclass
class Failure:
    status: int
    retry_after: int | None
    times: int


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
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add_team(self, team_id: str, name: str, token: str) -> None:
        self.teams[token] = (team_id, name)

    def add_user(self, user: FakeUser) -> None:
        self.users[user.id] = user

    def fail_next(
        self, method: str, status: int = 429, retry_after: int | None = 1, times: int = 1
    ) -> None:
        self.failures[method] = Failure(status, retry_after, times)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["method"] == method]

    # --- the HTTP side ----------------------------------------------------------------------

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self.handle)
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

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        token = token or str(args.pop("token", ""))
        failure = self.failures.get(method)
        if failure is not None and failure.times > 0:
            failure.times -= 1
            self.calls.append(
                {"method": method, "args": args, "token": token, "refused": failure.status}
            )
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            error = "ratelimited" if failure.status == 429 else "internal_error"
            return web.json_response(
                {"ok": False, "error": error}, status=failure.status, headers=headers
            )
        call: dict[str, Any] = {"method": method, "args": args, "token": token}
        self.calls.append(call)
        answer = getattr(self, "api_" + method.replace(".", "_"), None)
        if answer is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        if (
            method != "oauth.v2.access"
            and token not in self.teams
            and not token.startswith("xapp-")
        ):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        result = answer(args, token)
        if "ts" in result:
            call["ts"], call["channel"] = result["ts"], result.get("channel")
        return web.json_response(result)

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
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

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
        channel = str(args.get("channel"))
        if channel.startswith("U"):
            channel = "D" + channel[1:]
        ts = f"1790000000.{next(self._ids):06d}"
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "message": {"text": args.get("text"), "ts": ts},
        }

    def api_chat_update(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}

    def api_oauth_v2_access(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        grant = self.oauth_codes.get(str(args.get("code")))
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        return grant


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
