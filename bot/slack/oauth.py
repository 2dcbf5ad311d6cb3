"""Multi-workspace installs: slack-sdk's SQLAlchemy stores on Safekeep's database.

The stores are slack-sdk's own, pointed at the tables in ``storage/models/slack.py`` (where the
token columns are encrypted). They are synchronous, like the rest of our storage; bolt wants
async stores, so thin adapters run each call in a thread.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine, MetaData, Table

from bot.settings import Settings
from bot.slack.manifest import BOT_SCOPES
from storage.models import slack_bots, slack_installations, slack_oauth_states

log = logging.getLogger(__name__)

STATE_SECONDS = 600


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack-sdk's installation store on our tables, whose token columns are encrypted."""

    @classmethod
    def build_installations_table(cls, metadata: MetaData, table_name: str) -> Table:
        return slack_installations

    @classmethod
    def build_bots_table(cls, metadata: MetaData, table_name: str) -> Table:
        return slack_bots


class StateStore(SQLAlchemyOAuthStateStore):
    """slack-sdk's OAuth state store on our ``slack_oauth_states`` table."""

    @classmethod
    def build_oauth_states_table(cls, metadata: MetaData, table_name: str) -> Table:
        return slack_oauth_states


class AsyncInstallations(AsyncInstallationStore):
    """Bolt's async view of the installation store (each call in a thread)."""

    def __init__(self, store: SQLAlchemyInstallationStore) -> None:
        self.store = store

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.store.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.store.save_bot, bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return await asyncio.to_thread(
            self.store.find_bot,
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await asyncio.to_thread(
            self.store.find_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.store.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await asyncio.to_thread(
            self.store.delete_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
        )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        await self.async_delete_installation(enterprise_id=enterprise_id, team_id=team_id)


class AsyncStates(AsyncOAuthStateStore):
    """Bolt's async view of the OAuth state store."""

    def __init__(self, store: SQLAlchemyOAuthStateStore) -> None:
        self.store = store

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.store.issue, *args, **kwargs)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.store.consume, state)


def installation_store(settings: Settings, engine: Engine) -> AsyncInstallations:
    """The installations on ``engine``: always the runtime's, never a second pool of its own."""
    return AsyncInstallations(
        EncryptedInstallationStore(client_id=settings.slack_client_id or "", engine=engine)
    )


def oauth_settings(
    settings: Settings, store: AsyncInstallations, engine: Engine
) -> AsyncOAuthSettings:
    """Bolt's OAuth settings: install at /slack/install, Slack returns to /slack/oauth_redirect."""
    return AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=store,
        state_store=AsyncStates(StateStore(expiration_seconds=STATE_SECONDS, engine=engine)),
        state_expiration_seconds=STATE_SECONDS,
    )


def authorize(
    settings: Settings, store: AsyncInstallations, client: AsyncWebClient
) -> AsyncInstallationStoreAuthorize:
    """Finds each workspace's token; cached, so bolt doesn't call auth.test on every request."""
    return AsyncInstallationStoreAuthorize(
        logger=log,
        installation_store=store,
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        cache_enabled=True,
        client=client,
    )
