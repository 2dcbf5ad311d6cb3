"""Safekeep's Slack adapter: one bolt ``AsyncApp`` whose listeners hand every command, button,
form and App Home visit to ``handlers.routes`` and render the reply as Block Kit.

The same app runs over HTTP (``bot/web.py``) and Socket Mode (``python -m bot socket``). The
adapter knows no flow: a new flow registered in ``handlers.routes.FLOWS`` works unchanged.

Slack gives three seconds to answer and to use a trigger_id. Handlers run in a thread; if one
has not answered within ``trigger_budget`` the adapter opens a "one moment" modal first and
updates it when the answer comes, so a slow database never loses the dialog.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import Dispatcher
from bot.runtime import Runtime
from bot.slack import parse, render
from bot.slack.identity import Directory
from bot.turn import Work, take_turn
from handlers import home, routes
from handlers.errors import SORRY
from handlers.replies import Ask, Invalid, Reply, Say

log = logging.getLogger(__name__)

SHORTCUT_BREACH = "report_breach"
SHORTCUT_ACTION = "breach.start"
# A button's action_id is a flow action ("aup.start"), perhaps with a ":N" uniqueness suffix.
ACTION_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+(:\d+)?$")
SEEN_EVENTS = 2000
# Retry reasons meaning Slack gave up waiting for an answer, not that the event never arrived.
TIMEOUT_RETRIES = frozenset({"http_timeout", "timeout"})


@dataclass
class Who:
    """The workspace and user an interaction came from, and the client holding their token."""

    team_id: str
    user_id: str
    client: AsyncWebClient


@dataclass
class SlackAdapter:
    """The bolt app plus what its listeners need: runtime, people directory, dispatcher."""

    rt: Runtime
    dispatcher: Dispatcher
    app: AsyncApp
    directory: Directory
    trigger_budget: float = 1.5  # seconds before a "one moment" modal is opened
    submit_budget: float = 2.4  # seconds a form submission may take before "working on it"
    _seen_events: deque[str] = field(default_factory=lambda: deque(maxlen=SEEN_EVENTS))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.rt.settings.timezone)

    # --- running handlers -------------------------------------------------------------------

    async def run(self, who: Who, work: Work) -> Reply:
        """One turn (bot/turn.py) for the person behind ``who``."""

        async def identify() -> routes.Locate:
            school_id = await self.directory.school_id(who.team_id, who.client)
            person_id = await self.directory.person_id(
                school_id, who.team_id, who.user_id, who.client
            )
            return self.directory.locate(school_id, person_id)

        return await take_turn(
            self.rt.factory, self.rt.clock, "slack", identify, work, self.dispatcher.wake
        )

    @staticmethod
    async def within(work: Awaitable[Reply], budget: float) -> tuple[asyncio.Future[Reply], bool]:
        """Start the work; report whether it finished inside the budget."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=budget)
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

    async def mark_done(self, who: Who, origin: dict[str, Any] | None) -> None:
        """Take the buttons off the DM whose action is now done, saying what was done."""
        if not origin or not origin.get("c") or not origin.get("ts"):
            return
        when = self.rt.clock().astimezone(self.tz).strftime("%a %-d %b %H:%M")
        outcome = f":white_check_mark: {origin.get('l') or 'Done'} · {when}"
        await who.client.chat_update(
            channel=origin["c"],
            ts=origin["ts"],
            **render.done_message(str(origin.get("t") or ""), outcome),
        )

    async def publish_home(self, who: Who) -> None:
        reply = await self.run(who, home.outstanding)
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


def who_from(context: AsyncBoltContext) -> Who:
    return Who(str(context.team_id or ""), str(context.user_id or ""), context.client)


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


# --- building the app -------------------------------------------------------------------------


