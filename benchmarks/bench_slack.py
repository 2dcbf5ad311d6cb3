"""Safekeep's Slack path beside a bare slack-bolt app, over HTTP, in one run (issue #15).

Starts three processes on 127.0.0.1: the fake Slack Web API (slack_fake_api.py), the real
``python -m bot web`` (a migrated SQLite file database, the demo school and staff) and the bare
bolt reference (reference_bolt_app.py). Then it sends both the same signed requests, Safekeep
and the reference in turn, and prints one Markdown table: measure, Safekeep, reference, ratio.

Run from the repository root: ``.venv/bin/python benchmarks/bench_slack.py [--quick]``.
See benchmarks/README.md for what each measure is.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bot.demo import DEMO_ROLES, DEMO_STAFF, demo_terms  # noqa: E402
from bot.slack.delivery import POST_BURST, POSTS_PER_MINUTE  # noqa: E402
from storage import crypto  # noqa: E402
from tests.drivers.fake_slack_api import FakeSlack  # noqa: E402
from tests.drivers.program import program_env  # noqa: E402
from tests.drivers.signing import SIGNING_SECRET, sign  # noqa: E402
from tests.drivers.slack import BOT_TOKEN, SlackBot, demo_workspace  # noqa: E402

LONDON = ZoneInfo("Europe/London")
BREACH_NUMBER = re.compile(r"Breach #(\d+)")
LEADS = ("dpo@example.org", "head@example.org", "it@example.org")  # whom a lost laptop alerts
REPORTERS = ("teacher@example.org", "ta@example.org", "senco@example.org", "sbm@example.org")
# The reference's breach numbers, far from Safekeep's, so the two never match each other's DMs.
REFERENCE_NUMBERS = 1_000_000
WAIT = 30.0  # seconds to wait for anything before counting it as failed
# What a request that failed raises: an answer other than 200, nothing in time, a lost connection.
FAILED = (RuntimeError, TimeoutError, aiohttp.ClientError)

# A lost, encrypted school laptop (tests/handlers/breach_steps.py): it alerts the three LEADS.
LOST_LAPTOP: dict[str, Any] = {
    "kind": "lost",
    "media": "device",
    "asset_tag": "LT-0042",
    "encrypted": "yes",
    "categories": ["planning", "marking"],
    "special_data": "",
    "people_band": "class",
    "subject_types": ["pupils"],
    "child_at_risk": "no",
}


@dataclass
class Sizes:
    serial: int  # requests per round, one at a time
    flight: int  # requests per round at 50 in flight
    alerts_one: int  # single reports per round
    rounds: int
    rss_requests: int
    cold_starts: int


QUICK = Sizes(serial=20, flight=150, alerts_one=6, rounds=2, rss_requests=1000, cold_starts=2)
FULL = Sizes(serial=50, flight=400, alerts_one=10, rounds=5, rss_requests=10_000, cold_starts=5)
IN_FLIGHT = 50
REPORTERS_AT_ONCE = 20


# --- processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measured_env(**extra: str) -> dict[str, str]:
    """program_env for a measured process, with Python free to write its bytecode caches:
    a shell's PYTHONDONTWRITEBYTECODE would otherwise make every cold start compile Safekeep's
    own modules from source (about 0.1 s of CPU), which no deployed install does."""
    env = program_env(**extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


@dataclass
class Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start it; returns when it started (time.monotonic())."""
        out = self.log.open("ab")
        started = time.monotonic()
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
        )
        out.close()
        return started

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def rss_mib(self) -> float:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self) -> float:
        """User plus system CPU time the process has used so far (Linux's /proc)."""
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def check_alive(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            raise SystemExit(f"{self.name} is not running. The end of its log:\n{tail}")


def school_toml(path: Path) -> None:
    """The demo school (bot/demo.py) as a school.toml, its terms around today."""
    lines = ["[school]", 'name = "Demo Primary School"', ""]
    for term in demo_terms(datetime.now(LONDON).date()):
        lines += [
            "[[terms]]",
            f'name = "{term.name}"',
            f"start = {term.start}",
            f"end = {term.end}",
        ]
        if term.half_term_start and term.half_term_end:
            lines.append(f"half_term = [{term.half_term_start}, {term.half_term_end}]")
        lines.append("")
    lines.append("[roles]")
    for role, emails in DEMO_ROLES.items():
        lines.append(f"{role} = [{', '.join(json.dumps(e) for e in emails)}]")
    lines.append("")
    for person in DEMO_STAFF:
        lines += [
            "[[staff]]",
            f'email = "{person.email}"',
            f'name = "{person.name}"',
            f'role_group = "{person.role_group}"',
            "",
        ]
    path.write_text("\n".join(lines))


# --- what reached the fake Web API --------------------------------------------------------


class Feed:
    """Every Web API call as the fake saw it arrive, from its /bench/feed WebSocket."""

    def __init__(self, lead_ids: Sequence[str]) -> None:
        self.first: dict[tuple[str, str], dict[str, Any]] = {}
        self.waiters: dict[tuple[str, str], asyncio.Future[dict[str, Any]]] = {}
        self.lead_channels = {c for u in lead_ids for c in (u, "D" + u[1:])}
        self.last_event = time.monotonic()
        self.count = 0
        # When Slack's limit of posts to a conversation frees the busiest lead's next slot (the
        # generic cell rate algorithm, as Safekeep's pacer counts it: bot/delivery/pacing.py).
        self.lead_slot: dict[str, float] = {}

    def keys(self, event: dict[str, Any]) -> list[tuple[str, str]]:
        method = event.get("m")
        if method == "views.open" and event.get("trigger"):
            return [("open", str(event["trigger"]))]
        if method == "views.update" and event.get("view_id"):
            return [("update", str(event["view_id"]))]
        if (
            method == "chat.postMessage"
            and event.get("ref")
            and event.get("channel") in self.lead_channels
        ):
            return [("alert", str(event["ref"]))]
        return []

    def seen(self, event: dict[str, Any]) -> None:
        self.last_event = time.monotonic()
        self.count += 1
        channel = str(event.get("channel") or "")
        if event.get("m") == "chat.postMessage" and channel in self.lead_channels:
            interval = 60 / POSTS_PER_MINUTE
            self.lead_slot[channel] = (
                max(self.lead_slot.get(channel, 0), self.last_event) + interval
            )
        for key in self.keys(event):
            if key[0] == "update":  # a view may be updated twice: keep the newest
                self.first[key] = event
            else:
                self.first.setdefault(key, event)
            waiter = self.waiters.pop(key, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(event)

    async def wait(self, key: tuple[str, str], timeout: float = WAIT) -> dict[str, Any]:
        if key in self.first:
            return self.first[key]
        waiter = self.waiters.setdefault(key, asyncio.get_running_loop().create_future())
        return await asyncio.wait_for(asyncio.shield(waiter), timeout)

    async def room_for(self, posts: int) -> None:
        """Wait until every lead's conversation can take ``posts`` more at once within Slack's
        limit (a burst of POST_BURST, then one a second), which Safekeep keeps to. Real Slack
        answers a faster stream with 429s, so a round that began over the limit would measure
        the pacing, not the path to the alert. The reference, which never paces, just waits."""
        interval = 60 / POSTS_PER_MINUTE
        busiest = max(self.lead_slot.values(), default=0.0)
        wait = busiest - time.monotonic() - (POST_BURST - posts) * interval
        if wait > 0:
            await asyncio.sleep(wait)

    async def quiet(self, for_seconds: float = 0.5, at_most: float = 60.0) -> None:
        """Wait until no call has reached the fake for a while (the outbox has drained)."""
        deadline = time.monotonic() + at_most
        while time.monotonic() < deadline:
            if time.monotonic() - self.last_event >= for_seconds:
                return
            await asyncio.sleep(0.05)

    async def run(self, session: aiohttp.ClientSession, url: str) -> None:
        async with session.ws_connect(url, max_msg_size=0) as ws:
            async for message in ws:
                self.seen(json.loads(message.data))


# --- the load client ------------------------------------------------------------------------


@dataclass
class Target:
    """One app under test, and the samples taken from it (seconds)."""

    name: str
    process: Process
    bot: SlackBot
    session: aiohttp.ClientSession | None = None
    requests: int = 0
    failures: int = 0
    samples: dict[str, list[float]] = field(default_factory=dict)
    numbers: int = REFERENCE_NUMBERS
    # Per measure: the CPU seconds the process used while its reports were submitted and
    # alerted, and how many reports that was.
    cpu: dict[str, tuple[float, int]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.process.port}/slack/events"

    def add(self, measure: str, seconds: float) -> None:
        self.samples.setdefault(measure, []).append(seconds)

    async def post(self, body: str, content_type: str) -> tuple[int, str]:
        assert self.session is not None
        self.requests += 1
        headers = {"Content-Type": content_type, **sign(body, SIGNING_SECRET)}
        async with self.session.post(self.url, data=body.encode(), headers=headers) as answer:
            return answer.status, await answer.text()

    async def post_payload(self, payload: dict[str, Any]) -> tuple[int, Any]:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        status, text = await self.post(body, "application/x-www-form-urlencoded")
        return status, json.loads(text) if text.strip().startswith("{") else None


async def command_to_modal(
    target: Target, feed: Feed, name: str, as_: str
) -> tuple[float, float, str]:
    """A signed slash command: (seconds to the HTTP answer, seconds to views.open at the fake,
    the id of the view it opened)."""
    form = target.bot.command_form(name, "", as_)
    body = urllib.parse.urlencode(form)
    sent = time.monotonic()
    status, _ = await target.post(body, "application/x-www-form-urlencoded")
    acked = time.monotonic()
    if status != 200:
        raise RuntimeError(f"{target.name} answered {name} with HTTP {status}")
    opened = await feed.wait(("open", form["trigger_id"]))
    return acked - sent, opened["t"] - sent, str(opened.get("view_id") or "")


async def serial_modals(target: Target, feed: Feed, count: int) -> None:
    for n in range(count):
        try:
            ack, modal, _ = await command_to_modal(
                target, feed, "/offsite", REPORTERS[n % len(REPORTERS)]
            )
        except FAILED:
            target.failures += 1
            continue
        target.add("serial_ack", ack)
        target.add("serial_modal", modal)


async def modals_in_flight(
    target: Target, feed: Feed, count: int, measure: str = "flight", limit: int = IN_FLIGHT
) -> None:
    """``count`` commands, ``limit`` at a time: each is one until its views.open arrived."""
    queue = iter(range(count))

    async def worker() -> None:
        for n in queue:
            try:
                ack, modal, _ = await command_to_modal(
                    target, feed, "/offsite", REPORTERS[n % len(REPORTERS)]
                )
            except FAILED:
                target.failures += 1
                continue
            target.add(f"{measure}_ack", ack)
            target.add(f"{measure}_modal", modal)

    await asyncio.gather(*(worker() for _ in range(limit)))


async def fetch_view(target: Target, fake_url: str, view_id: str) -> dict[str, Any]:
    assert target.session is not None
    async with target.session.get(f"{fake_url}/bench/views/{view_id}") as answer:
        answer.raise_for_status()
        return dict(await answer.json())


async def safekeep_report_step(
    target: Target, feed: Feed, fake_url: str, as_: str
) -> dict[str, Any]:
    """/breach, untimed: the view_submission payload of its first step ("what happened"), the
    one that stores the incident and queues the alerts."""
    _, _, view_id = await command_to_modal(target, feed, "/breach", as_)
    first = await fetch_view(target, fake_url, view_id)
    if first.get("callback_id") != "breach.report":
        raise RuntimeError(f"/breach opened {first.get('callback_id')}, not the report form")
    return target.bot.submission(first, LOST_LAPTOP, as_)


def reference_report_step(target: Target, as_: str) -> dict[str, Any]:
    target.numbers += 1
    view = {
        "id": f"VREF{target.numbers}",
        "type": "modal",
        "callback_id": "bench.breach",
        "private_metadata": str(target.numbers),
        "blocks": [],
    }
    return target.bot.submission(view, {}, as_)


async def submit_to_alert(
    target: Target, feed: Feed, payload: dict[str, Any]
) -> tuple[float, float]:
    """Post the step of a breach report that alerts: (seconds to its HTTP answer, to the first
    alert DM for that breach at the fake)."""
    sent = time.monotonic()
    status, answer = await target.post_payload(payload)
    acked = time.monotonic()
    if status != 200:
        raise RuntimeError(f"{target.name} answered the breach report with HTTP {status}")
    view = payload["view"]
    if view["callback_id"] == "bench.breach":
        number = view["private_metadata"]
    else:
        found = BREACH_NUMBER.search(json.dumps(answer))
        if found is None:  # "working on it" first: the number comes with the views.update
            update = await feed.wait(("update", view["id"]))
            deadline = time.monotonic() + WAIT
            while not update.get("ref"):
                if time.monotonic() > deadline:
                    raise TimeoutError("the breach's number never reached the fake")
                await asyncio.sleep(0.01)
                update = feed.first[("update", view["id"])]
            number = str(update["ref"])
        else:
            number = found.group(1)
    alert = await feed.wait(("alert", number))
    return acked - sent, alert["t"] - sent


async def breach_alerts(
    target: Target, feed: Feed, fake_url: str, reporters: int, repeat: int, measure: str
) -> None:
    """``repeat`` times: ``reporters`` people each fill in the report (untimed), then all submit
    the step that alerts at once; each submission's time to its first alert DM is a sample."""
    for _ in range(repeat):
        payloads = []
        for n in range(reporters):
            as_ = REPORTERS[n % len(REPORTERS)]
            try:
                if target.name == "Safekeep":
                    payloads.append(await safekeep_report_step(target, feed, fake_url, as_))
                else:
                    payloads.append(reference_report_step(target, as_))
            except FAILED:
                target.failures += 1
        await feed.quiet()
        await feed.room_for(len(payloads))
        cpu = target.process.cpu_seconds()
        results = await asyncio.gather(
            *(submit_to_alert(target, feed, p) for p in payloads), return_exceptions=True
        )
        await feed.quiet()  # the alerts' other DMs sent and recorded too
        seconds, reports = target.cpu.get(measure, (0.0, 0))
        used = target.process.cpu_seconds() - cpu
        target.cpu[measure] = (seconds + used, reports + len(payloads))
        for result in results:
            if isinstance(result, BaseException):
                target.failures += 1
                continue
            target.add(f"{measure}_ack", result[0])
            target.add(f"{measure}_alert", result[1])


async def wait_until_up(url: str, ok: Callable[[int], bool], timeout: float = 60) -> float:
    """Poll ``url`` every 5 ms until it answers; returns when it did (time.monotonic())."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as answer:
                    if ok(answer.status):
                        return time.monotonic()
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.005)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


# --- the run ----------------------------------------------------------------------------------


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


class Run:
    def __init__(
        self,
        sizes: Sizes,
        work: Path,
        profile: Path | None = None,
        modal_only: bool = False,
        alerts_only: bool = False,
    ) -> None:
        self.sizes = sizes
        self.modal_only = modal_only  # --modal: only the slash-command-to-modal measures
        self.alerts_only = alerts_only  # --alerts: only the breach-report-to-alert measures
        self.work = work
        self.profile = profile
        # py-spy's collapsed stacks (one "frame;frame count" line per stack) for a .txt file,
        # else a flame graph.
        self.profile_format = "raw" if profile and profile.suffix == ".txt" else "flamegraph"
        self.fake_port = free_port()
        self.fake_url = f"http://127.0.0.1:{self.fake_port}"
        ids = FakeSlack()
        demo_workspace(ids)
        # SlackBot builds the payloads exactly as the tests' driver does; it sends nothing here.
        # One for both apps, so no two requests share a trigger id.
        self.bot = SlackBot(ids, None, "http://unused", None)  # type: ignore[arg-type]
        lead_ids = [self.bot.user_id(email) for email in LEADS]
        self.lead_ids = lead_ids
        self.fake = Process(
            "the fake Slack Web API",
            [sys.executable, str(HERE / "slack_fake_api.py"), "--port", str(self.fake_port)],
            program_env(PYTHONPATH=str(ROOT)),
            work / "fake.log",
            self.fake_port,
        )
        self.database = work / "bench.db"
        config = work / "school.toml"
        school_toml(config)
        self.safekeep_env = measured_env(
            DATABASE_URL=f"sqlite:///{self.database}",
            SAFEKEEP_DATA_KEYS=crypto.new_key_spec("bench"),
            SAFEKEEP_SCHOOL_CONFIG=str(config),
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=f"{self.fake_url}/api/",
            HOST="127.0.0.1",
            PYTHONUNBUFFERED="1",
        )
        self.reference_env = measured_env(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=f"{self.fake_url}/api/",
            BENCH_ALERT_USERS=",".join(lead_ids),
            PYTHONUNBUFFERED="1",
        )
        self.cold: dict[str, list[float]] = {"Safekeep": [], "reference": []}

    def safekeep_process(self) -> Process:
        port = free_port()
        return Process(
            "python -m bot web",
            [sys.executable, "-m", "bot", "web"],
            {**self.safekeep_env, "PORT": str(port)},
            self.work / "web.log",
            port,
        )

    def reference_process(self) -> Process:
        port = free_port()
        return Process(
            "the bolt reference",
            [sys.executable, str(HERE / "reference_bolt_app.py")],
            {**self.reference_env, "PORT": str(port)},
            self.work / "reference.log",
            port,
        )

    async def up(self, process: Process, name: str) -> float:
        """Start a process and wait for its first answer: seconds from start."""
        started = process.start()
        if name == "Safekeep":
            url = f"http://127.0.0.1:{process.port}/healthz"
            answered = await wait_until_up(url, lambda status: status == 200)
        else:  # bolt serves only POST /slack/events: any HTTP answer means it is up
            url = f"http://127.0.0.1:{process.port}/slack/events"
            answered = await wait_until_up(url, lambda status: True)
        return answered - started

    def migrate(self) -> None:
        done = subprocess.run(
            [sys.executable, "-m", "bot", "migrate"],
            cwd=ROOT,
            env=self.safekeep_env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"python -m bot migrate failed:\n{done.stderr}")

    async def cold_starts(self) -> None:
        makers = {"Safekeep": self.safekeep_process, "reference": self.reference_process}
        # The first start of each writes Python's bytecode caches: not counted.
        for round_ in range(self.sizes.cold_starts + 1):
            for name in self.order(round_):
                process = makers[name]()
                try:
                    seconds = await self.up(process, name)
                finally:
                    process.stop()
                if round_:
                    self.cold[name].append(seconds)

    @staticmethod
    def order(round_: int) -> list[str]:
        return ["Safekeep", "reference"] if round_ % 2 == 0 else ["reference", "Safekeep"]

    async def main(self) -> dict[str, Target]:
        self.fake.start()
        await wait_until_up(f"{self.fake_url}/bench/ping", lambda status: status == 200)
        self.migrate()
        if not (self.modal_only or self.alerts_only):
            await self.cold_starts()
        targets = {
            "Safekeep": Target("Safekeep", self.safekeep_process(), self.bot),
            "reference": Target("reference", self.reference_process(), self.bot),
        }
        feed = Feed(self.lead_ids)
        async with aiohttp.ClientSession() as feed_session:
            feed_task = asyncio.ensure_future(feed.run(feed_session, f"{self.fake_url}/bench/feed"))
            try:
                for name, target in targets.items():
                    await self.up(target.process, name)
                    connector = aiohttp.TCPConnector(limit=IN_FLIGHT * 2)
                    target.session = aiohttp.ClientSession(
                        connector=connector, timeout=aiohttp.ClientTimeout(total=WAIT)
                    )
                await self.measure(targets, feed)
            finally:
                feed_task.cancel()
                for target in targets.values():
                    if target.session is not None:
                        await target.session.close()
                    target.process.stop()
        return targets

    async def measure(self, targets: dict[str, Target], feed: Feed) -> None:
        profiler = self.start_profiler(targets["Safekeep"].process)
        try:
            await self.measure_all(targets, feed)
        finally:
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
                profiler.wait(60)

    def start_profiler(self, process: Process) -> subprocess.Popen[bytes] | None:
        """With --profile: py-spy samples the Safekeep web process while it is measured."""
        if self.profile is None:
            return None
        spy = shutil.which("py-spy")
        if spy is None:
            raise SystemExit("--profile needs py-spy on the PATH: pip install py-spy")
        assert process.proc is not None
        return subprocess.Popen(
            [spy, "record", "--pid", str(process.proc.pid), "--format", self.profile_format]
            + ["--rate", "250", "--nonblocking", "--output", str(self.profile)],
            stdout=subprocess.DEVNULL,
        )

    async def measure_all(self, targets: dict[str, Target], feed: Feed) -> None:
        sizes = self.sizes
        # Warm up: the school is made on first use, each reporter is looked up once.
        for target in targets.values():
            for n, as_ in enumerate(REPORTERS * 2):
                await command_to_modal(target, feed, "/offsite" if n % 2 else "/breach", as_)
            target.failures = 0
        await feed.quiet()
        phases: list[tuple[str, Callable[[Target], Any]]] = [
            ("serial", lambda t: serial_modals(t, feed, sizes.serial)),
            ("50 in flight", lambda t: modals_in_flight(t, feed, sizes.flight)),
            (
                "breach, 1 reporter",
                lambda t: breach_alerts(t, feed, self.fake_url, 1, sizes.alerts_one, "one"),
            ),
            (
                "breach, 20 reporters",
                lambda t: breach_alerts(t, feed, self.fake_url, REPORTERS_AT_ONCE, 1, "twenty"),
            ),
        ]
        if self.modal_only:
            phases = phases[:2]
        if self.alerts_only:
            phases = phases[2:]
        for label, phase in phases:
            for round_ in range(sizes.rounds):
                for name in self.order(round_):
                    target = targets[name]
                    target.process.check_alive()
                    started = time.monotonic()
                    await phase(target)
                    await feed.quiet()
                    took = time.monotonic() - started
                    print(f"  {label}, round {round_ + 1}: {name} {took:.1f} s", file=sys.stderr)
        if self.modal_only or self.alerts_only:
            return
        # Footprint: requests at 50 in flight until each has had rss_requests in all.
        for name in self.order(0):
            target = targets[name]
            if target.requests < 1000:
                await modals_in_flight(target, feed, 1000 - target.requests, "rss")
            target.samples["rss_1000"] = [target.process.rss_mib()]
            left = sizes.rss_requests - target.requests
            if left > 0:
                await modals_in_flight(target, feed, left, "rss")
            target.samples["rss_n"] = [target.process.rss_mib()]
            target.samples["requests"] = [float(target.requests)]
            print(f"  footprint: {name} after {target.requests} requests", file=sys.stderr)
            await feed.quiet()


def table(targets: dict[str, Target], cold: dict[str, list[float]], sizes: Sizes) -> str:
    safekeep, reference = targets["Safekeep"], targets["reference"]

    def row(measure: str, key: str, q: float) -> str:
        ours, theirs = safekeep.samples.get(key), reference.samples.get(key)
        if not ours or not theirs:
            return f"| {measure} | no samples | no samples | |"
        a, b = quantile(ours, q), quantile(theirs, q)
        return f"| {measure} | {ms(a)} | {ms(b)} | {a / b:.1f}× |"

    n1, n20 = (
        len(safekeep.samples.get("one_alert", [])),
        len(safekeep.samples.get("twenty_alert", [])),
    )
    header = ["| measure | Safekeep | bare bolt reference | ratio |", "|---|---:|---:|---:|"]
    alerts = [
        row(f"breach submit to first alert DM, 1 reporter, p50 (n={n1})", "one_alert", 0.5),
        row("same, 1 reporter, p99", "one_alert", 0.99),
        row(
            f"breach submit to first alert DM, {REPORTERS_AT_ONCE} reporters, p50 (n={n20})",
            "twenty_alert",
            0.5,
        ),
        row(f"same, {REPORTERS_AT_ONCE} reporters, p99", "twenty_alert", 0.99),
        row(
            f"HTTP ack of the breach submit, {REPORTERS_AT_ONCE} reporters, p99", "twenty_ack", 0.99
        ),
        cpu_row(safekeep, reference, "twenty"),
    ]
    if "serial_modal" not in safekeep.samples:  # --alerts: the breach measures only
        return "\n".join(header + alerts + failures(safekeep, reference))
    rows = header + [
        row("signed `/offsite` to `views.open`, serial, p50", "serial_modal", 0.5),
        row("same, serial, p99", "serial_modal", 0.99),
        row(f"same, {IN_FLIGHT} in flight, p50", "flight_modal", 0.5),
        row(f"same, {IN_FLIGHT} in flight, p99", "flight_modal", 0.99),
        row(f"HTTP ack of `/offsite` at {IN_FLIGHT} in flight, p50", "flight_ack", 0.5),
        row(f"HTTP ack of `/offsite` at {IN_FLIGHT} in flight, p99", "flight_ack", 0.99),
    ]
    if "rss_n" not in safekeep.samples:  # --modal: the modal measures only
        return "\n".join(rows + failures(safekeep, reference))
    rows += alerts
    requests = int(safekeep.samples["requests"][0])
    a, b = safekeep.samples["rss_n"][0], reference.samples["rss_n"][0]
    rows.append(f"| RSS after {requests:,} requests | {a:.0f} MiB | {b:.0f} MiB | {a / b:.1f}× |")
    if requests > 1000:
        a1, b1 = safekeep.samples["rss_1000"][0], reference.samples["rss_1000"][0]
        rows.append(
            f"| RSS growth from the 1,000th request | {(a / a1 - 1) * 100:+.1f}% "
            f"| {(b / b1 - 1) * 100:+.1f}% | |"
        )
    a, b = statistics.median(cold["Safekeep"]), statistics.median(cold["reference"])
    rows.append(
        f"| cold start to `/healthz` (Safekeep) / first answer (reference), median of "
        f"{len(cold['Safekeep'])} | {a:.2f} s | {b:.2f} s | {a / b:.1f}× |"
    )
    return "\n".join(rows + failures(safekeep, reference))


def cpu_row(safekeep: Target, reference: Target, measure: str) -> str:
    """The web process's CPU time per report: what one process on these cores can serve."""
    per: list[float] = []
    for target in (safekeep, reference):
        seconds, reports = target.cpu.get(measure, (0.0, 0))
        if not reports:
            return f"| CPU time per breach submit, {REPORTERS_AT_ONCE} reporters | no samples | |"
        per.append(seconds / reports)
    return (
        f"| CPU time of the process per breach submit, its alerts sent, {REPORTERS_AT_ONCE} "
        f"reporters | {ms(per[0])} | {ms(per[1])} | {per[0] / per[1]:.1f}× |"
    )


def failures(safekeep: Target, reference: Target) -> list[str]:
    if not (safekeep.failures or reference.failures):
        return []
    return [f"| requests that failed or timed out | {safekeep.failures} | {reference.failures} | |"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples: under 2 minutes")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, db)")
    parser.add_argument(
        "--profile",
        type=Path,
        help="sample the Safekeep web process with py-spy while it is measured, into this file "
        "(.svg: a flame graph; .txt: collapsed stacks)",
    )
    parser.add_argument(
        "--modal",
        action="store_true",
        help="only the slash-command-to-modal measures (serial, 50 in flight): no breach "
        "reports, footprint or cold starts",
    )
    parser.add_argument(
        "--alerts",
        action="store_true",
        help="only the breach-report-to-alert measures (1 and 20 reporters): no modals, "
        "footprint or cold starts",
    )
    args = parser.parse_args(argv)
    if args.modal and args.alerts:
        parser.error("--modal and --alerts each pick one part: give one of them, or neither")
    sizes = QUICK if args.quick else FULL
    work = Path(tempfile.mkdtemp(prefix="safekeep-bench-"))
    run = Run(sizes, work, args.profile, args.modal, args.alerts)
    began = time.monotonic()
    try:
        targets = asyncio.run(run.main())
    finally:
        run.fake.stop()
        if args.keep:
            print(f"logs and database kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"  took {time.monotonic() - began:.0f} s", file=sys.stderr)
    print(table(targets, run.cold, sizes))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
