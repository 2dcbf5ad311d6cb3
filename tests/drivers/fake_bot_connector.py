"""A local fake of the Bot Connector service Teams gives a bot as ``serviceUrl``: it records every
reply, card update and proactive message, answers the member API with each user's email and UPN,
and can be told to fail the next sends (429 with Retry-After, 5xx).

Activities are kept per conversation with the ids the fake gave them, updates applied in place,
so a test reads a person's chat as Teams would show it now.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeMember:
    id: str  # the Teams user id, "29:..."
    aad_object_id: str
    email: str | None
    name: str

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "givenName": self.name.split(" ")[0],
            "userRole": "user",
        }
        if self.email:
            found["email"] = self.email
            found["userPrincipalName"] = self.email
        return found


@dataclass
class Posted:
    """One activity the bot posted: as first sent, how it is now, and how it got there."""

    id: str
    conversation: str
    activity: dict[str, Any]
    proactive: bool  # posted to the conversation, not as a reply to an incoming activity
    updates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def current(self) -> dict[str, Any]:
        return self.updates[-1] if self.updates else self.activity


@dataclass
class FakeBotConnector:
    members: dict[str, dict[str, FakeMember]] = field(default_factory=dict)  # conv -> user -> m
    posted: list[Posted] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    failures: list[tuple[int, int | None]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def add_member(self, conversation: str, member: FakeMember) -> None:
        self.members.setdefault(conversation, {})[member.id] = member

    def fail_next(self, status: int = 429, retry_after: int | None = 1, times: int = 1) -> None:
        self.failures.extend([(status, retry_after)] * times)

    def in_conversation(self, conversation: str) -> list[Posted]:
        return [p for p in self.posted if p.conversation == conversation]

    def find(self, activity_id: str) -> Posted | None:
        return next((p for p in self.posted if p.id == activity_id), None)

    def make_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conv}/activities", self.send)
        app.router.add_post("/v3/conversations/{conv}/activities/{reply_to}", self.send)
        app.router.add_put("/v3/conversations/{conv}/activities/{id}", self.update)
        app.router.add_get("/v3/conversations/{conv}/members/{user}", self.member)
        return app

    def _record(self, request: web.Request, body: Any) -> None:
        self.calls.append(
            {
                "method": request.method,
                "path": request.path,
                "authorization": request.headers.get("Authorization"),
                "body": body,
            }
        )

    def _failure(self) -> web.Response | None:
        if not self.failures:
            return None
        status, retry_after = self.failures.pop(0)
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return web.json_response(
            {"error": {"code": "Throttled", "message": "try later"}}, status=status, headers=headers
        )

    async def send(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(request, body)
        failed = self._failure()
        if failed is not None:
            return failed
        activity_id = f"1:{next(self._ids)}"
        conversation = request.match_info["conv"]
        proactive = "reply_to" not in request.match_info
        self.posted.append(Posted(activity_id, conversation, body, proactive))
        return web.json_response({"id": activity_id})

    async def update(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._record(request, body)
        found = self.find(request.match_info["id"])
        if found is None or found.conversation != request.match_info["conv"]:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        found.updates.append(body)
        return web.json_response({"id": found.id})

    async def member(self, request: web.Request) -> web.Response:
        self._record(request, None)
        conversation = self.members.get(request.match_info["conv"], {})
        found = conversation.get(request.match_info["user"])
        if found is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, 404)
        return web.json_response(found.to_json())
