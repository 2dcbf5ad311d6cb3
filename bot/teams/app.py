"""The Teams endpoint: ``POST /api/messages`` on the Agents SDK's aiohttp hosting, with msal
for the bot's own tokens and JWT validation of everything Teams posts.

Requests are JWT-validated (signature, audience = the bot's client id, issuer) whenever a client
id is configured. Only ``CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED=true``
accepts unauthenticated requests, for local testing, and start-up then warns loudly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator
from microsoft_agents.hosting.core import AgentAuthConfiguration, TurnContext
from microsoft_agents.hosting.core.authorization import AuthTypes

from bot.delivery import Dispatcher
from bot.runtime import Runtime
from bot.settings import Settings
from bot.teams import gate
from bot.teams.adapter import ForeignTenant, TeamsAgent
from bot.teams.identity import Directory

log = logging.getLogger(__name__)

MESSAGES = "/api/messages"
CONNECTION = "SERVICE_CONNECTION"
ANONYMOUS_WARNING = (
    "!!! Teams requests are NOT authenticated: "
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED=true lets anyone who can reach "
    "/api/messages act as any member of staff. Use it only for local testing, never in "
    "production. !!!"
)


def auth_configuration(settings: Settings) -> AgentAuthConfiguration:
    """The SERVICE_CONNECTION from Safekeep's settings; issuers are checked, not just keys."""
    return AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret,
        client_id=settings.teams_client_id,
        tenant_id=settings.teams_tenant_id,
        client_secret=settings.teams_client_secret,
        connection_name=CONNECTION,
        anonymous_allowed=settings.teams_anonymous_allowed,
        validate_issuer=True,
    )


def connection_manager(config: AgentAuthConfiguration) -> MsalConnectionManager:
    return MsalConnectionManager(connections_configurations={CONNECTION: config})


@dataclass
class TeamsApp:
    """The SDK's adapter, Safekeep's agent and the auth configuration they share."""

    config: AgentAuthConfiguration
    connections: MsalConnectionManager
    cloud: CloudAdapter
    agent: TeamsAgent


def build(rt: Runtime, dispatcher: Dispatcher) -> TeamsApp:
    settings = rt.settings
    if settings.teams_anonymous_allowed:
        log.warning(ANONYMOUS_WARNING)
    config = auth_configuration(settings)
    connections = connection_manager(config)
    cloud = CloudAdapter(connection_manager=connections)
    cloud.on_turn_error = on_turn_error
    directory = Directory(rt, settings.school_config)
    agent = TeamsAgent(rt, dispatcher, directory, settings.teams_tenant_id)
    return TeamsApp(config, connections, cloud, agent)


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    """A turn failed after the handler (Teams refused a card, say). The SDK's default would
    send the exception's text to the person; this logs its type only (no payloads, no
    personal data). A foreign tenant's activity goes back to the SDK, which answers 401."""
    if isinstance(error, ForeignTenant):
        raise error
    log.error("Teams turn failed: %s", type(error).__name__)


def add_teams_routes(web_app: web.Application, teams: TeamsApp) -> None:
    """POST /api/messages, JWT-validated by the SDK before anything else runs, then its body
    checked (bot/teams/gate.py) before the SDK parses it."""
    web_app["agent_configuration"] = teams.config

    @jwt_authorization_decorator
    async def messages(request: web.Request) -> web.StreamResponse:
        refused = await gate.check(request)
        if refused is not None:
            return refused
        response = await teams.cloud.process(request, teams.agent)
        return response if response is not None else web.Response(status=202)

    web_app.router.add_post(MESSAGES, messages)
