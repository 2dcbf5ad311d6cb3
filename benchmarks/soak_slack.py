"""The soak's Slack: the test suite's fake Web API (tests/drivers/fake_slack_api.py), in a process
of its own, failing the way a Slack under load does. benchmarks/soak.py starts it; it is not
meant to be run by hand.

On the methods the outbox dispatcher calls (chat.postMessage, conversations.open,
conversations.history, users.lookupByEmail) it injects, by a seeded dice roll per call:

* 5% **429** ``ratelimited`` with a ``Retry-After`` of 1 to 3 seconds (nothing done);
* 2% **500** ``internal_error``; for chat.postMessage half of these posted the DM first, as
  Slack's documentation warns "some aspect of the operation" may have succeeded;
* 1% of chat.postMessage **accepted then timed out**: the DM is posted, no answer ever comes;
* **latency** on every chat.postMessage: 85% of calls take up to 0.3 s, the rest anything up to
  twice the client's timeout. A post that outlasts the client's patience still lands when its
  latency is up (the work is shielded from the client hanging up), so Slack posts it up to one
  client timeout *after* the client gave up: the case that used to double a DM.

conversations.history is also held to Slack's Tier 3 (at most 50 calls in any 60 seconds per
workspace): a call over it gets a 429 and is counted, which shows whether Safekeep spaces its
reads or leaves them to 429s. The interactive methods the web process calls while people fill in
dialogs (views.*, users.info, auth.test) are left alone: the soak measures delivery.

``GET /_soak/...`` lets the soak read what a person was shown and, at the end, every DM Slack
holds, counted per outbox id from the DM's message metadata.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import random
import sys
import time
from pathlib import Path
from typing import Any

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.drivers import fake_slack_api  # noqa: E402
from tests.drivers.fake_slack_api import (  # noqa: E402
    Failure,
    FakeSlack,
    FakeUser,
    _arguments,
)

FAULTY = frozenset(
    {"chat.postMessage", "conversations.open", "conversations.history", "users.lookupByEmail"}
)
P_429, P_500, P_HANG = 0.05, 0.02, 0.01
FAST_SHARE, FAST_LATENCY = 0.85, 0.3
TIER_3_PER_MINUTE = 50
HISTORY_PAGE_MAX = 200  # an internal app's page (Slack recommends at most 200)


class SoakSlack(FakeSlack):
    def __init__(self, seed: int, client_timeout: float) -> None:
        super().__init__()
        self.rng = random.Random(seed)
        self.client_timeout = client_timeout
        self.counts: collections.Counter[str] = collections.Counter()
        self.history_times: dict[str, collections.deque[float]] = {}
        self.history_peak = 0
        self.posts: list[dict[str, Any]] = []  # every DM posted: outbox id, when, how

    def make_app(self) -> web.Application:
        app = super().make_app()
        app.router.add_get("/_soak/view", self.view_for_user)
        app.router.add_get("/_soak/view_by_id", self.view_by_id)
        app.router.add_get("/_soak/stats", self.stats)
        return app

    # --- the faults --------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method not in FAULTY:
            return await super().handle(request)
        args = await _arguments(request)
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        token = token or str(args.pop("token", ""))
        self.counts[f"calls {method}"] += 1
        if method == "conversations.history":
            over = self._over_tier_3(token)
            if over is not None:
                self.counts["history over Tier 3 (429)"] += 1
                return _refuse(429, "ratelimited", retry_after=over)
        roll = self.rng.random()
        if roll < P_429:
            self.counts[f"429 {method}"] += 1
            return _refuse(429, "ratelimited", retry_after=self.rng.randint(1, 3))
        roll -= P_429
        if roll < P_500:
            self.counts[f"500 {method}"] += 1
            if method == "chat.postMessage" and self.rng.random() < 0.5:
                self.counts["500 after posting"] += 1
                self._do(method, args, token, "500 after posting")
            return _refuse(500, "internal_error")
        roll -= P_500
        if method == "chat.postMessage" and roll < P_HANG:
            self.counts["accepted then timed out"] += 1
            self._do(method, args, token, "accepted, answer never sent")
            return await FakeSlack._fail(request, Failure(504, None, 1, "hang", True))
        latency = 0.0
        if method == "chat.postMessage":
            fast = self.rng.random() < FAST_SHARE
            top = FAST_LATENCY if fast else 2 * self.client_timeout
            latency = self.rng.uniform(0, top)
            if latency > self.client_timeout:
                self.counts["posted after the client gave up"] += 1
        # The work is shielded: a client that stops waiting does not stop Slack posting.
        work = asyncio.ensure_future(self._slow(latency, method, args, token))
        answer = await asyncio.shield(work)
        return web.json_response(answer, headers=self._scope_header(token))

    async def _slow(
        self, latency: float, method: str, args: dict[str, Any], token: str
    ) -> dict[str, Any]:
        if latency:
            await asyncio.sleep(latency)
        how = "late" if latency > self.client_timeout else "answered"
        return self._do(method, args, token, how)

    def _do(self, method: str, args: dict[str, Any], token: str, how: str) -> dict[str, Any]:
        answer = self._answer(method, args, token)
        if method == "chat.postMessage" and answer.get("ok"):
            metadata = args.get("metadata") or {}
            outbox_id = (metadata.get("event_payload") or {}).get("outbox_id")
            self.posts.append({"outbox_id": outbox_id, "at": time.time(), "how": how})
        return answer

    def _over_tier_3(self, token: str) -> int | None:
        """Seconds to wait if this history call would break Tier 3, else None (and counted)."""
        now = time.monotonic()
        recent = self.history_times.setdefault(token, collections.deque())
        while recent and now - recent[0] >= 60:
            recent.popleft()
        if len(recent) >= TIER_3_PER_MINUTE:
            return max(1, int(60 - (now - recent[0])) + 1)
        recent.append(now)
        self.history_peak = max(self.history_peak, len(recent))
        return None

    # --- what the soak reads -----------------------------------------------------------------

    async def view_for_user(self, request: web.Request) -> web.Response:
        user = request.query["user"]
        mine = [view for shown_to, view in self.shown if shown_to == user]
        return web.json_response({"count": len(mine), "view": mine[-1] if mine else None})

    async def view_by_id(self, request: web.Request) -> web.Response:
        return web.json_response({"view": self.views.get(request.query["id"])})

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "posts": self.posts,
                "counts": dict(self.counts),
                "history_peak_per_minute": self.history_peak,
            }
        )


def _refuse(status: int, error: str, retry_after: int | None = None) -> web.Response:
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return web.json_response({"ok": False, "error": error}, status=status, headers=headers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--client-timeout", type=float, required=True)
    parser.add_argument("--team", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--people", type=int, required=True)
    args = parser.parse_args()
    fake_slack_api.HISTORY_LIMIT = HISTORY_PAGE_MAX  # the test fake's default is 15
    fake = SoakSlack(args.seed, args.client_timeout)
    fake.add_team(args.team, "Soak Primary School", args.token)
    for number in range(1, args.people + 1):
        fake.add_user(
            FakeUser(user_id(number), args.team, email(number), f"Soak Person {number:03d}")
        )
    web.run_app(fake.make_app(), host="127.0.0.1", port=args.port, access_log=None, print=None)


def user_id(number: int) -> str:
    return f"U{number:04d}SOAK"


def email(number: int) -> str:
    return f"person{number:03d}@example.org"


if __name__ == "__main__":
    main()
