"""The soak: is every DM delivered exactly once when Slack misbehaves and a worker dies?

    python benchmarks/soak.py            (or: make soak)

It creates a throwaway PostgreSQL database (``safekeep_soak`` on 127.0.0.1:5432, trust auth;
``--database`` names another), migrates it, and starts the real processes a deployment runs:
``python -m bot web`` and two ``python -m bot worker``, against a fake Slack Web API in a process
of its own (benchmarks/soak_slack.py: 5% 429s, 2% 500s, 1% posts accepted and never answered,
latency up to twice the client's timeout). For ``--seconds`` (default 60), ``--people`` (200)
simulated members of staff of one school send signed Slack requests, as Slack does, to the web
process: /breach reports (both steps), /offsite declarations (both steps), /aup agreements and
/concern reports (both steps), each with a random pause before the next. Midway, one worker is
SIGKILLed. Then it waits for the outbox to drain (rows in doubt are looked for only after
Slack's processing window, and the dead worker's claims only after their lease), stops
everything, prints the figures, and drops the database.

The figures: what people were told was recorded (*submitted*) against what the database holds
(*stored*); outbox rows, those *due* (not held back for school hours), and, from what the fake
Slack holds (each DM carries its outbox id in its message metadata), how many were *delivered*,
*doubled* (posted more than once) and *lost* (due, never posted). The goal is 0 doubled and 0
lost. It exits 1 if anything was doubled or lost, or a record is missing.

Not part of the test suite; it needs PostgreSQL and takes about ten minutes (most of it draining).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import psycopg
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.soak_slack import email, user_id  # noqa: E402
from bot.slack.delivery import TIMEOUT as CLIENT_TIMEOUT  # noqa: E402
from handlers.clock import system_clock  # noqa: E402
from storage.crypto import new_key_spec  # noqa: E402
from storage.models import (  # noqa: E402
    AupAcknowledgement,
    Concern,
    Incident,
    OffsiteDeclaration,
    OutboxMessage,
)
from tests.drivers.signing import sign  # noqa: E402
from tests.drivers.slack import SlackBot  # noqa: E402
from tests.handlers.breach_steps import LOST_LAPTOP, LOST_SAFEGUARDING_PAPER  # noqa: E402
from tests.handlers.test_offsite_steps import MARKING_ON_PAPER, SEND_ON_PAPER, details  # noqa: E402

TEAM, TOKEN, SECRET, APP = "T0SOAK", "xoxb-soak-token", "soak-signing-secret", "A0SOAK"
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/safekeep_soak"
LONDON = ZoneInfo("Europe/London")
WAITING = "safekeep.waiting"
FLOWS = ("breach", "offsite", "aup", "concern")
PUPIL_KINDS = ("contact", "grooming", "cyberbullying", "nudes", "harmful_content")
# Roles, by person number: every alert has somebody to reach.
ROLES = {
    "headteacher": 1,
    "dsl": 2,
    "deputy_dsl": 3,
    "dpo": 4,
    "it_lead": 5,
    "online_safety_lead": 6,
    "admin": 5,
    "approver": 1,
}


class Form:
    """Fills a Slack view's inputs as Slack sends them (the test driver's own code)."""

    state_values = SlackBot.state_values
    _value = SlackBot._value


@dataclass
class Tally:
    started: collections.Counter[str] = field(default_factory=collections.Counter)
    submitted: collections.Counter[str] = field(default_factory=collections.Counter)
    outcomes: collections.Counter[str] = field(default_factory=collections.Counter)
    requests: int = 0
    slow: list[float] = field(default_factory=list)


class People:
    """The simulated staff: signed requests to the web process, views read from the fake."""

    def __init__(self, web_url: str, slack_url: str, tally: Tally, rng: random.Random) -> None:
        self.web_url = web_url
        self.slack_url = slack_url
        self.tally = tally
        self.rng = rng
        self.ids = iter(range(1, 10**9))
        self.session: aiohttp.ClientSession | None = None
        self.agreed: set[int] = set()

    # --- requests ----------------------------------------------------------------------------

    async def post(self, body: str, content_type: str) -> tuple[int, dict[str, Any]]:
        assert self.session is not None
        headers = {"Content-Type": content_type, **sign(body, SECRET)}
        began = time.monotonic()
        self.tally.requests += 1
        async with self.session.post(
            f"{self.web_url}/slack/events", data=body.encode(), headers=headers
        ) as answer:
            text_ = await answer.text()
        self.tally.slow.append(time.monotonic() - began)
        if answer.status >= 500:
            self.tally.outcomes[f"HTTP {answer.status} from web"] += 1
        found = json.loads(text_) if text_.strip().startswith("{") else {}
        return answer.status, found

    async def shown(self, number: int) -> tuple[int, dict[str, Any] | None]:
        assert self.session is not None
        query = urllib.parse.urlencode({"user": user_id(number)})
        async with self.session.get(f"{self.slack_url}/_soak/view?{query}") as answer:
            found = await answer.json()
        return int(found["count"]), found["view"]

    async def view_by_id(self, view_id: str) -> dict[str, Any] | None:
        assert self.session is not None
        query = urllib.parse.urlencode({"id": view_id})
        async with self.session.get(f"{self.slack_url}/_soak/view_by_id?{query}") as answer:
            return (await answer.json())["view"]

    def user(self, number: int) -> dict[str, str]:
        return {"id": user_id(number), "username": f"person{number:03d}", "team_id": TEAM}

    def trigger(self, number: int) -> str:
        return f"{next(self.ids)}.{user_id(number)}.trigger"

    async def command(self, number: int, name: str, text_: str = "") -> dict[str, Any] | None:
        """A slash command; returns the modal it opened (None if it opened none in time)."""
        before, _ = await self.shown(number)
        form = {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "soak",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": user_id(number),
            "user_name": f"person{number:03d}",
            "command": name,
            "text": text_,
            "api_app_id": APP,
            "is_enterprise_install": "false",
            "response_url": "https://hooks.slack.com/commands/T0SOAK/1/abc",
            "trigger_id": self.trigger(number),
        }
        status, _ = await self.post(
            urllib.parse.urlencode(form), "application/x-www-form-urlencoded"
        )
        if status != 200:
            return None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            count, view = await self.shown(number)
            if count > before:
                return view
            await asyncio.sleep(0.2)
        return None

    async def warm_up(self) -> None:
        """One command before the crowd: the first request creates the school."""
        form = {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "user_id": user_id(1),
            "user_name": "person001",
            "command": "/offsite",
            "text": "list",
            "api_app_id": APP,
            "response_url": "https://hooks.slack.com/commands/T0SOAK/1/abc",
            "trigger_id": self.trigger(1),
        }
        status, _ = await self.post(
            urllib.parse.urlencode(form), "application/x-www-form-urlencoded"
        )
        if status != 200:
            raise SystemExit(f"soak: the first request got HTTP {status}")

    async def submit(
        self, number: int, view: dict[str, Any], answers: dict[str, Any]
    ) -> tuple[str, dict[str, Any] | None]:
        """Submit a view; returns ("view", next view), ("errors", None) or ("closed", None)."""
        submitted = dict(view)
        submitted["state"] = {"values": Form().state_values(view, answers)}
        submitted.update({"team_id": TEAM, "app_id": APP, "hash": "1.abc"})
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "soak"},
            "user": self.user(number),
            "api_app_id": APP,
            "token": "legacy-verification-token",
            "trigger_id": self.trigger(number),
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
        }
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        status, found = await self.post(body, "application/x-www-form-urlencoded")
        if status != 200:
            return "failed", None
        action = found.get("response_action")
        if action == "errors":
            return "errors", None
        if action not in ("update", "push"):
            return "closed", None
        shown = dict(found["view"], id=view["id"])
        if shown.get("callback_id") != WAITING:
            return "view", shown
        # Slower than Slack's three seconds: the answer replaces "working on it" later.
        self.tally.outcomes["answered late (working on it)"] += 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            await asyncio.sleep(0.3)
            latest = await self.view_by_id(view["id"])
            if latest and latest.get("callback_id") != WAITING:
                if latest.get("callback_id") == view.get("callback_id"):
                    return "errors", None
                return "view", latest
        return "failed", None

    # --- the flows ---------------------------------------------------------------------------

    async def flow(self, number: int, kind: str) -> None:
        self.tally.started[kind] += 1
        try:
            recorded = await getattr(self, kind)(number)
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.tally.outcomes[f"{kind}: request failed ({type(exc).__name__})"] += 1
            return
        if recorded:
            self.tally.submitted[kind] += 1
        else:
            self.tally.outcomes[f"{kind}: not recorded"] += 1

    async def breach(self, number: int) -> bool:
        first = await self.command(number, "/breach")
        if first is None:
            return False
        what = self.rng.choice((LOST_LAPTOP, LOST_SAFEGUARDING_PAPER))
        outcome, second = await self.submit(number, first, what)
        if outcome != "view" or second is None:
            return False
        # The report is recorded (and the leads alerted) by the first step; the details follow.
        found = system_clock().astimezone(LONDON) - timedelta(hours=1)
        answers = {
            "occurred_at": None,
            "discovered_at": found.strftime("%Y-%m-%dT%H:%M"),
            "location": "transport",
            "description": "Left a bag on the train home.",
            "actions_taken": "Asked lost property to look for it.",
            "police_ref": "",
        }
        outcome, _ = await self.submit(number, second, answers)
        if outcome not in ("view", "closed"):
            self.tally.outcomes["breach: details step not saved"] += 1
        return True

    async def offsite(self, number: int) -> bool:
        first = await self.command(number, "/offsite")
        if first is None:
            return False
        what = self.rng.choice((MARKING_ON_PAPER, SEND_ON_PAPER))
        outcome, second = await self.submit(number, first, what)
        if outcome != "view" or second is None:
            return False
        outcome, _ = await self.submit(number, second, details(next_weekday().isoformat()))
        return outcome in ("view", "closed")

    async def aup(self, number: int) -> bool:
        view = await self.command(number, "/aup")
        if view is None or "submit" not in view:
            return False
        outcome, _ = await self.submit(number, view, {"response": "agree"})
        if outcome in ("view", "closed"):
            self.agreed.add(number)
            return True
        return False

    async def concern(self, number: int) -> bool:
        first = await self.command(number, "/concern")
        if first is None:
            return False
        outcome, second = await self.submit(number, first, {"kind": "pupil"})
        if outcome != "view" or second is None:
            return False
        sub_kind = self.rng.choice(PUPIL_KINDS)
        outcome, _ = await self.submit(number, second, {"sub_kind": sub_kind})
        return outcome in ("view", "closed")

    async def person(self, number: int, until: float, pause: tuple[float, float]) -> None:
        await asyncio.sleep(min(self.rng.uniform(0, pause[1]), until - time.monotonic()))
        while time.monotonic() < until:
            kinds = [k for k in FLOWS if not (k == "aup" and number in self.agreed)]
            await self.flow(number, self.rng.choice(kinds))
            await asyncio.sleep(max(0, min(self.rng.uniform(*pause), until - time.monotonic())))


def next_weekday() -> Any:
    day = system_clock().astimezone(LONDON).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


# --- the processes ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def school_toml(path: Path, people: int) -> None:
    lines = ['[school]\nname = "Soak Primary School"\ntimezone = "Europe/London"\n', "[roles]"]
    for role, number in ROLES.items():
        lines.append(f'{role} = "{email(number)}"')
    lines.append(
        '\n[aup]\nversion = "2026.1"\ntitle = "Staff Acceptable Use Policy"\n'
        "effective = 2026-09-01\n"
        'text = """\n1. I use school devices for school purposes.\n"""\n'
    )
    for number in range(1, people + 1):
        lines.append(f'[[staff]]\nemail = "{email(number)}"\nname = "Soak Person {number:03d}"\n')
    path.write_text("\n".join(lines), encoding="utf-8")


class Processes:
    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder = folder
        self.env = env
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *argv: str) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115  (closed with the process)
        process = subprocess.Popen(
            argv, cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.running[name] = process
        return process

    def stop_all(self) -> None:
        self.stop(*self.running)

    def stop(self, *names: str) -> None:
        chosen = [self.running[name] for name in names]
        for process in chosen:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in chosen:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(encoding="utf-8", errors="replace")


async def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(url) as answer:
                    if answer.status < 500:
                        return
            await asyncio.sleep(0.3)
    raise SystemExit(f"soak: {url} did not come up in {seconds:.0f} s")


def create_database(url: str) -> None:
    target = make_url(url)
    admin = target.set(database="postgres", drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target.database}"')


def drop_database(url: str) -> None:
    target = make_url(url)
    admin = target.set(database="postgres", drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')


def waiting_rows(engine: Any) -> tuple[int, int]:
    """(rows still to deliver, rows held back for later) in the outbox."""
    now = system_clock()
    with Session(engine) as session:
        pending = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "pending")
        ).all()
    held = [r for r in pending if _held(r.attempts, r.in_doubt_since, r.next_attempt_at, now)]
    return len(pending) - len(held), len(held)


def _held(attempts: int, in_doubt_since: Any, next_attempt_at: Any, now: Any) -> bool:
    """A row queued for later (a routine message held for school hours), not yet due: never
    tried and not in doubt (a dead worker's claim is in doubt, and waits, but is due)."""
    return attempts == 0 and in_doubt_since is None and next_attempt_at > now


# --- the run ---------------------------------------------------------------------------------


async def soak(args: argparse.Namespace, folder: Path) -> int:
    database = args.database
    create_database(database)
    slack_port, web_port = free_port(), free_port()
    slack_url, web_url = f"http://127.0.0.1:{slack_port}", f"http://127.0.0.1:{web_port}"
    config = folder / "school.toml"
    school_toml(config, args.people)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "SAFEKEEP_", "DATABASE_", "CONNECTIONS__"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database,
        SAFEKEEP_DATA_KEYS=new_key_spec("soak"),
        SAFEKEEP_SCHOOL_CONFIG=str(config),
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=f"{slack_url}/api/",
        # Three processes deliver (web and two workers), each pacing its own history reads:
        # each takes its share of the workspace's Tier 3 budget of 50 a minute.
        SLACK_HISTORY_READS_PER_MINUTE=str(args.history_share),
        PORT=str(web_port),
        **(
            {"SLACK_PROCESSING_WINDOW_SECONDS": str(args.processing_window)}
            if args.processing_window
            else {}
        ),
        HOST="127.0.0.1",
    )
    python = sys.executable
    procs = Processes(folder, env)
    engine = create_engine(database)
    began = time.monotonic()
    try:
        procs.start(
            "slack",
            python,
            str(ROOT / "benchmarks" / "soak_slack.py"),
            f"--port={slack_port}",
            f"--seed={args.seed}",
            f"--client-timeout={CLIENT_TIMEOUT}",
            f"--team={TEAM}",
            f"--token={TOKEN}",
            f"--people={args.people}",
        )
        migrated = subprocess.run(
            [python, "-m", "bot", "migrate"], cwd=folder, env=env, capture_output=True
        )
        if migrated.returncode != 0:
            raise SystemExit(f"soak: migrate failed:\n{migrated.stderr.decode()}")
        procs.start("web", python, "-m", "bot", "web")
        procs.start("worker-1", python, "-m", "bot", "worker")
        procs.start("worker-2", python, "-m", "bot", "worker")
        await wait_for(f"{slack_url}/_soak/stats")
        await wait_for(f"{web_url}/healthz")

        tally = Tally()
        rng = random.Random(args.seed)
        people = People(web_url, slack_url, tally, rng)
        connector = aiohttp.TCPConnector(limit=64)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            people.session = session
            # The first request creates the school from school.toml; the rest find it.
            await people.warm_up()
            print(f"soak: {args.people} people for {args.seconds} s against {web_url}", flush=True)
            start = time.monotonic()
            until = start + args.seconds
            crowd = [
                asyncio.create_task(people.person(n, until, (args.pause_min, args.pause_max)))
                for n in range(1, args.people + 1)
            ]
            await asyncio.sleep(args.seconds * args.kill_at)
            killed = procs.running["worker-2"]
            killed.send_signal(signal.SIGKILL)
            killed_at = time.monotonic() - start
            print(f"soak: worker-2 SIGKILLed at {killed_at:.1f} s", flush=True)
            await asyncio.wait(crowd, timeout=args.seconds * (1 - args.kill_at) + 120)
            traffic = time.monotonic() - start
        print(f"soak: traffic over after {traffic:.0f} s; draining the outbox", flush=True)

        drained_by = time.monotonic() + args.drain
        to_go, held = waiting_rows(engine)
        while to_go and time.monotonic() < drained_by:
            await asyncio.sleep(5)
            to_go, held = waiting_rows(engine)
            print(f"soak:   {to_go} to deliver, {held} held for later", flush=True)
        drain = time.monotonic() - start - traffic
        procs.stop("web", "worker-1", "worker-2")  # Slack stays up to be read
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{slack_url}/_soak/stats") as answer,
        ):
            stats = await answer.json()
    finally:
        procs.stop_all()
    code = report(args, engine, tally, stats, procs, killed_at, traffic, drain)
    engine.dispose()
    print(f"soak: {time.monotonic() - began:.0f} s in all; logs in {folder}")
    return code


