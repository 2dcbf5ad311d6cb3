"""End to end through Microsoft's Agents Playground (``@microsoft/m365agentsplayground``, pinned
in tests/playground/package.json): the real Safekeep web app, anonymous Teams allowed, behind the
Playground's own mock Teams client and Bot Connector, offline (``TEAMSAPPTESTER_BROWSER=none``).

The test drives the Playground through the automation API its own web UI uses: messages to
``/_conversation/v1/conversations/{id}/messages``, card buttons (``Action.Submit``) to
``/_conversation/v1/submit``, and what the bot posts or updates on the WebSocket
``/_ws_conversation/v1/conversations/stream``. Every wait is bounded; both servers stop at the
end. Skipped where Node.js or the installed package is missing (``make test`` installs it with
``npm ci`` in tests/playground when npm is on the PATH).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from handlers import people
from storage.models import Incident, OffsiteDeclaration, School, TeamsConversation
from tests.conftest import DEMO_MADE
from tests.drivers.program import ROOT, program_env
from tests.drivers.teams import CARD
from tests.handlers.breach_steps import LOST_LAPTOP
from tests.handlers.test_offsite_steps import MARKING_ON_PAPER, details
from tests.journeys.teams_chat import DATE, TIME, card_text, submit_data

PLAYGROUND = ROOT / "tests" / "playground"
PLAYGROUND_BIN = PLAYGROUND / "node_modules" / ".bin" / "agentsplayground"
CHAT_ID = "safekeep-playground"  # the personal chat (--conversation-id)
# The Playground's fixed tenant and default user (its /_internal/v1/config).
TENANT = "00000000-0000-0000-0000-0000000000001"
USER_ID, USER_EMAIL, USER_NAME = "user-id-0", "alexw@example.com", "Alex Wilber"
STREAM = "/_ws_conversation/v1/conversations/stream"
BREACH_DETAILS = {
    "discovered_at": "2026-11-24 09:45",
    "location": "transport",
    "description": "Left the laptop bag on the train home.",
    "actions_taken": "Asked the train company's lost property to look for it.",
}
WAIT = 15.0  # seconds: the longest any one step may take

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not PLAYGROUND_BIN.exists(),
    reason="Node.js and the pinned Agents Playground are needed: run "
    "`npm ci --no-audit --no-fund` in tests/playground (make test does when npm is on the PATH)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclasses.dataclass
class Playground:
    url: str
    process: subprocess.Popen[str]
    log: Path


@pytest.fixture
def safekeep(
    factory: Any, engine: Any, clock: Any, school: Any, database_url: str
) -> Iterator[str]:
    """The real web app (as ``python -m bot web``) in a thread, anonymous Teams allowed, the demo
    school as the Playground's tenant and its default user on the staff list."""
    from bot.delivery import Dispatcher
    from bot.demo import demo_config
    from bot.runtime import Runtime
    from bot.settings import Settings
    from bot.teams.app import build
    from bot.web import create_app
    from handlers import admin
    from handlers.context import Context
    from handlers.school_config import StaffEntry
    from storage.database import transaction
    from tests.drivers.slack import ServerThread

    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.platform, row.teams_tenant_id = "teams", TENANT
        config = demo_config(DEMO_MADE)
        staff = (*config.staff, StaffEntry(USER_EMAIL, USER_NAME, "teaching"))
        admin.apply_school_config(
            Context(session, row, None, clock), dataclasses.replace(config, staff=staff)
        )
    settings = Settings(
        database_url=database_url, teams_anonymous_allowed=True, teams_tenant_id=TENANT
    )
    rt = Runtime(settings, engine, factory, clock)
    server = ServerThread()
    try:
        port = server.serve(create_app(rt, teams=build(rt, Dispatcher(factory, {}, clock))))
        yield f"http://127.0.0.1:{port}/api/messages"
    finally:
        server.stop()


@pytest.fixture
def playground(safekeep: str, tmp_path: Path) -> Iterator[Playground]:
    port = free_port()
    log = tmp_path / "playground.log"
    # The local install's own command (what `npx agentsplayground` runs there), started in the
    # test's folder: the Playground writes its log to devTools/ under its working directory.
    command = [
        str(PLAYGROUND_BIN),
        "-e", safekeep, "-c", "msteams", "--dt", "-p", str(port),
        "--conversation-id", CHAT_ID,
    ]  # fmt: skip
    env = program_env(TEAMSAPPTESTER_BROWSER="none")
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT
        while f"Listening on {port}" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Playground did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield Playground(url, process, log)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


