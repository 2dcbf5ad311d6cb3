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

from bot.delivery import Delivery, MaybeDelivered, RetryLater, Undeliverable
from bot.settings import Settings
from bot.teams import render
from bot.teams.identity import load_reference

log = logging.getLogger(__name__)

TIMEOUT = 10.0
NOT_REACHABLE = (
    "this person has no Teams chat with Safekeep yet: install the app for them (a Teams app "
    "setup policy installs it for all staff)"
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
    ) -> None:
        self.factory = RestChannelServiceClientFactory(connections)
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
        message = Activity(
            type="message",
            attachments=[
                Attachment(
                    content_type=render.CARD_TYPE, content=render.notice_card(delivery.notice)
                )
            ],
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
    return TeamsSender(connections, settings.teams_client_id, engine)
