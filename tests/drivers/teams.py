"""A test bot for the Teams adapter: posts Teams-shaped activities, with Bot Connector-style JWTs
signed by a locally generated key, to the real Safekeep web app over HTTP, and reads back what
reached the local fake Bot Connector (the activities' ``serviceUrl``).

The SDK fetches signing keys from fixed Microsoft URLs and gets the bot's own tokens from Entra
ID with msal, so the fixture patches both (``JwtTokenValidator``'s key lookup, ``MsalAuth``'s
token): everything else, from the JWT checks to the connector calls, is the real code.
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.drivers.fake_bot_connector import FakeBotConnector, FakeMember, Posted
from tests.drivers.slack import ServerThread, SlackResponse

TENANT_ID = "7d2b8f4e-0c1a-4b7e-9f3d-5a6e1c2b3d40"
APP_ID = "3f9c2a71-8e5d-4c0b-a1f6-2b7d9e4c8a15"
BOT_TOKEN = "fake-bot-token"  # what the patched msal provider hands the connector client
ISSUER = "https://api.botframework.com"
KEY_ID = "safekeep-test-key"
CARD = "application/vnd.microsoft.card.adaptive"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class TeamsUser:
    email: str
    name: str
    aad_object_id: str
    user_id: str  # "29:..."
    conversation_id: str  # the personal chat with the bot


class TeamsBot:
    """Drive Safekeep as Teams would: signed activities in, the fake Bot Connector out."""

    def __init__(
        self,
        fake: FakeBotConnector,
        server: ServerThread,
        app_url: str,
        service_url: str,
        dispatcher: Any,
        key: rsa.RSAPrivateKey,
    ) -> None:
        self.fake = fake
        self.server = server
        self.app_url = app_url.rstrip("/")
        self.service_url = service_url
        self.dispatcher = dispatcher
        self.key = key
        self.tenant_id = TENANT_ID
        self.users: dict[str, TeamsUser] = {}
        self.anonymous = False  # post without a token (an anonymous-allowed local set-up)
        self._ids = itertools.count(1)

    # --- people -----------------------------------------------------------------------------

    def add_user(self, email: str | None, name: str) -> TeamsUser:
        number = next(self._ids)
        user = TeamsUser(
            email or f"nobody{number}@example.org",
            name,
            f"00000000-0000-4000-8000-{number:012d}",
            f"29:1user{number}",
            f"a:1personal{number}",
        )
        self.users[user.email] = user
        self.fake.add_member(
            user.conversation_id, FakeMember(user.user_id, user.aad_object_id, email, name)
        )
        return user

    def user(self, email: str) -> TeamsUser:
        return self.users[email]

    # --- tokens -----------------------------------------------------------------------------

    def token(self, key: rsa.RSAPrivateKey | None = None, **claims: Any) -> str:
        """A Bot Connector token: signed by the test key (or ``key``), claims overridable."""
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "aud": APP_ID,
            "serviceurl": self.service_url,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + 3600,
        }
        body.update(claims)
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": KEY_ID})

    # --- activities -------------------------------------------------------------------------

    def activity(self, kind: str, as_: str, **fields: Any) -> dict[str, Any]:
        user = self.user(as_)
        return {
            "type": kind,
            "id": f"f:{next(self._ids)}",
            "timestamp": "2026-11-24T10:00:00.000Z",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": user.user_id, "name": user.name, "aadObjectId": user.aad_object_id},
            "conversation": {
                "conversationType": "personal",
                "tenantId": self.tenant_id,
                "id": user.conversation_id,
            },
            "recipient": {"id": f"28:{APP_ID}", "name": "Safekeep"},
            "channelData": {"tenant": {"id": self.tenant_id}},
            "locale": "en-GB",
            **fields,
        }

    def post(
        self, activity: dict[str, Any], token: str | None = "default", raw: str | None = None
    ) -> SlackResponse:
        headers = {"Content-Type": "application/json", "Connection": "close"}
        if token == "default":
            token = None if self.anonymous else self.token()
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        body = raw if raw is not None else json.dumps(activity)
        request = urllib.request.Request(
            f"{self.app_url}/api/messages", data=body.encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                response = SlackResponse(
                    answer.status, answer.read().decode(), dict(answer.headers)
                )
        except urllib.error.HTTPError as error:
            response = SlackResponse(error.code, error.read().decode(), dict(error.headers))
        self.server.settle()
        return response

    def message(self, text: str, as_: str = "teacher@example.org") -> SlackResponse:
        return self.post(self.activity("message", as_, text=text, textFormat="plain"))

    def install(self, as_: str = "teacher@example.org") -> SlackResponse:
        return self.post(self.activity("installationUpdate", as_, action="add"))

    def submit_card(
        self, posted: Posted, data: dict[str, Any], as_: str = "teacher@example.org"
    ) -> SlackResponse:
        """What Teams posts for an Action.Submit on a card: a message whose value is the
        action's data merged with the card's inputs, replying to the card's activity."""
        return self.post(self.activity("message", as_, value=data, replyToId=posted.id))

    # --- what reached Teams -----------------------------------------------------------------

    def chat(self, email: str) -> list[Posted]:
        """Everything the bot posted in this person's personal chat, oldest first."""
        return self.fake.in_conversation(self.user(email).conversation_id)

    def proactive(self, email: str) -> list[Posted]:
        return [p for p in self.chat(email) if p.proactive]

    def deliver(self) -> int:
        sent_at_once = self.server.call(self.dispatcher.settle())
        return sent_at_once + self.server.call(self.dispatcher.deliver_due())


