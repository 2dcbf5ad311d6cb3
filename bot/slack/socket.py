"""Socket Mode: the small-school, all-in-one process (``python -m bot socket``).

Slack connects out to nothing: this process opens a WebSocket to Slack (``SLACK_APP_TOKEN``),
so a school needs no public URL. The same bolt app and listeners as HTTP mode run here, with the
outbox dispatcher and the scheduler in the same event loop.
"""

from __future__ import annotations

import asyncio
import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.delivery import Dispatcher, Sender
from bot.runtime import Runtime
from bot.slack.adapter import SlackAdapter
from bot.slack.app import build

log = logging.getLogger(__name__)


def socket_handler(adapter: SlackAdapter, app_token: str) -> AsyncSocketModeHandler:
    """Bolt's Socket Mode handler; it asks Slack for the socket URL at SLACK_API_URL."""
    return AsyncSocketModeHandler(adapter.app, app_token, web_client=adapter.app.client)


async def run_socket_mode(rt: Runtime, senders: dict[str, Sender]) -> None:
    """Serve Slack over a WebSocket and deliver the outbox and run sweeps, until cancelled."""
    # Imported here: the scheduler is only needed by the all-in-one process.
    from bot.worker import run_scheduler

    dispatcher = Dispatcher(rt.factory, senders, rt.clock)
    adapter = build(rt, dispatcher, socket_mode=True)
    handler = socket_handler(adapter, rt.settings.slack_app_token or "")
    await handler.connect_async()
    log.info("connected to Slack in Socket Mode")
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(dispatcher.run_forever())
            group.create_task(run_scheduler(rt, dispatcher))
    finally:
        await handler.close_async()
