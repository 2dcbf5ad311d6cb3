"""Safekeep's Teams agent: every message, card submit and install in a personal chat becomes
one turn (bot/turn.py), and its reply is shown as an Adaptive Card.

- A typed command (``offsite``, ``/breach``, ``help``) answers with a new card.
- A form's submit updates that card in place: the problems under their fields, the next step,
  or the outcome (so its button cannot be pressed twice).
- A button in a DM runs its action: a form opens as a new card; an outcome is a new message and
  the DM is updated in place, without its buttons, saying what was done.
- Installing the app, or any message, stores the person's conversation reference so the outbox
  can DM them after restarts.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import deque
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from microsoft_agents.activity import Activity, Attachment
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from bot.delivery import Dispatcher
from bot.runtime import Runtime
from bot.teams import parse, render
from bot.teams.identity import Directory
from bot.turn import Work, take_turn
from handlers import people, routes
from handlers.context import Context
from handlers.errors import is_apology
from handlers.forms import Form
from handlers.replies import Ask, Invalid, Reply, Say, done_note

log = logging.getLogger(__name__)

MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE)
INSTALLS = ("conversationUpdate", "installationUpdate")
ANSWERED_KEPT = 5000
WHO = "safekeep.who"  # the turn_state key of the turn's (school id, person id)


class ForeignTenant(PermissionError):
    """An activity from an Entra tenant other than the configured one; the SDK answers 401."""


@dataclass
class Caller:
    """The tenant, Entra user and Teams user an activity came from."""

    tenant_id: str
    aad_object_id: str
    user_id: str


class TeamsAgent:
    """The Agents SDK ``Agent`` for Safekeep (``on_turn`` is all the SDK calls)."""

    def __init__(
        self, rt: Runtime, dispatcher: Dispatcher, directory: Directory, tenant_id: str | None
    ) -> None:
        self.rt = rt
        self.dispatcher = dispatcher
        self.directory = directory
        self.tenant_id = tenant_id  # the configured tenant, for activities that carry none
        # Cards whose form was answered (newest last), and a lock per card being answered: a
        # double click, or a client that has not shown the update yet, sends a card again.
        self._answered: deque[str] = deque(maxlen=ANSWERED_KEPT)
        self._answering: dict[str, asyncio.Lock] = {}

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity
        caller = self.caller(activity)
        if caller is None:
            return
        if self.tenant_id and caller.tenant_id != self.tenant_id:
            # A valid Bot Connector token says Teams sent it, not that it is this school's:
            # another tenant's activity is refused (401), audited here and creates nothing.
            log.warning("refused a Teams activity from a tenant this install does not serve")
            await self.directory.refuse_foreign(self.tenant_id, caller.tenant_id)
            raise ForeignTenant()
        if activity.type in INSTALLS:
            await self.remember(context, caller)
            return
        if activity.type != "message":
            return
        await self.remember(context, caller)
        action = parse.card_action(activity.value)
        if isinstance(action, parse.Submitted):
            await self.on_submit(context, caller, action)
        elif isinstance(action, parse.Pressed):
            await self.on_press(context, caller, action)
        else:
            await self.on_text(context, caller, activity.text or "")

    # --- what people do ---------------------------------------------------------------------

    async def on_text(self, context: TurnContext, caller: Caller, text: str) -> None:
        """A typed command, with or without its slash: ``offsite list``, ``/aup status``."""
        words = MENTION.sub("", text).strip()
        name, _, rest = words.partition(" ")
        reply = await self.run(context, caller, routes.command(name.lower(), rest))
        if isinstance(reply, Invalid):
            reply = Say("\n".join(reply.errors.values()))
        await self.send(context, self.card_for(reply))

    async def on_submit(self, context: TurnContext, caller: Caller, sent: parse.Submitted) -> None:
        """A form's submit: the card is updated in place with what comes next. A card already
        answered in this process is not acted on again."""
        card_id = context.activity.reply_to_id or ""
        lock = self._answering.setdefault(card_id, asyncio.Lock())
        async with lock:
            if card_id and card_id in self._answered:
                await self.send(context, self.card_for(Say(routes.UNKNOWN)))
                return
            await self.answer(context, caller, sent)
        if not lock.locked():
            self._answering.pop(card_id, None)

    async def answer(self, context: TurnContext, caller: Caller, sent: parse.Submitted) -> None:
        shown: dict[str, Form | None] = {}
        reply = await self.run(context, caller, submission(sent, shown))
        form = shown.get("form")
        if isinstance(reply, Say) and is_apology(reply.text):
            # Something broke: the apology comes as a message and the card keeps what was
            # typed, so the person can send it again.
            await self.send(context, self.card_for(reply))
            return
        if isinstance(reply, Invalid) and form is not None:
            values = parse.typed_values(form, sent.inputs)
            content = render.form_card(form, sent.origin, reply.errors, values, self.zone)
        else:
            content = self.card_for(reply, sent.origin)
        await self.update(context, context.activity.reply_to_id, content)
        if isinstance(reply, Say):
            if context.activity.reply_to_id:
                self._answered.append(context.activity.reply_to_id)
            await self.mark_done(context, sent.origin)

    async def on_press(self, context: TurnContext, caller: Caller, pressed: parse.Pressed) -> None:
        """A button in a message: a form opens as a new card, an outcome marks the message done."""
        reply = await self.run(context, caller, routes.press(pressed.action, pressed.value))
        origin = {"id": context.activity.reply_to_id, "l": pressed.label, "t": pressed.text}
        if isinstance(reply, Ask):
            await self.send(context, self.card_for(reply, origin))
            return
        if isinstance(reply, Invalid):
            reply = Say("\n".join(reply.errors.values()))
        await self.send(context, self.card_for(reply))
        if not is_apology(reply.text):
            await self.mark_done(context, origin)

    # --- turns --------------------------------------------------------------------------------

    async def run(self, context: TurnContext, caller: Caller, work: Work) -> Reply:
        async def identify() -> routes.Locate:
            school_id, person_id = await self.identify(context, caller)
            return self.directory.locate(school_id, person_id)

        return await take_turn(
            self.rt.factory,
            self.rt.clock,
            "teams",
            identify,
            work,
            self.dispatcher,
            context.activity.id,
        )

    # --- who --------------------------------------------------------------------------------

    def caller(self, activity: Activity) -> Caller | None:
        sender = activity.from_property
        if sender is None or not sender.id:
            return None
        channel_data = activity.channel_data or {}
        if not isinstance(channel_data, dict):
            channel_data = getattr(channel_data, "model_extra", None) or {}
        tenant = (
            (activity.conversation.tenant_id if activity.conversation else None)
            or ((channel_data.get("tenant") or {}).get("id"))
            or self.tenant_id
        )
        if not tenant:
            log.warning("a Teams activity without a tenant was ignored")
            return None
        return Caller(str(tenant), str(sender.aad_object_id or sender.id), str(sender.id))

    async def identify(self, context: TurnContext, caller: Caller) -> tuple[int, int | None]:
        """The school and person behind the activity, found once per turn (someone not on the
        staff list is not asked about twice in one turn)."""
        found = context.turn_state.get(WHO)
        if found is None:
            school_id = await self.directory.school_id(caller.tenant_id)

            async def lookup() -> dict[str, Any] | None:
                return await self.member(context, caller)

            person_id = await self.directory.person_id(school_id, caller.aad_object_id, lookup)
            found = context.turn_state[WHO] = (school_id, person_id)
        return found

    @staticmethod
    async def member(context: TurnContext, caller: Caller) -> dict[str, Any] | None:
        """The Bot Connector's member record for the caller: email and userPrincipalName."""
        client = context.services.get(ConnectorClientBase)
        conversation = context.activity.conversation
        if client is None or conversation is None:
            return None
        try:
            found = await client.conversations.get_conversation_member(
                conversation.id, caller.user_id
            )
        except Exception as exc:  # an unknown member, or the connector is down: not staff now
            log.warning("Teams member lookup failed: %s", type(exc).__name__)
            return None
        return found.model_dump(by_alias=True, exclude_none=True)

    async def remember(self, context: TurnContext, caller: Caller) -> None:
        """Store the person's conversation reference (a staff member's only)."""
        try:
            school_id, person_id = await self.identify(context, caller)
            if person_id is None:
                return
            reference = context.activity.get_conversation_reference()
            data = reference.model_dump(by_alias=True, exclude_none=True, mode="json")
            data.pop("activityId", None)
            await self.directory.remember_conversation(school_id, person_id, data)
        except Exception:
            log.exception("a Teams conversation reference could not be stored")

    # --- showing replies ----------------------------------------------------------------------

    def card_for(self, reply: Reply, origin: dict[str, Any] | None = None) -> dict[str, Any]:
        if isinstance(reply, Ask):
            return render.form_card(reply.form, origin, tz=self.zone)
        if isinstance(reply, Invalid):
            return render.say_card(Say("\n".join(reply.errors.values())))
        return render.say_card(reply)

    @staticmethod
    def activity(content: dict[str, Any]) -> Activity:
        return Activity(
            type="message",
            attachments=[Attachment(content_type=render.CARD_TYPE, content=content)],
        )

    async def send(self, context: TurnContext, content: dict[str, Any]) -> None:
        await context.send_activity(self.activity(content))

    async def update(self, context: TurnContext, activity_id: str | None, content: dict) -> None:
        """Replace a card in place; without its id (an old client), send the new card instead."""
        if not activity_id:
            await self.send(context, content)
            return
        updated = self.activity(content)
        updated.id = activity_id
        await context.update_activity(updated)

    async def mark_done(self, context: TurnContext, origin: dict[str, Any] | None) -> None:
        """Take the buttons off the DM whose action is now done, saying what was done."""
        if not origin or not origin.get("id"):
            return
        moment = self.rt.clock().astimezone(self.zone)
        done = done_note(str(origin.get("l") or ""), moment)
        await self.update(
            context, str(origin["id"]), render.done_card(str(origin.get("t") or ""), f"✅ {done}")
        )

    @property
    def zone(self) -> ZoneInfo:
        """The deployment's zone (TZ_SCHOOL), for times shown on cards."""
        return ZoneInfo(self.rt.settings.timezone)


def submission(sent: parse.Submitted, shown: dict[str, Form | None]) -> Work:
    """The handler's turn for a submitted card: the form rebuilt from its id and state (kept in
    ``shown``, to show it again with errors), its inputs read back, person fields matched to
    staff by email, then the flow's submit."""

    def work(ctx: Context) -> Reply:
        form = shown["form"] = routes.build_form(ctx, sent.form_id, sent.state)
        raw: dict[str, Any] = {}
        if form is not None:
            raw, emails = parse.raw_answers(form, sent.inputs)
            for name, email in emails.items():
                person = people.find_by_email(ctx.session, ctx.school.id, email)
                raw[name] = str(person.id) if person else ""
        return routes.submit(sent.form_id, raw, sent.state)(ctx)

    return work