def card_of(activity: dict[str, Any]) -> dict[str, Any] | None:
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == CARD:
            return attachment["content"]
    return None


def all_cards(fake: FakeBotConnector) -> list[dict[str, Any]]:
    """Every card the app sent or updated, as it sent it."""
    found = []
    for call in fake.calls:
        content = card_of(call["body"] or {})
        if content is not None:
            found.append(content)
    return found


# --- the fixture ----------------------------------------------------------------------------


def start(
    factory: Any, engine: Any, clock: Any, database_url: str, fake: FakeBotConnector, **over: Any
) -> TeamsBot:
    """Start the fake Bot Connector and the real Safekeep web app (as ``python -m bot web``)."""
    from bot.delivery import Dispatcher
    from bot.runtime import Runtime
    from bot.settings import Settings
    from bot.teams.app import build
    from bot.teams.delivery import TeamsSender
    from bot.web import create_app

    server = ServerThread()
    connector_port = server.serve(fake.make_app())
    values: dict[str, Any] = {
        "database_url": database_url,
        "teams_client_id": APP_ID,
        "teams_client_secret": "not-a-real-secret",
        "teams_tenant_id": TENANT_ID,
    }
    values.update(over)
    settings = Settings(**values)
    rt = Runtime(settings, engine, factory, clock)
    dispatcher = Dispatcher(factory, {}, clock)
    teams = build(rt, dispatcher)
    app_port = server.serve(create_app(rt, teams=teams))
    dispatcher.senders["teams"] = TeamsSender(
        teams.connections,
        settings.teams_client_id,
        engine,
        public_url=f"http://127.0.0.1:{app_port}",  # file links point at the app's own server
        clock=clock,
    )
    return TeamsBot(
        fake,
        server,
        f"http://127.0.0.1:{app_port}",
        f"http://127.0.0.1:{connector_port}/",
        dispatcher,
        new_key(),
    )


def patch_platform(monkeypatch: pytest.MonkeyPatch, bot_key: rsa.RSAPrivateKey) -> None:
    """The two calls to Microsoft: signing keys (served from the test key) and the bot's token."""
    from microsoft_agents.authentication.msal import MsalAuth
    from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator

    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(bot_key.public_key()))
    signing_key = jwt.PyJWK({**public, "kid": KEY_ID, "alg": "RS256", "use": "sig"})

    async def get_signing_key(jwks_uri: str, header: dict[str, Any]) -> jwt.PyJWK:
        if header.get("kid") != KEY_ID:
            raise jwt.PyJWKClientError("Unable to find a signing key that matches")
        return signing_key

    async def get_access_token(self: Any, resource_url: str, scopes: list[str], *a: Any) -> str:
        return BOT_TOKEN

    monkeypatch.setattr(JwtTokenValidator._jwk_client_manager, "get_signing_key", get_signing_key)
    monkeypatch.setattr(MsalAuth, "get_access_token", get_access_token)


def demo_tenant(bot: TeamsBot, installed: bool = True) -> None:
    """Every demo staff member as a Teams user; ``installed``: the app was installed for each
    (as a Teams app setup policy does), so the bot has a personal chat with everyone."""
    from bot.demo import DEMO_STAFF

    for person in DEMO_STAFF:
        bot.add_user(person.email, person.name)
        if installed:
            assert bot.install(as_=person.email).status in (200, 202)


@pytest.fixture
def teams(
    factory: Any,
    engine: Any,
    clock: Any,
    school: Any,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[TeamsBot]:
    """The real Teams adapter over HTTP, with the demo school as Entra tenant TENANT_ID and
    every demo staff member a Teams user with a personal chat with the bot.

    On teardown every card the app sent is checked against the Adaptive Card 1.5 shape."""
    from storage.database import transaction
    from storage.models import School
    from tests.teams.adaptive_cards import check_card

    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.platform, row.teams_tenant_id = "teams", TENANT_ID
    fake = FakeBotConnector()
    bot = start(factory, engine, clock, database_url, fake)
    patch_platform(monkeypatch, bot.key)
    demo_tenant(bot)
    try:
        yield bot
    finally:
        bot.server.stop()
    for content in all_cards(fake):
        check_card(content)