def make_client(settings_api_url: str, token: str | None = None) -> AsyncWebClient:
    """A Web API client for listeners: retries 429s (nothing happened) and lost connections."""
    return AsyncWebClient(
        token=token,
        base_url=settings_api_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


def build(rt: Runtime, dispatcher: Dispatcher, *, socket_mode: bool = False) -> SlackAdapter:
    """The bolt app: multi-workspace OAuth when SLACK_CLIENT_ID/SECRET are set, else one
    workspace with SLACK_BOT_TOKEN. Socket Mode needs no signing secret (Slack's socket is
    already authenticated by the app-level token)."""
    settings = rt.settings
    multi = bool(settings.slack_client_id and settings.slack_client_secret)
    client = make_client(settings.slack_api_url, None if multi else settings.slack_bot_token)
    options: dict[str, Any] = {}
    if multi:
        from bot.slack import oauth

        store = oauth.installation_store(settings, rt.engine)
        options = {
            "installation_store": store,
            "authorize": oauth.authorize(settings, store, client),
            "oauth_settings": oauth.oauth_settings(settings, store, rt.engine),
        }
    app = AsyncApp(
        name="safekeep",
        client=client,
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=not socket_mode,
        **options,
    )
    if multi:
        app.enable_token_revocation_listeners()
    directory = Directory(rt, None if multi else settings.school_config)
    adapter = SlackAdapter(rt, dispatcher, app, directory)
    register(adapter)
    return adapter


def register(adapter: SlackAdapter) -> None:
    """Attach Safekeep's listeners to the bolt app."""
    app = adapter.app

    @app.middleware
    async def skip_retried_events(
        req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        """Slack resends an event it thinks we missed; don't act on one twice.

        The seen-set lives in this process only, so a retry that reaches another web process is
        handled again. That is acceptable because the only event Safekeep handles is
        app_home_opened, whose handling (redrawing the App Home) is idempotent: every action
        with an effect arrives as a command, button or form, which Slack never retries."""
        body = req.body or {}
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            attempt, reason = retry_of(req)
            # A retry after a timeout means the first delivery did arrive and is in hand.
            if attempt and (event_id in adapter._seen_events or reason in TIMEOUT_RETRIES):
                return BoltResponse(status=200, body="")
            adapter._seen_events.append(event_id)
        return await next()

    @app.command(re.compile(r"^/.+$"))
    async def on_command(ack: Any, body: dict[str, Any], context: AsyncBoltContext) -> None:
        who = who_from(context)
        work = routes.command(body.get("command", ""), body.get("text") or "")
        task, in_time = await adapter.within(adapter.run(who, work), adapter.trigger_budget)
        if not in_time:
            await ack()
            opened = await who.client.views_open(
                trigger_id=body["trigger_id"], view=render.waiting_view()
            )
            await adapter.update_reply(who, opened["view"]["id"], await task)
            return
        reply = task.result()
        if isinstance(reply, Ask):
            await ack()
            await adapter.open_reply(who, body["trigger_id"], reply)
            return
        if isinstance(reply, Invalid):
            reply = Say("\n".join(reply.errors.values()))
        await ack(**render.ephemeral(reply))

    @app.action(ACTION_ID)
    async def on_button(ack: Any, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        who = who_from(context)
        pressed = body["actions"][0]
        label = str((pressed.get("text") or {}).get("text") or "")
        value = pressed.get("value") or ""
        work = routes.press(render.action_name(pressed["action_id"]), "" if value == "-" else value)
        await show_press(adapter, who, body, work, origin_of(body, label))

    @app.shortcut(SHORTCUT_BREACH)
    async def on_shortcut(ack: Any, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await show_press(adapter, who_from(context), body, routes.press(SHORTCUT_ACTION, ""), None)

    @app.view(re.compile(r"^(?!safekeep\.).+"))
    async def on_submit(ack: Any, body: dict[str, Any], context: AsyncBoltContext) -> None:
        who = who_from(context)
        view = body["view"]
        form_id, state, origin = render.read_metadata(view.get("private_metadata", ""))
        raw, users = parse.raw_answers((view.get("state") or {}).get("values") or {})
        task, in_time = await adapter.within(
            adapter.submit(who, form_id, raw, users, state), adapter.submit_budget
        )
        if not in_time:
            await ack(response_action="update", view=render.waiting_view(render.WORKING))
            reply = await task
            if isinstance(reply, Invalid):
                await who.client.views_update(
                    view_id=view["id"], view=render.errors_view(view, reply.errors)
                )
            else:
                await adapter.update_reply(who, view["id"], reply, origin)
            if isinstance(reply, Say):
                await adapter.mark_done(who, origin)
            return
        reply = task.result()
        if isinstance(reply, Invalid):
            await ack(**errors_response(view, reply))
            return
        await ack(response_action="update", view=adapter.reply_view(reply, origin))
        if isinstance(reply, Say):
            await adapter.mark_done(who, origin)

    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], context: AsyncBoltContext) -> None:
        if event.get("tab", "home") == "home":
            await adapter.publish_home(who_from(context))

    @app.error
    async def on_error(error: Exception) -> None:
        # Never log payloads: they may hold what staff typed.
        log.error("Slack listener failed: %s", type(error).__name__)


async def show_press(
    adapter: SlackAdapter,
    who: Who,
    body: dict[str, Any],
    work: Work,
    origin: dict[str, Any] | None,
) -> None:
    """Run a button or shortcut and show the result where it was pressed."""
    trigger_id = body.get("trigger_id", "")
    container = body.get("container") or {}
    in_modal = container.get("type") == "view" and (body.get("view") or {}).get("type") == "modal"
    task, in_time = await adapter.within(adapter.run(who, work), adapter.trigger_budget)
    if in_modal:
        await adapter.update_reply(who, body["view"]["id"], await task, origin)
    elif in_time:
        await adapter.open_reply(who, trigger_id, task.result(), origin)
    else:
        opened = await who.client.views_open(trigger_id=trigger_id, view=render.waiting_view())
        await adapter.update_reply(who, opened["view"]["id"], await task, origin)
    reply = task.result()
    if isinstance(reply, Say):
        await adapter.mark_done(who, origin)
    if (body.get("view") or {}).get("type") == "home":
        await adapter.publish_home(who)


def errors_response(view: dict[str, Any], invalid: Invalid) -> dict[str, Any]:
    """``response_action: errors`` keyed by the input blocks the form really has."""
    inputs = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]
    errors: dict[str, str] = {}
    for name, message in invalid.errors.items():
        target = name if name in inputs else (inputs[0] if inputs else None)
        if target is None:
            continue
        errors[target] = f"{errors[target]} {message}" if target in errors else message
    if not errors:
        return {
            "response_action": "update",
            "view": render.say_view(Say(" ".join(invalid.errors.values()))),
        }
    return {"response_action": "errors", "errors": errors}
