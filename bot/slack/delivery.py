"""Slack's ``Sender`` for the outbox dispatcher: a DM per notice, with buttons.

The client here never retries by itself: the dispatcher records every attempt and decides when
to try again. A 429 means Slack did not post, so it becomes ``RetryLater`` with Slack's
``Retry-After``; an error that can never succeed (the app was uninstalled, the user is gone)
becomes ``Undeliverable``, which fails the message and alerts the school's admins.
"""

from __future__ import annotations

import logging

from aiohttp import ClientConnectorError
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.delivery import Recipient, RetryLater, Undeliverable
from bot.slack import render
from handlers.replies import Notice

log = logging.getLogger(__name__)

# Slack errors that no retry will cure.
PERMANENT = frozenset(
    {
        "account_inactive",
        "channel_not_found",
        "invalid_auth",
        "is_archived",
        "missing_scope",
        "not_authed",
        "not_in_channel",
        "token_revoked",
        "user_not_found",
        "user_not_visible",
        "users_not_found",
        "user_disabled",
    }
)
NOT_INSTALLED = "Safekeep is not installed in this Slack workspace any more"


class SlackSender:
    """Delivers a notice as a DM from Safekeep's bot user."""

    def __init__(
        self,
        api_url: str,
        token: str | None = None,
        installation_store: AsyncInstallationStore | None = None,
    ) -> None:
        self.api_url = api_url
        self.token = token
        self.installation_store = installation_store

    async def send(self, recipient: Recipient, notice: Notice) -> str | None:
        client = AsyncWebClient(
            token=await self._token_for(recipient), base_url=self.api_url, retry_handlers=[]
        )
        try:
            channel = recipient.external_id or await self._user_by_email(client, recipient)
            sent = await client.chat_postMessage(channel=channel, **render.notice_message(notice))
        except SlackApiError as exc:
            raise _classify(exc) from exc
        except ClientConnectorError as exc:  # never reached Slack: nothing was posted
            raise RetryLater("could not connect to Slack") from exc
        return f"{sent.get('channel')}:{sent.get('ts')}"

    async def _token_for(self, recipient: Recipient) -> str:
        if self.installation_store is None:
            if not self.token:
                raise Undeliverable("SLACK_BOT_TOKEN is not set")
            return self.token
        bot = await self.installation_store.async_find_bot(
            enterprise_id=None, team_id=recipient.school_external_id
        )
        if bot is None or not bot.bot_token:
            raise Undeliverable(NOT_INSTALLED)
        return bot.bot_token

    @staticmethod
    async def _user_by_email(client: AsyncWebClient, recipient: Recipient) -> str:
        """Someone who has never used Safekeep in Slack is found by their school email."""
        found = await client.users_lookupByEmail(email=recipient.email)
        return str((found.get("user") or {})["id"])


def _classify(exc: SlackApiError) -> Exception:
    status = exc.response.status_code
    error = str(exc.response.get("error") or f"HTTP {status}")
    if status == 429:
        after = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
        return RetryLater("rate limited by Slack", float(after) if after else None)
    if error in PERMANENT:
        return Undeliverable(f"Slack refused the message: {error}")
    return RetryLater(f"Slack error: {error}")


def make_sender(settings: Settings) -> SlackSender:
    """The Slack sender for this deployment: one bot token, or each workspace's installation."""
    if settings.slack_client_id and settings.slack_client_secret:
        from bot.slack.oauth import installation_store

        return SlackSender(settings.slack_api_url, installation_store=installation_store(settings))
    return SlackSender(settings.slack_api_url, token=settings.slack_bot_token)
