"""The HTTP server (``python -m bot web``): Slack events and OAuth, Teams activities
(``/api/messages``, bot/teams/app.py) and /healthz.

Routes are added by small functions so each platform plugs in its own. The server also runs the outbox dispatcher in-process; claims
are leases (``SKIP LOCKED`` on PostgreSQL), so several web processes can share one database.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select, text

from bot.delivery import Dispatcher, Sender
from bot.file_links import add_file_route
from bot.runtime import Runtime
from bot.slack import gate
from bot.slack.adapter import ARRIVED, SlackAdapter
from storage.models import OutboxMessage

if TYPE_CHECKING:
    # The Teams stack (Agents SDK, msal, pydantic, requests) costs about 25 MiB and 0.3 s of
    # start-up: it is imported only when Teams is configured.
    from bot.teams.app import TeamsApp

log = logging.getLogger(__name__)

SLACK_EVENTS = "/slack/events"
SLACK_INSTALL = "/slack/install"
SLACK_REDIRECT = "/slack/oauth_redirect"
HEALTH = "/healthz"


def add_slack_routes(web_app: web.Application, slack: SlackAdapter) -> None:
    """POST /slack/events for everything Slack sends; the OAuth pages when installs are on."""
    bolt = slack.app
    verifier = SignatureVerifier(slack.rt.settings.slack_signing_secret)

    async def events(request: web.Request) -> web.Response:
        arrived = slack.monotonic()  # Slack's seconds are counting: the listeners' budgets too
        admitted = await gate.check(request, verifier)
        if isinstance(admitted, web.Response):
            return admitted  # refused
        bolt_request = gate.bolt_request(request, admitted)
        bolt_request.context[ARRIVED] = arrived
        response = await bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    web_app.router.add_post(SLACK_EVENTS, events)
    web_app.on_startup.append(slack.open_connections)
    web_app.on_cleanup.append(slack.close_connections)
    flow = bolt.oauth_flow
    if flow is None:
        return

    async def install(request: web.Request) -> web.Response:
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def redirect(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    web_app.router.add_get(SLACK_INSTALL, install)
    web_app.router.add_get(SLACK_REDIRECT, redirect)


def add_health_route(web_app: web.Application, rt: Runtime) -> None:
    """GET /healthz: 200 with the database, the outbox backlog and the scheduler's state."""

    async def health(request: web.Request) -> web.Response:
        report = await asyncio.to_thread(health_report, rt)
        return web.json_response(report, status=200 if report["database"] else 503)

    web_app.router.add_get(HEALTH, health)


def health_report(rt: Runtime) -> dict[str, Any]:
    from bot import worker  # imported here: the scheduler is optional in a web process

    report: dict[str, Any] = {"database": False, "outbox_backlog": None}
    report["scheduler"] = worker.scheduler_state()
    report["scheduler_leader"] = worker.is_leader()
    try:
        with rt.factory() as session:
            session.execute(text("SELECT 1"))
            report["outbox_backlog"] = session.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= rt.clock()
                )
            )
        report["database"] = True
    except Exception as exc:  # the health check reports a broken database, never raises
        log.warning("health check: database unreachable (%s)", type(exc).__name__)
    return report


def create_app(
    rt: Runtime, slack: SlackAdapter | None = None, teams: TeamsApp | None = None
) -> web.Application:
    web_app = web.Application()
    add_health_route(web_app, rt)
    add_file_route(web_app, rt)
    if slack is not None:
        add_slack_routes(web_app, slack)
    if teams is not None:
        from bot.teams.app import add_teams_routes

        add_teams_routes(web_app, teams)
    return web_app


async def serve(rt: Runtime, senders: dict[str, Sender], host: str = "0.0.0.0") -> None:
    """Serve HTTP on $PORT and deliver the outbox, until cancelled."""
    dispatcher = Dispatcher(rt.factory, senders, rt.clock)
    slack: SlackAdapter | None = None
    teams: TeamsApp | None = None
    if rt.settings.has_slack:
        from bot.slack.app import build

        slack = build(rt, dispatcher)
    if rt.settings.has_teams:
        from bot.teams import app as teams_app

        teams = teams_app.build(rt, dispatcher)
    runner = web.AppRunner(create_app(rt, slack, teams), access_log=None)
    await runner.setup()
    # Everything made so far (modules, the apps, the engine) lives as long as the process: out
    # of the collector's sight, a full collection no longer walks it, which held every request
    # in flight up for 40 to 70 ms a few times a minute under load (issue #15).
    gc.freeze()
    site = web.TCPSite(runner, host, rt.settings.port)
    await site.start()
    log.info("Safekeep is listening on %s port %s", host, rt.settings.port)
    try:
        await dispatcher.run_forever()
    finally:
        await runner.cleanup()
