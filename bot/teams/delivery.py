"""Teams's ``Sender`` for the outbox dispatcher: a proactive DM per notice, as an Adaptive Card,
into the person's personal chat with the bot, from the conversation reference stored when they
first talked to the bot or the app was installed for them.

The client here never retries by itself: the dispatcher records every attempt and decides.
A 429 (Retry-After honoured) or a refused connection posted nothing: ``RetryLater``. A 5xx, a
timeout or a connection dropped after sending may hide a posted DM: ``MaybeDelivered``. The Bot
Connector has no idempotency key and a bot cannot read a chat's history, so an in-doubt message is
posted again (logged): an urgent alert twice beats one never sent. A person with no stored
conversation (the app not yet installed for them) is ``Undeliverable``, which fails the message
and tells the school's admins (handlers/delivery_alerts.py) rather than dropping it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import ClientConnectorError, ClientError, ClientResponseError
from microsoft_agents.activity import Activity, Attachment, ConversationReference
from microsoft_agents.hosting.core import (
    AuthenticationConstants,
    ClaimsIdentity,
    Connections,
    RestChannelServiceClientFactory,
)
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot import file_links
from bot.delivery import Delivery, MaybeDelivered, RetryLater, Undeliverable
from bot.settings import Settings
from bot.teams import render
from bot.teams.identity import load_reference
from handlers.clock import Clock, system_clock
from handlers.replies import download_label, link_until

log = logging.getLogger(__name__)

TIMEOUT = 10.0
NOT_REACHABLE = (
    "this person has no Teams chat with Safekeep yet: install the app for them (a Teams app "
    "setup policy installs it for all staff)"
)
NO_PUBLIC_URL = (
    "SAFEKEEP_PUBLIC_URL is not set: a Teams DM links to its file on Safekeep's own server"
)
# Bot Connector answers that no retry will cure: the bot was removed, the user left the tenant.
PERMANENT = frozenset({400, 401, 403, 404})


class TeamsSender:
    """Delivers a notice as a proactive DM from the bot."""

    def __init__(
        self,
        connections: Connections,
        app_id: str | None,
        engine: Engine,
        timeout: float = TIMEOUT,
        public_url: str | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.factory = RestChannelServiceClientFactory(connections)
        self.public_url = public_url
        self.clock = clock
        self.app_id = app_id or ""
        self.engine = engine
        self.timeout = timeout

    async def send(self, delivery: Delivery) -> str | None:
        try:
            found = await asyncio.to_thread(self._reference, delivery.recipient.person_id)
        except SQLAlchemyError as exc:
            raise RetryLater(f"database: {type(exc).__name__}") from exc
        if found is None:
            raise Undeliverable(NOT_REACHABLE)
        reference = ConversationReference.model_validate(found)
        if delivery.in_doubt is not None:
            log.warning(
                "outbox #%s may have been posted already; posting again", delivery.outbox_id
            )
        card = render.notice_card(delivery.notice)
        if delivery.files:
            card = self._with_download_links(card, delivery)
        message = Activity(
            type="message",
            attachments=[Attachment(content_type=render.CARD_TYPE, content=card)],
        ).apply_conversation_reference(reference, is_incoming=False)
        message.reply_to_id = None
        client: Any = None
        try:
            client = await self.factory.create_connector_client(
                None,
                self._identity(),
                str(reference.service_url),
                AuthenticationConstants.AGENTS_SDK_SCOPE,
                use_anonymous=not self.app_id,
            )
        except Exception as exc:  # no token: nothing was posted
            raise RetryLater(f"no Teams token: {type(exc).__name__}") from exc
        try:
            sent = await asyncio.wait_for(
                client.conversations.send_to_conversation(str(reference.conversation.id), message),
                self.timeout,
            )
        except ClientResponseError as exc:
            raise _classify(exc) from exc
        except ClientConnectorError as exc:
            raise RetryLater("could not connect to the Bot Connector") from exc
        except (ClientError, TimeoutError) as exc:
            raise MaybeDelivered(f"no answer from the Bot Connector: {type(exc).__name__}") from exc
        finally:
            await client.close()
        return f"{reference.conversation.id}:{sent.id or ''}"

    def _with_download_links(self, card: dict[str, Any], delivery: Delivery) -> dict[str, Any]:
        """The card with a download button per file: a signed link to our own server, which
        works for 30 days (bot/file_links.py). Teams takes no file from a bot in a proactive
        DM without first asking the person's consent, so a link is the file card that works."""
        if not self.public_url:
            raise Undeliverable(NO_PUBLIC_URL)
        until = None
        actions = list(card.get("actions", []))
        for attached in delivery.files:
            url, until = file_links.link(self.public_url, attached.file_id, self.clock())
            actions.append(
                {"type": "Action.OpenUrl", "title": download_label(attached.name), "url": url}
            )
        body = list(card.get("body", []))
        if until is not None:
            body.append(
                {"type": "TextBlock", "text": link_until(until), "wrap": True, "size": "small"}
            )
        return {**card, "body": body, "actions": actions}

    def _identity(self) -> ClaimsIdentity:
        return ClaimsIdentity(
            {
                AuthenticationConstants.AUDIENCE_CLAIM: self.app_id,
                AuthenticationConstants.APP_ID_CLAIM: self.app_id,
            },
            authentication_type="Bearer" if self.app_id else None,
        )

    def _reference(self, person_id: int) -> dict[str, Any] | None:
        with Session(self.engine) as session:
            return load_reference(session, person_id)


def _classify(exc: ClientResponseError) -> Exception:
    status = exc.status
    if status == 429:
        after = (exc.headers or {}).get("Retry-After")
        seconds = float(after) if after and after.replace(".", "", 1).isdigit() else None
        return RetryLater("rate limited by the Bot Connector", seconds)
    if status in PERMANENT:
        return Undeliverable(f"the Bot Connector refused the message: HTTP {status}")
    if status >= 500:
        return MaybeDelivered(f"Bot Connector error after the DM was sent: HTTP {status}")
    return RetryLater(f"Bot Connector error: HTTP {status}")


def make_sender(settings: Settings, engine: Engine) -> TeamsSender:
    """The Teams sender for this deployment: the bot's msal identity from the settings."""
    from bot.teams.app import auth_configuration, connection_manager

    connections = connection_manager(auth_configuration(settings))
    return TeamsSender(
        connections, settings.teams_client_id, engine, public_url=settings.public_url
    )
