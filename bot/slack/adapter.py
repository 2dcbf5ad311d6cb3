"""What Safekeep's Slack listeners share: who a request is from, one turn (bot/turn.py) for
them, and showing a reply as Block Kit (a modal, an updated DM, the App Home).

Slack gives three seconds to answer and to use a trigger_id. Handlers run in a thread; if one
has not answered within ``trigger_budget`` the listener opens a "one moment" modal first and
updates it when the answer comes, so a slow database never loses the dialog. The budgets count
from the request's arrival (``Who.arrived``), as Slack's seconds do, not from when the listener
started: on a busy event loop a request can wait its turn before then.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import ClientSession, ClientTimeout
from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import Dispatcher
from bot.runtime import Runtime
from bot.slack import render
from bot.slack.identity import Directory
from bot.turn import Quick, Work, take_turn
from handlers import routes
from handlers.errors import SORRY
from handlers.replies import Ask, Invalid, Reply, Say, done_note

log = logging.getLogger(__name__)

SEEN_EVENTS = 2000
# The bolt request context's key for when the request arrived (the adapter's ``monotonic``).
ARRIVED = "safekeep_arrived"
# Retry reasons meaning Slack gave up waiting for an answer, not that the event never arrived.
TIMEOUT_RETRIES = frozenset({"http_timeout", "timeout"})


@dataclass
class Who:
    """The workspace and user an interaction came from, and the client holding their token;
    ``locate`` is their school and person, looked up once for the request."""

    team_id: str
    user_id: str
    client: AsyncWebClient
    adapter: SlackAdapter | None = field(default=None, repr=False)
    interaction_id: str | None = None  # the request's trigger id (or its view's id)
    arrived: float = 0.0  # when the request arrived, on the adapter's ``monotonic`` clock
    _located: routes.Locate | None = field(default=None, repr=False)

    async def locate(self) -> routes.Locate:
        if self._located is None:
            if self.adapter is None:
                raise RuntimeError("this Who was not made by the adapter's middleware")
            self._located = await self.adapter.identify(self)
        return self._located


@dataclass
class SlackAdapter:
    """The bolt app plus what its listeners need: runtime, people directory, dispatcher."""

    rt: Runtime
    dispatcher: Dispatcher
    app: AsyncApp
    directory: Directory
    trigger_budget: float = 1.5  # seconds before a "one moment" modal is opened
    submit_budget: float = 2.4  # seconds a form submission may take before "working on it"
    single_workspace: bool = True  # one bot token: requests from any other team are refused
    # The clock the budgets are measured on (seconds; tests pass their own).
    monotonic: Callable[[], float] = time.monotonic
    quick: Quick | None = None  # quick read-only turns run in place (SQLite; bot/turn.py)
    _seen_events: deque[str] = field(default_factory=lambda: deque(maxlen=SEEN_EVENTS))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.rt.settings.timezone)

    # --- the Web API connection -------------------------------------------------------------

    async def open_connections(self, *_: object) -> None:
        """Keep the listeners' Web API connections alive between calls (bolt gives each
        request's client the app client's session): a new connection per ``views.open`` was a
        tenth of a request's time. Called in the event loop that serves the app, where the
        session must be made; without it (Socket Mode) each call opens its own connection."""
        client = self.app.client
        if client.session is None or client.session.closed:
            client.session = ClientSession(timeout=ClientTimeout(total=client.timeout))

    async def close_connections(self, *_: object) -> None:
        session, self.app.client.session = self.app.client.session, None
        if session is not None:
            await session.close()
        if self.quick is not None:
            self.quick.close()

    # --- running handlers -------------------------------------------------------------------

    async def run(self, who: Who, work: Work) -> Reply:
        """One turn (bot/turn.py) for the person behind ``who``, identified once per request."""
        return await take_turn(
            self.rt.factory,
            self.rt.clock,
            "slack",
            who.locate,
            work,
            self.dispatcher,
            who.interaction_id,
            self.quick,
        )

    async def identify(self, who: Who) -> routes.Locate:
        """The school (created on first use) and the person behind a request."""
        school_id = await self.directory.school_id(who.team_id, who.client)
        person_id = await self.directory.person_id(school_id, who.team_id, who.user_id, who.client)
        return self.directory.locate(school_id, person_id)

    # --- middleware ---------------------------------------------------------------------------

    def middleware(self) -> AsyncMiddleware:
        """The one bolt middleware: a retried event is dropped, anything else gets ``who``."""
        return _Middleware(self)

    def is_retried_event(self, req: AsyncBoltRequest) -> bool:
        """Slack resends an event it thinks we missed; don't act on one twice.

        The seen-set lives in this process only, so a retry that reaches another web process is
        handled again. That is acceptable because the only event Safekeep handles is
        app_home_opened, whose handling (redrawing the App Home) is idempotent: every action
        with an effect arrives as a command, button or form, which Slack never retries."""
        body = req.body or {}
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id:
            return False
        attempt, reason = retry_of(req)
        # A retry after a timeout means the first delivery did arrive and is in hand.
        if attempt and (event_id in self._seen_events or reason in TIMEOUT_RETRIES):
            return True
        self._seen_events.append(event_id)
        return False

    async def resolve_caller(
        self, req: AsyncBoltRequest, next: Callable[[], Awaitable[BoltResponse | None]]
    ) -> BoltResponse | None:
        """Put ``who`` in the context: the workspace, the user and their client, resolved to a
        school and a person once for the request. The lookup itself waits until a listener runs
        a turn, so it counts against Slack's window like the handler does, and an event that
        needs nobody (an uninstall, the Messages tab) creates no school."""
        context, body = req.context, req.body
        own = context.authorize_result.team_id if context.authorize_result else None
        if self.single_workspace and own and context.team_id and context.team_id != own:
            log.warning("refused a request from a Slack workspace this install does not serve")
            await self.directory.refuse_foreign(own, str(context.team_id))
            return BoltResponse(status=403, body="")
        view_id = (body.get("view") or {}).get("id") if isinstance(body, dict) else None
        trigger_id = body.get("trigger_id") if isinstance(body, dict) else None
        arrived = context.get(ARRIVED)  # set by the web server; Socket Mode: from now
        context["who"] = Who(
            str(context.team_id or ""),
            str(context.user_id or ""),
            context.client,
            self,
            interaction_id=str(trigger_id or view_id or "") or None,
            arrived=self.monotonic() if arrived is None else arrived,
        )
        return await next()

    async def within(
        self, who: Who, work: Awaitable[Reply], budget: float
    ) -> tuple[asyncio.Future[Reply], bool]:
        """Start the work; report whether it finished inside the budget, counted from the
        request's arrival: Slack's seconds (and bolt's) began before the listener did, and on a
        busy event loop a request can wait its turn for a while. A budget already spent is not
        waited on at all."""
        task = asyncio.ensure_future(work)
        left = budget - (self.monotonic() - who.arrived)
        if left <= 0:
            return task, False
        done, _ = await asyncio.wait({task}, timeout=left)
        return task, bool(done)

    async def submit(
        self,
        who: Who,
        form_id: str,
        raw: dict[str, Any],
        users: dict[str, str],
        state: dict[str, Any],
    ) -> Reply:
        """A form submission: person fields mapped to staff (which may ask Slack's users.info),
        then the handler. Both count against the submission budget, and a failure in either is
        the apology, never an error page that makes Slack send the form again."""
        try:
            answers = {**raw, **await self.person_answers(who, users)}
        except Exception:
            log.exception("a Slack person field could not be matched to the staff list")
            return Say(SORRY)
        return await self.run(who, routes.submit(form_id, answers, state))

    async def person_answers(self, who: Who, users: dict[str, str]) -> dict[str, str]:
        """Person fields: Slack user ids -> staff ids ("" when not on the staff list)."""
        if not users:
            return {}
        school_id = await self.directory.school_id(who.team_id, who.client)
        found: dict[str, str] = {}
        for name, user_id in users.items():
            person_id = await self.directory.person_id(school_id, who.team_id, user_id, who.client)
            found[name] = str(person_id) if person_id is not None else ""
        return found

    # --- showing replies --------------------------------------------------------------------

    async def open_reply(
        self, who: Who, trigger_id: str, reply: Reply, origin: dict[str, Any] | None = None
    ) -> None:
        """Show a reply in a new modal (a form, or a closing message)."""
        await who.client.views_open(trigger_id=trigger_id, view=self.reply_view(reply, origin))

    async def update_reply(
        self, who: Who, view_id: str, reply: Reply, origin: dict[str, Any] | None = None
    ) -> None:
        await who.client.views_update(view_id=view_id, view=self.reply_view(reply, origin))

    def reply_view(self, reply: Reply, origin: dict[str, Any] | None = None) -> dict[str, Any]:
        if isinstance(reply, Ask):
            return self.form_view(reply, origin)
        if isinstance(reply, Invalid):
            return render.say_view(Say("\n".join(reply.errors.values())))
        return render.say_view(reply)

    @staticmethod
    def form_view(ask: Ask, origin: dict[str, Any] | None) -> dict[str, Any]:
        try:
            return render.form_view(ask.form, origin)
        except render.MetadataTooLarge:
            if origin is None:
                raise
            return render.form_view(ask.form)  # the dialog matters more than tidying the DM

    async def mark_done(self, who: Who, origin: dict[str, Any] | None, reply: Reply) -> None:
        """Take the buttons off the DM whose action is now done, saying what was done.

        Only a reply the handler marked done does this: a refused press, a lapsed request or
        one somebody else already answered leaves the DM and its buttons as they were."""
        if not (isinstance(reply, Say) and reply.done):
            return
        if not origin or not origin.get("c") or not origin.get("ts"):
            return
        done = done_note(str(origin.get("l") or ""), self.rt.clock().astimezone(self.tz))
        outcome = f":white_check_mark: {done}"
        await who.client.chat_update(
            channel=origin["c"],
            ts=origin["ts"],
            **render.done_message(str(origin.get("t") or ""), outcome),
        )

    async def publish_home(self, who: Who) -> None:
        reply = await self.run(who, routes.home_page())
        say = reply if isinstance(reply, Say) else Say(SORRY)
        await who.client.views_publish(user_id=who.user_id, view=render.home_view(say))


def retry_of(req: AsyncBoltRequest) -> tuple[int, str]:
    """Which delivery of an event this is (0: the first) and why Slack sent it again.

    Over HTTP Slack sends X-Slack-Retry-Num and X-Slack-Retry-Reason. In Socket Mode the
    envelope carries ``retry_attempt`` and ``retry_reason`` beside the payload (0 and "" on a
    first delivery), and bolt's Socket Mode adapter copies them into the same two headers."""
    number = (req.headers.get("x-slack-retry-num") or ["0"])[0]
    reason = (req.headers.get("x-slack-retry-reason") or [""])[0]
    return (int(number) if number.isdigit() else 0), reason


def origin_of(body: dict[str, Any], label: str) -> dict[str, Any] | None:
    """The DM a button was pressed in, so it can be updated when its action is done."""
    container = body.get("container") or {}
    if container.get("type") != "message" or container.get("is_ephemeral"):
        return None
    text = str((body.get("message") or {}).get("text") or "")
    return {
        "c": container.get("channel_id"),
        "ts": container.get("message_ts"),
        "l": label[:75],
        "t": text[:600],
    }


class _Middleware(AsyncMiddleware):
    """The adapter's middleware as an object: bolt hands it the request as it is, where for a
    function middleware it builds every argument a listener could ask for (ack, say, respond,
    a client...), which cost more than the middleware's own work (issue #15)."""

    def __init__(self, adapter: SlackAdapter) -> None:
        self.adapter = adapter

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse | None]],
    ) -> BoltResponse | None:
        if self.adapter.is_retried_event(req):
            return BoltResponse(status=200, body="")
        return await self.adapter.resolve_caller(req, next)