class Driver:
    """A person in the Playground's personal chat with the bot: types, fills the card shown last
    and reads what the bot posts or updates, on the Playground's WebSocket."""

    def __init__(self, http: aiohttp.ClientSession, url: str, ws: Any) -> None:
        self.http, self.url, self.ws = http, url, ws
        self.cards: dict[str, dict[str, Any]] = {}  # message id -> the card it shows now
        self.last: str | None = None  # the message id of the card shown last

    async def say(self, text: str) -> str:
        sent = await self.http.post(
            f"{self.url}/_conversation/v1/conversations/{CHAT_ID}/messages",
            json={"from": {"id": USER_ID}, "text": text, "textFormat": "plain"},
        )
        assert sent.status == 200, await sent.text()
        return await self.shown()

    async def fill(self, answers: dict[str, Any]) -> str:
        assert self.last is not None, "no card to fill"
        card = self.cards[self.last]
        inputs = {e["id"] for e in card["body"] if str(e.get("type", "")).startswith("Input.")}
        values: dict[str, str] = {}
        for name, answer in answers.items():
            if answer in (None, ""):
                continue
            if name + DATE in inputs:
                day, _, hour = str(answer).partition(" ")
                values[name + DATE], values[name + TIME] = day, hour[:5]
            else:
                assert name in inputs, f"the card has no field {name}"
                values[name] = ",".join(answer) if isinstance(answer, list) else str(answer)
        (data,) = submit_data(card, "submit")
        sent = await self.http.post(
            f"{self.url}/_conversation/v1/submit",
            json={
                "conversation": {"id": CHAT_ID},
                "from": {"id": USER_ID},
                "replyToId": self.last,
                "value": {**data, **values},
            },
        )
        assert sent.status == 200, await sent.text()
        return await self.shown()

    async def shown(self) -> str:
        """The words of the next message the bot posts or updates (a bounded wait)."""
        while True:
            frame = await self.ws.receive(timeout=WAIT)
            assert frame.type == aiohttp.WSMsgType.TEXT, frame
            event = json.loads(frame.data)
            if event.get("action") not in ("createMessage", "updateMessage"):
                continue  # typing
            message = event["message"]
            words = [message.get("text") or ""]
            for attachment in message.get("attachments") or []:
                if attachment.get("contentType") == CARD:
                    self.cards[message["messageId"]] = attachment["content"]
                    self.last = message["messageId"]
                    words.append(card_text(attachment["content"]))
            return "\n".join(w for w in words if w)


def drive(playground: Playground, steps: Any) -> None:
    async def main() -> None:
        timeout = aiohttp.ClientTimeout(total=WAIT)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            stream = playground.url.replace("http", "ws", 1) + STREAM
            async with http.ws_connect(stream) as ws:
                await steps(Driver(http, playground.url, ws))

    asyncio.run(asyncio.wait_for(main(), 3 * WAIT))


def test_an_offsite_declaration_and_a_breach_report_through_the_agents_playground(
    playground: Playground, factory: Any
) -> None:
    async def steps(alex: Driver) -> None:
        assert "Records off site" in await alex.say("offsite")
        assert "When will they be back in school?" in await alex.fill(MARKING_ON_PAPER)
        done = await alex.fill(details("2026-11-25"))
        assert "Thanks, that's recorded: Off-site #1 · Lesson planning, Marking" in done
        assert "Report a breach (1 of 2)" in await alex.say("/breach")
        step_two = await alex.fill(LOST_LAPTOP)
        assert "Breach #1 is recorded and the DPO" in step_two
        thanks = await alex.fill(BREACH_DETAILS)
        assert "Breach #1 is recorded (reported Tue 24 Nov 10:00)" in thanks

    drive(playground, steps)

    with factory() as session:
        alex = people.find_by_email(session, school_id(session), USER_EMAIL)
        assert alex is not None
        (declaration,) = session.scalars(select(OffsiteDeclaration)).all()
        assert (declaration.person_id, declaration.status) == (alex.id, "out")
        (incident,) = session.scalars(select(Incident)).all()
        assert (incident.reporter_id, incident.kind) == (alex.id, "lost")
        assert session.scalar(select(TeamsConversation.person_id)) == alex.id


def school_id(session: Any) -> int:
    return int(session.scalar(select(School.id).where(School.teams_tenant_id == TENANT)))
