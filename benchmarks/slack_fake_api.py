"""The fake Slack Web API of the tests (tests/drivers/fake_slack_api.py) in a process of its own,
for bench_slack.py: the demo workspace (team T0DEMO, the demo staff as users), plus

- ``/bench/feed``: a WebSocket that reports every Web API call as it arrives: the method, the
  time it arrived (``time.monotonic()``, the same clock in every process on one machine), and
  what identifies it (trigger id, view id, channel, and a "Breach #N" number in its text);
- ``GET /bench/views/{view_id}``: a view the fake showed, to fill in the next step of a form;
- ``GET /bench/ping``: 200 once the fake listens;
- for bench_delivery.py: ``--workspaces N`` more workspaces (``bench_workspace``), ``POST
  /bench/latency?ms=N`` to answer every Web API call that much later, ``GET /bench/posts`` (how
  many times each outbox id was posted) and ``POST /bench/reset`` (forget every call and post).

Run: ``python benchmarks/slack_fake_api.py --port 8123`` (bench_slack.py and bench_delivery.py
start it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from tests.drivers.fake_slack_api import FakeSlack  # noqa: E402
from tests.drivers.slack import demo_workspace  # noqa: E402

BREACH_NUMBER = re.compile(r"Breach #(\d+)")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def bench_workspace(number: int) -> tuple[str, str]:
    """The team id and bot token of bench_delivery.py's workspace ``number`` (from 1)."""
    return f"TB{number:05d}", f"xoxb-bench-{number}"


def make_app(fake: FakeSlack) -> web.Application:
    feeds: set[web.WebSocketResponse] = set()
    tasks: set[asyncio.Task[None]] = set()
    latency = [0.0]  # seconds each Web API call waits before it is answered

    async def send(event: str) -> None:
        for ws in list(feeds):
            if not ws.closed:
                await ws.send_str(event)

    @web.middleware
    async def timed(request: web.Request, handler: Handler) -> web.StreamResponse:
        arrived = time.monotonic()
        if not request.path.startswith("/api/"):
            return await handler(request)
        if latency[0]:
            await asyncio.sleep(latency[0])
        response = await handler(request)
        # The fake's handler does not yield after recording the call: the last one is this one.
        call = fake.calls[-1] if fake.calls else {}
        args: dict[str, Any] = call.get("args") or {}
        event: dict[str, Any] = {
            "m": call.get("method"),
            "t": arrived,
            "trigger": args.get("trigger_id"),
            "view_id": call.get("view_id") or args.get("view_id"),
            "channel": args.get("channel"),
        }
        if event["m"] in ("chat.postMessage", "views.update"):
            found = BREACH_NUMBER.search(str(args.get("text") or "") + json.dumps(args.get("view")))
            event["ref"] = found.group(1) if found else None
        if feeds:
            task = asyncio.ensure_future(send(json.dumps(event)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        return response

    async def feed(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        feeds.add(ws)
        try:
            async for _ in ws:
                pass
        finally:
            feeds.discard(ws)
        return ws

    async def view(request: web.Request) -> web.Response:
        shown = fake.views.get(request.match_info["view_id"])
        if shown is None:
            return web.json_response({"error": "no such view"}, status=404)
        return web.json_response(shown)

    async def ping(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def set_latency(request: web.Request) -> web.Response:
        latency[0] = float(request.query["ms"]) / 1000
        return web.Response(text="ok")

    async def posts(request: web.Request) -> web.Response:
        """How many times each outbox id (message metadata) was posted, over every DM."""
        counts: dict[str, int] = {}
        for messages in fake.messages.values():
            for message in messages:
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if "outbox_id" in payload:
                    key = str(payload["outbox_id"])
                    counts[key] = counts.get(key, 0) + 1
        return web.json_response(counts)

    async def reset(request: web.Request) -> web.Response:
        fake.calls.clear()
        fake.messages.clear()
        return web.Response(text="ok")

    app = fake.make_app()
    app.middlewares.append(timed)
    app.router.add_get("/bench/feed", feed)
    app.router.add_get("/bench/views/{view_id}", view)
    app.router.add_get("/bench/ping", ping)
    app.router.add_post("/bench/latency", set_latency)
    app.router.add_get("/bench/posts", posts)
    app.router.add_post("/bench/reset", reset)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workspaces", type=int, default=0, help="bench workspaces to add")
    args = parser.parse_args()
    fake = FakeSlack()
    demo_workspace(fake)
    for number in range(1, args.workspaces + 1):
        team, token = bench_workspace(number)
        fake.add_team(team, f"Bench school {number}", token)
    web.run_app(make_app(fake), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
