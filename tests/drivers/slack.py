"""A test bot for the Slack adapter: signs payloads exactly as Slack does, posts them to the real
Safekeep web app over HTTP, and reads back what reached the fake Slack Web API.

Both servers run on 127.0.0.1 in one background event loop. Every call waits until the app has
finished all the work the request started (views opened after the ack, DMs, chat.update), so a
test can assert at once, without sleeping.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from tests.drivers.fake_slack_api import FakeSlack, FakeUser
from tests.drivers.signing import SIGNING_SECRET, sign
from tests.slack.blockkit import check_everything_sent

T = TypeVar("T")
TEAM_ID = "T0DEMO"
BOT_TOKEN = "xoxb-demo-token"
APP_ID = "A0SAFEKEEP"
LONDON = ZoneInfo("Europe/London")
# aiohttp tasks that live as long as a connection, not as long as a request.
CONNECTION_TASKS = ("RequestHandler.start", "RequestHandler._handle_request")


@dataclass
class SlackResponse:
    status: int
    text: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def json(self) -> Any:
        return json.loads(self.text) if self.text.strip().startswith("{") else None


class ServerThread:
    """An event loop in a thread, hosting aiohttp apps on free local ports."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runners: list[web.AppRunner] = []
        self.baseline: set[asyncio.Task[Any]] = set()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def serve(self, app: web.Application, ssl_context: ssl.SSLContext | None = None) -> int:
        async def start() -> int:
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
            await site.start()
            self.runners.append(runner)
            return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

        port = self.call(start())
        self.baseline = self.call(self._tasks())
        return port

    async def _tasks(self) -> set[asyncio.Task[Any]]:
        return set(asyncio.all_tasks()) - {asyncio.current_task()}  # type: ignore[arg-type]

    def settle(self, timeout: float = 20) -> None:
        """Wait until work started by the last request (after its ack) has finished."""

        async def wait() -> None:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                busy = [
                    t
                    for t in asyncio.all_tasks()
                    if t is not asyncio.current_task()
                    and t not in self.baseline
                    and t.get_coro().__qualname__ not in CONNECTION_TASKS  # type: ignore[union-attr]
                ]
                if not busy:
                    return
                await asyncio.wait(busy, timeout=deadline - time.monotonic())
            raise TimeoutError("the app was still busy")

        self.call(wait(), timeout + 5)

    def stop(self) -> None:
        async def cleanup() -> None:
            for runner in self.runners:
                await runner.cleanup()

        self.call(cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


WAITING = "safekeep.waiting"  # the view the adapter shows while a slow answer is on its way


def late_errors(view: dict[str, Any]) -> dict[str, str]:
    """The problems a form shown again late carries under its fields (render.errors_view), as
    ``response_action: errors`` would have named them."""
    found: dict[str, str] = {}
    for block in view.get("blocks", []):
        block_id = str(block.get("block_id", ""))
        if block.get("type") == "context" and block_id.startswith("error_"):
            text = block["elements"][0].get("text", "")
            found[block_id.removeprefix("error_")] = text.removeprefix(":warning: ")
    return found


class SlackBot:
    """Drive Safekeep as Slack would: signed requests in, what reached the fake Web API out."""

    def __init__(self, fake: FakeSlack, server: ServerThread, app_url: str, adapter: Any) -> None:
        self.fake = fake
        self.server = server
        self.app_url = app_url.rstrip("/")
        self.adapter = adapter
        self.team_id = TEAM_ID
        self.secret = SIGNING_SECRET
        self._ids = itertools.count(1)

    @property
    def keep_waiting(self) -> bool:
        """A test of the "working on it" path lowers the adapter's budget: show it that answer."""
        return self.adapter.submit_budget < 1.0

    # --- people -----------------------------------------------------------------------------

    def user_id(self, email: str) -> str:
        for user in self.fake.users.values():
            if user.email == email and user.team_id == self.team_id:
                return user.id
        raise KeyError(f"no fake Slack user with the email {email}")

    def add_user(self, email: str | None, name: str, **flags: Any) -> str:
        user_id = f"U{next(self._ids):04d}X{self.team_id[1:]}"
        self.fake.add_user(FakeUser(user_id, self.team_id, email, name, **flags))
        return user_id

    def _user(self, email: str) -> dict[str, str]:
        user_id = self.user_id(email)
        return {"id": user_id, "username": email.split("@")[0], "team_id": self.team_id}

    def trigger(self, email: str) -> str:
        return f"{next(self._ids)}.{self.user_id(email)}.trigger"

    # --- requests ---------------------------------------------------------------------------

    def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None
    ) -> SlackResponse:
        all_headers = {
            "Content-Type": content_type,
            "Connection": "close",
            **sign(body, self.secret),
        }
        all_headers.update(headers or {})
        request = urllib.request.Request(
            f"{self.app_url}/slack/events", data=body.encode(), headers=all_headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                response = SlackResponse(
                    answer.status, answer.read().decode(), dict(answer.headers)
                )
        except urllib.error.HTTPError as error:
            response = SlackResponse(error.code, error.read().decode(), dict(error.headers))
        self.server.settle()
        return response

    def post_payload(
        self, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> SlackResponse:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", headers)

    def command_form(
        self, name: str, text: str = "", as_: str = "teacher@example.org"
    ) -> dict[str, str]:
        """The fields Slack sends for a slash command (form-encoded over HTTP)."""
        user = self._user(as_)
        return {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "team_domain": "demo",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user["id"],
            "user_name": user["username"],
            "command": name if name.startswith("/") else f"/{name}",
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": "https://hooks.slack.com/commands/T0DEMO/1/abc",
            "trigger_id": self.trigger(as_),
        }

    def command(self, name: str, text: str = "", as_: str = "teacher@example.org") -> SlackResponse:
        """A signed slash command, e.g. ``slack.command("/aup", "status", as_=...)``."""
        form = self.command_form(name, text, as_)
        return self.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded")

    def open_view(self, as_: str = "teacher@example.org") -> dict[str, Any]:
        """The last view opened, pushed or updated for this person."""
        user_id = self.user_id(as_)
        for user, view in reversed(self.fake.shown):
            if user == user_id:
                return view
        raise AssertionError(f"no view was opened for {as_}")

    def submission(
        self, view: dict[str, Any], answers: dict[str, Any], as_: str = "teacher@example.org"
    ) -> dict[str, Any]:
        """A view_submission payload with the view's inputs filled from simple answers."""
        submitted = dict(view)
        submitted.setdefault("id", f"V{next(self._ids):05d}")
        submitted["state"] = {"values": self.state_values(view, answers)}
        submitted.update({"team_id": self.team_id, "app_id": APP_ID, "hash": "1.abc"})
        return {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": "demo"},
            "user": self._user(as_),
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "trigger_id": self.trigger(as_),
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
        }

    def submit(
        self, view: dict[str, Any], answers: dict[str, Any], as_: str = "teacher@example.org"
    ) -> SlackResponse:
        """Fill the view's inputs with simple answers and post a signed view_submission."""
        payload = self.submission(view, answers, as_)
        submitted = payload["view"]
        before = len(self.fake.shown)
        response = self.post_payload(payload)
        body = response.json or {}
        if body.get("response_action") in ("update", "push"):
            # The answer to the request came first; anything the listener showed after acking
            # (a slow answer replacing "working on it") came later, so it stays on top.
            shown = dict(body["view"], id=submitted["id"])
            self.fake.shown.insert(before, (self.user_id(as_), shown))
        if (body.get("view") or {}).get("callback_id") == WAITING and not self.keep_waiting:
            # On a busy host the adapter answers "working on it" within Slack's three seconds and
            # shows the answer by views.update once it is ready: read what the person ends up
            # seeing, so a test does not depend on the host's speed.
            latest = self.fake.views.get(submitted["id"])
            if latest is not None and latest.get("callback_id") != WAITING:
                final: dict[str, Any] = {"response_action": "update", "view": latest}
                errors = late_errors(latest)
                if latest.get("callback_id") == submitted.get("callback_id") and errors:
                    final = {"response_action": "errors", "errors": errors}
                return SlackResponse(response.status, json.dumps(final), response.headers)
        return response

    def state_values(self, view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
        """``view.state.values`` in the shape each Block Kit input really sends."""
        values: dict[str, Any] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            element = block["element"]
            answer = answers.get(block["block_id"])
            values[block["block_id"]] = {element["action_id"]: self._value(element, answer)}
        return values

    def _value(self, element: dict[str, Any], answer: Any) -> dict[str, Any]:
        kind = element["type"]
        options = {o["value"]: o for o in element.get("options", [])}
        if kind == "plain_text_input":
            return {"type": kind, "value": None if answer in (None, "") else str(answer)}
        if kind in ("static_select", "radio_buttons"):
            picked = options.get(str(answer)) if answer is not None else None
            if picked is None and answer is not None:
                picked = {"text": {"type": "plain_text", "text": str(answer)}, "value": str(answer)}
            return {"type": kind, "selected_option": picked}
        if kind in ("checkboxes", "multi_static_select"):
            chosen = [answer] if isinstance(answer, str) else list(answer or [])
            return {
                "type": kind,
                "selected_options": [
                    options.get(v, {"text": {"type": "plain_text", "text": v}, "value": v})
                    for v in chosen
                ],
            }
        if kind == "datepicker":
            day = answer.isoformat() if isinstance(answer, date) else answer
            return {"type": kind, "selected_date": day}
        if kind == "datetimepicker":
            moment = datetime.fromisoformat(answer) if isinstance(answer, str) else answer
            if moment is not None and moment.tzinfo is None:
                moment = moment.replace(tzinfo=LONDON)
            return {"type": kind, "selected_date_time": int(moment.timestamp()) if moment else None}
        if kind == "users_select":
            user = self.user_id(answer) if isinstance(answer, str) and "@" in answer else answer
            return {"type": kind, "selected_user": user}
        raise AssertionError(f"the test bot cannot fill a {kind}")

    def press(
        self,
        action: str,
        value: str = "",
        as_: str = "teacher@example.org",
        where: str = "auto",
        dm_of: str | None = None,
    ) -> SlackResponse:
        """A signed block_actions payload for a button (from the DM that has it, else App Home).

        ``dm_of`` presses a button in somebody else's DM, as a payload copied from theirs would.
        """
        user = self._user(as_)
        label, container, extra = action, {}, {}
        owner = self._user(dm_of)["id"] if dm_of else user["id"]
        message = self._dm_with_button(owner, action, value) if where in ("auto", "dm") else None
        if message is not None:
            call, button = message
            label = button["text"]["text"]
            container = {
                "type": "message",
                "message_ts": call["ts"],
                "channel_id": call["channel"],
                "is_ephemeral": False,
            }
            extra = {
                "channel": {"id": call["channel"], "name": "directmessage"},
                "message": {
                    "type": "message",
                    "ts": call["ts"],
                    "text": call["args"].get("text"),
                    "blocks": call["args"].get("blocks"),
                },
            }
        else:
            home_id = f"VH{user['id']}"
            container = {"type": "view", "view_id": home_id}
            extra = {
                "view": {
                    "id": home_id,
                    "type": "home",
                    "blocks": [],
                    "private_metadata": "",
                    "callback_id": "",
                    "state": {"values": {}},
                }
            }
        payload = {
            "type": "block_actions",
            "team": {"id": self.team_id, "domain": "demo"},
            "user": user,
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "container": container,
            "trigger_id": self.trigger(as_),
            "is_enterprise_install": False,
            "actions": [
                {
                    "action_id": action,
                    "block_id": "buttons0",
                    "text": {"type": "plain_text", "text": label, "emoji": True},
                    "value": value or "-",
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
            **extra,
        }
        return self.post_payload(payload)

    def _dm_with_button(
        self, user_id: str, action: str, value: str
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        for call in reversed(self.dms_to_user(user_id)):
            for block in call["args"].get("blocks") or []:
                for element in block.get("elements", []):
                    if (
                        element.get("type") == "button"
                        and element["action_id"].split(":")[0] == action
                        and element.get("value") in (value, value or "-")
                    ):
                        return call, element
        return None

    def shortcut(
        self, callback_id: str = "report_breach", as_: str = "teacher@example.org"
    ) -> SlackResponse:
        payload = {
            "type": "shortcut",
            "callback_id": callback_id,
            "team": {"id": self.team_id, "domain": "demo"},
            "user": self._user(as_),
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "trigger_id": self.trigger(as_),
            "action_ts": f"{time.time():.6f}",
            "is_enterprise_install": False,
        }
        return self.post_payload(payload)

    def event_body(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        """An Events API ``event_callback`` body, as Slack posts it or puts it in an envelope."""
        return {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": self.team_id, "user_id": f"UBOT{self.team_id}", "is_bot": True}
            ],
        }

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> SlackResponse:
        return self.post(json.dumps(self.event_body(event, event_id)), "application/json", headers)

    def home_opened(self, as_: str = "teacher@example.org") -> dict[str, Any]:
        """The app_home_opened event for this person."""
        user_id = self.user_id(as_)
        return {
            "type": "app_home_opened",
            "user": user_id,
            "channel": "D" + user_id[1:],
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }

    def open_home(self, as_: str = "teacher@example.org", **kw: Any) -> SlackResponse:
        return self.event(self.home_opened(as_), **kw)

    def home(self, as_: str = "teacher@example.org") -> dict[str, Any]:
        """The App Home view last published for this person."""
        calls = [
            c
            for c in self.fake.calls_to("views.publish")
            if c["args"].get("user_id") == self.user_id(as_)
        ]
        assert calls, f"no App Home was published for {as_}"
        return calls[-1]["args"]["view"]

    # --- delivery and what reached Slack ----------------------------------------------------

    def deliver(self) -> int:
        """Wait for the DMs a request sent at once, then run the outbox dispatcher once, so
        queued DMs reach the fake Slack; returns how many were sent."""
        sent_at_once = self.server.call(self.adapter.dispatcher.settle())
        return sent_at_once + self.server.call(self.adapter.dispatcher.deliver_due())

    def calls(self, method: str) -> list[dict[str, Any]]:
        """What reached the fake Web API for this method (refused calls included, marked)."""
        return [
            dict(c["args"], _token=c["token"], _refused=c.get("refused"))
            for c in self.fake.calls_to(method)
        ]

    def dms_to_user(self, user_id: str) -> list[dict[str, Any]]:
        """Accepted chat.postMessage calls to this user's DM, with the channel and ts Slack gave."""
        dm = "D" + user_id[1:]
        return [
            {
                "args": c["args"],
                "channel": c.get("channel", dm),
                "ts": c.get("ts"),
                "token": c["token"],
            }
            for c in self.fake.calls_to("chat.postMessage")
            if c["args"].get("channel") in (user_id, dm) and not c.get("refused")
        ]

    def dms_to(self, email: str) -> list[dict[str, Any]]:
        """chat.postMessage calls whose channel is this person's DM."""
        return [d["args"] for d in self.dms_to_user(self.user_id(email))]

    def fail_next(
        self, method: str, status: int = 429, retry_after: int | None = 1, times: int = 1
    ) -> None:
        self.fake.fail_next(method, status, retry_after, times)


# --- the fixture --------------------------------------------------------------------------


def start(
    factory: Any,
    engine: Any,
    clock: Any,
    database_url: str,
    fake: FakeSlack,
    **settings_overrides: Any,
) -> SlackBot:
    """Start the fake Web API and the real Safekeep web app (as ``python -m bot web`` builds it)."""
    from bot.delivery import Dispatcher
    from bot.runtime import Runtime
    from bot.settings import Settings
    from bot.slack.app import build
    from bot.slack.delivery import make_sender
    from bot.web import create_app

    server = ServerThread()
    api_port = server.serve(fake.make_app())
    values: dict[str, Any] = {
        "database_url": database_url,
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": f"http://127.0.0.1:{api_port}/api/",
    }
    values.update(settings_overrides)
    settings = Settings(**values)
    rt = Runtime(settings, engine, factory, clock)
    dispatcher = Dispatcher(factory, {"slack": make_sender(settings, engine, clock)}, clock)
    adapter = build(rt, dispatcher)
    app_port = server.serve(create_app(rt, adapter))
    return SlackBot(fake, server, f"http://127.0.0.1:{app_port}", adapter)


def demo_workspace(fake: FakeSlack) -> None:
    """Team T0DEMO with every demo staff member as a Slack user with their school email."""
    from bot.demo import DEMO_STAFF

    fake.add_team(TEAM_ID, "Demo Primary School", BOT_TOKEN)
    for number, person in enumerate(DEMO_STAFF, start=1):
        fake.add_user(FakeUser(f"U{number:03d}DEMO", TEAM_ID, person.email, person.name))


@pytest.fixture
def slack(
    factory: Any, engine: Any, clock: Any, school: Any, database_url: str
) -> Iterator[SlackBot]:
    """The real Slack adapter over HTTP, with the demo school as Slack workspace T0DEMO.

    On teardown every view and message sent is validated with slack_sdk.models."""
    from storage.database import transaction
    from storage.models import School

    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.platform, row.slack_team_id = "slack", TEAM_ID
    fake = FakeSlack()
    demo_workspace(fake)
    bot = start(factory, engine, clock, database_url, fake)
    try:
        yield bot
    finally:
        bot.server.call(bot.adapter.dispatcher.close())  # the sender's kept-alive connections
        bot.server.stop()
    # Whatever the test did, everything the app sent Slack must be Block Kit that Slack accepts.
    check_everything_sent(fake)
