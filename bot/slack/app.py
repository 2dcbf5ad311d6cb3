"""Safekeep's Slack app: one bolt ``AsyncApp`` with the listeners in listeners.py.

The same app runs over HTTP (``bot/web.py``) and Socket Mode (``python -m bot socket``).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot import log_hygiene
from bot.delivery import Dispatcher
from bot.runtime import Runtime
from bot.slack import listeners
from bot.slack.adapter import SlackAdapter
from bot.slack.identity import Directory
from bot.turn import Quick


def make_client(settings_api_url: str, token: str | None = None) -> AsyncWebClient:
    """A Web API client for listeners: retries 429s (nothing happened) and lost connections.
    Its connections are kept alive by the adapter once the app serves (``open_connections``)."""
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
        from bot.slack import oauth  # only multi-workspace installs need the OAuth stores

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
    log_hygiene.quiet(client.logger, app.logger)
    directory = Directory(rt, None if multi else settings.school_config)
    adapter = SlackAdapter(
        rt,
        dispatcher,
        app,
        directory,
        single_workspace=not multi,
        quick=Quick.for_engine(rt.engine),
    )
    listeners.register(adapter)
    return adapter