def report(
    args: argparse.Namespace,
    engine: Any,
    tally: Tally,
    stats: dict[str, Any],
    procs: Processes,
    killed_at: float,
    traffic: float,
    drain: float,
) -> int:
    now = system_clock()
    with Session(engine) as session:
        stored = {
            "breach": session.scalar(select(func.count(Incident.id))) or 0,
            "offsite": session.scalar(select(func.count(OffsiteDeclaration.id))) or 0,
            "aup": session.scalar(select(func.count(AupAcknowledgement.id))) or 0,
            "concern": session.scalar(select(func.count(Concern.id))) or 0,
        }
        rows = session.scalars(select(OutboxMessage)).all()
        outbox = [
            {
                "id": r.id,
                "status": r.status,
                "attempts": r.attempts,
                "in_doubt": r.in_doubt_since is not None,
                "held": r.status == "pending"
                and _held(r.attempts, r.in_doubt_since, r.next_attempt_at, now),
                "urgent": r.urgent,
                "error": r.last_error,
            }
            for r in rows
        ]
        flows = session.execute(text("SELECT count(*) FROM audit_events")).scalar()
    posts: collections.Counter[int] = collections.Counter()
    how: dict[int, list[str]] = collections.defaultdict(list)
    untagged = 0
    for post in stats["posts"]:
        if post["outbox_id"] is None:
            untagged += 1
            continue
        posts[int(post["outbox_id"])] += 1
        how[int(post["outbox_id"])].append(post["how"])
    due = [r for r in outbox if not r["held"]]
    delivered = [r for r in due if posts[r["id"]] >= 1]
    doubled = [r for r in outbox if posts[r["id"]] >= 2]
    lost = [r for r in due if posts[r["id"]] == 0]
    in_doubt = [r for r in outbox if r["in_doubt"]]
    counts = stats["counts"]
    slow = sorted(tally.slow)

    def pct(p: float) -> float:
        return slow[min(len(slow) - 1, int(p * len(slow)))] if slow else 0.0

    print()
    print(f"## Soak: {args.people} people, {args.seconds} s of traffic, seed {args.seed}")
    print()
    print(
        f"web + 2 workers on PostgreSQL; worker-2 SIGKILLed at {killed_at:.0f} s; traffic "
        f"{traffic:.0f} s, then {drain:.0f} s to drain. Fake Slack: 5% 429, 2% 500 (half after "
        f"posting), 1% accepted then never answered, post latency up to {2 * CLIENT_TIMEOUT:.0f} s "
        f"(client timeout {CLIENT_TIMEOUT:.0f} s); history reads {args.history_share:g}/min per "
        f"process; processing window {args.processing_window or 'default (120)'} s."
    )
    print()
    print("| flow | started | submitted (told it was recorded) | stored |")
    print("|---|---:|---:|---:|")
    for kind in FLOWS:
        print(f"| {kind} | {tally.started[kind]} | {tally.submitted[kind]} | {stored[kind]} |")
    total_sub, total_stored = sum(tally.submitted.values()), sum(stored.values())
    print(f"| **all** | {sum(tally.started.values())} | {total_sub} | {total_stored} |")
    print()
    print("| outbox | rows |")
    print("|---|---:|")
    print(f"| queued | {len(outbox)} |")
    print(f"| held for later (school hours), not due | {len(outbox) - len(due)} |")
    print(f"| due | {len(due)} |")
    print(f"| delivered (seen by Slack) | {len(delivered)} |")
    print(f"| **doubled** | {len(doubled)} |")
    print(f"| **lost** (due, never seen by Slack) | {len(lost)} |")
    print(f"| were in doubt at some point | {len(in_doubt)} |")
    statuses = collections.Counter(r["status"] for r in outbox)
    print(f"| status in the database | {dict(statuses)} |")
    print()
    print("| fake Slack | count |")
    print("|---|---:|")
    for key in sorted(counts):
        print(f"| {key} | {counts[key]} |")
    print(f"| DMs without an outbox id | {untagged} |")
    print(f"| most history reads in any minute (Tier 3: 50) | {stats['history_peak_per_minute']} |")
    print()
    print(
        f"requests to web: {tally.requests}; answer time p50 {pct(0.5):.2f} s, p95 "
        f"{pct(0.95):.2f} s, max {pct(1.0):.2f} s; audit events {flows}"
    )
    for outcome, n in sorted(tally.outcomes.items()):
        print(f"  {outcome}: {n}")
    for name in procs.running:
        log = procs.log(name)
        found = {
            "traceback(s)": log.count("Traceback"),
            "claim(s) of a dead attempt picked up": log.count("an earlier attempt never finished"),
            "DM(s) found already posted": log.count("was posted by an earlier attempt"),
            "time(s) became the scheduler leader": log.count("is now the scheduler leader"),
        }
        said = ", ".join(f"{n} {what}" for what, n in found.items() if n)
        if said:
            print(f"  {name}.log: {said}")
    for row in doubled:
        print(f"  doubled: outbox #{row['id']} posted as {how[row['id']]}; {row}")
    for row in lost[:20]:
        print(f"  lost: {row}")
    missing = any(tally.submitted[k] > stored[k] for k in FLOWS)
    return 1 if doubled or lost or missing else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="a throwaway database")
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--pause-min", type=float, default=20.0, help="seconds between flows")
    parser.add_argument("--pause-max", type=float, default=60.0)
    parser.add_argument("--kill-at", type=float, default=0.5, help="share of the run")
    parser.add_argument("--drain", type=float, default=900.0, help="longest wait to drain")
    parser.add_argument("--history-share", type=float, default=16.0)
    parser.add_argument(
        "--processing-window",
        type=float,
        help="SLACK_PROCESSING_WINDOW_SECONDS for the run (default: Safekeep's own, 120); "
        "a short one shows the doubles the window prevents",
    )
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="safekeep-soak-"))
    try:
        return asyncio.run(soak(args, folder))
    finally:
        if not args.keep:
            with contextlib.suppress(psycopg.Error):
                drop_database(args.database)


if __name__ == "__main__":
    sys.exit(main())
