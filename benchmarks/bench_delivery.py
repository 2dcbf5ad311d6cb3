"""Outbox delivery throughput beside bare slack_sdk, over HTTP, in one run (issue #15, goal 3).

Makes a migrated database with 500 Slack schools (each its own workspace, installed by OAuth) and
a few staff each, and starts the fake Slack Web API (slack_fake_api.py) in its own process with
those workspaces. Then, at each API latency and in alternating rounds, it queues N DMs spread over
the workspaces and their staff and drains them with the real dispatcher and Slack sender (built
as ``python -m bot web`` builds them, in a process of their own), and posts the same number of
``chat.postMessage`` calls with bare slack_sdk ``AsyncWebClient``s at the same concurrency. It
checks that every DM was posted exactly once (each carries its outbox id in its metadata) and
prints one Markdown table: measure, Safekeep, reference, ratio.

Run from the repository root: ``.venv/bin/python benchmarks/bench_delivery.py [--quick]
[--latency-ms 0,100] [--database URL]``. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from benchmarks.bench_slack import Process, free_port, wait_until_up  # noqa: E402
from benchmarks.slack_fake_api import bench_workspace  # noqa: E402
from storage import crypto  # noqa: E402
from tests.drivers.program import program_env  # noqa: E402
from tests.drivers.signing import SIGNING_SECRET  # noqa: E402

WORKSPACES = 500  # schools, each a Slack workspace of its own
STAFF = 4  # people a school (each a conversation of its own)
CLIENT_ID = "111.222"
# The bare reference's metadata ids start here, far from any outbox id.
REFERENCE_IDS = 10_000_000
NOTICE_TEXT = "Offsite record #{n} · due back today · approved by the SIRO"


@dataclass
class Sizes:
    dms: int
    rounds: int
    workspaces: int = WORKSPACES


QUICK = Sizes(dms=1_000, rounds=2)
FULL = Sizes(dms=5_000, rounds=3)


def in_flight() -> int:
    """The dispatcher's own bound on sends under way at once: the reference uses the same."""
    from bot.delivery import dispatcher

    return int(getattr(dispatcher, "IN_FLIGHT", 50))  # before IN_FLIGHT: a batch of 50 at once


# --- the database -----------------------------------------------------------------------------


def prepare_database(url: str, env: dict[str, str]) -> None:
    """A migrated, empty database at ``url`` (a PostgreSQL one is emptied first)."""
    from storage.database import make_engine

    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    done = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"python -m bot migrate failed:\n{done.stderr}")


def add_schools(url: str, key_spec: str, workspaces: int) -> list[tuple[int, int]]:
    """``workspaces`` Slack schools, each installed in its own bench workspace, with STAFF people who have
    used Safekeep in Slack; returns (school id, person id) for every person."""
    from slack_sdk.oauth.installation_store.models.installation import Installation

    from bot.slack.oauth import EncryptedInstallationStore
    from storage.database import make_engine, session_factory, transaction
    from storage.models import Person, PlatformIdentity, School

    crypto.use_keys(crypto.KeyRing.parse(key_spec))
    engine = make_engine(url)
    factory = session_factory(engine)
    now = datetime.now(UTC)
    people: list[tuple[int, int]] = []
    with transaction(factory) as session:
        for number in range(1, workspaces + 1):
            team, _ = bench_workspace(number)
            school = School(name=f"Bench school {number}", platform="slack", created_at=now)
            school.slack_team_id = team
            session.add(school)
            session.flush()
            for k in range(STAFF):
                person = Person(
                    school_id=school.id,
                    email=f"staff{k}@school{number}.example.org",
                    display_name=f"Staff {k}",
                    created_at=now,
                )
                session.add(person)
                session.flush()
                session.add(
                    PlatformIdentity(
                        school_id=school.id,
                        person_id=person.id,
                        platform="slack",
                        external_id=f"U{number:05d}{k}",
                    )
                )
                people.append((school.id, person.id))
    store = EncryptedInstallationStore(client_id=CLIENT_ID, engine=engine)
    for number in range(1, workspaces + 1):
        team, token = bench_workspace(number)
        store.save(
            Installation(
                app_id="A0BENCH",
                team_id=team,
                bot_token=token,
                bot_id=f"B{number}",
                bot_user_id=f"UBOT{number}",
                user_id=f"UINSTALL{number}",
                installed_at=now.timestamp(),
            )
        )
    engine.dispose()
    return people


def queue_dms(url: str, key_spec: str, people: list[tuple[int, int]], count: int) -> list[int]:
    """Queue ``count`` DMs, person after person across the schools (so one conversation's DMs
    are far apart and Slack's one-a-second pacing never holds the run up); returns their ids."""
    from handlers.replies import Notice
    from storage.database import make_engine, session_factory, transaction
    from storage.models import OutboxMessage

    crypto.use_keys(crypto.KeyRing.parse(key_spec))
    engine = make_engine(url)
    now = datetime.now(UTC) - timedelta(seconds=1)
    # people holds each school's staff together: take the first of every school, then the second.
    schools = len(people) // STAFF
    ordered = [people[s * STAFF + k] for k in range(STAFF) for s in range(schools)]
    rows = [
        {
            "school_id": ordered[n % len(ordered)][0],
            "recipient_id": ordered[n % len(ordered)][1],
            "payload": Notice(NOTICE_TEXT.format(n=n)).to_json(),
            "urgent": False,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for n in range(count)
    ]
    with transaction(session_factory(engine)) as session:
        first = session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))
        session.execute(insert(OutboxMessage), rows)
        ids = list(
            session.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.id > (first or 0))
                .order_by(OutboxMessage.id)
            )
        )
    engine.dispose()
    return ids


# --- the two senders, each in a process of its own ----------------------------------------------


async def drain_outbox() -> dict[str, float]:
    """Safekeep: the dispatcher and the Slack sender as the web process builds them, delivering
    until nothing is pending; the clock starts once they are built."""
    from sqlalchemy import func

    from bot import worker
    from bot.delivery import Dispatcher
    from bot.runtime import start
    from bot.settings import load_settings
    from handlers.clock import system_clock
    from storage.models import OutboxMessage

    rt = start(load_settings(), allow_local_key=False, clock=system_clock)
    dispatcher = Dispatcher(rt.factory, worker.platform_senders(rt), rt.clock)

    def pending() -> int:
        with rt.factory() as session:
            query = select(func.count(OutboxMessage.id)).where(OutboxMessage.status == "pending")
            return int(session.scalar(query) or 0)

    started = time.monotonic()
    sent = 0
    while True:
        sent += await dispatcher.deliver_due()
        if await asyncio.to_thread(pending) == 0 or time.monotonic() - started > 600:
            break
        await asyncio.sleep(0.02)  # a DM paced to its conversation's limit comes back soon
    seconds = time.monotonic() - started
    await dispatcher.close()
    return {"sent": sent, "seconds": seconds}


async def post_bare(job: dict[str, Any]) -> dict[str, float]:
    """The reference: bare slack_sdk, one AsyncWebClient a workspace on one shared aiohttp
    session, ``job["concurrency"]`` posts at a time."""
    from slack_sdk.web.async_client import AsyncWebClient

    async with aiohttp.ClientSession() as session:
        clients = {
            token: AsyncWebClient(token=token, base_url=job["api_url"], session=session)
            for token in {post["token"] for post in job["posts"]}
        }
        limit = asyncio.Semaphore(job["concurrency"])

        async def post(one: dict[str, Any]) -> None:
            async with limit:
                await clients[one["token"]].chat_postMessage(
                    channel=one["channel"],
                    metadata={
                        "event_type": "safekeep_outbox",
                        "event_payload": {"outbox_id": one["id"]},
                    },
                    **job["message"],
                )

        started = time.monotonic()
        await asyncio.gather(*(post(one) for one in job["posts"]))
        return {"sent": len(job["posts"]), "seconds": time.monotonic() - started}


def reference_job(workspaces: int, count: int, api_url: str) -> dict[str, Any]:
    """The same number of posts over the same workspaces and conversations as queue_dms."""
    from bot.slack import render
    from handlers.replies import Notice

    posts = []
    for n in range(count):
        k, number = divmod(n % (workspaces * STAFF), workspaces)
        posts.append(
            {
                "id": REFERENCE_IDS + n,
                "token": bench_workspace(number + 1)[1],
                "channel": f"U{number + 1:05d}{k % STAFF}",
            }
        )
    message = render.notice_message(Notice(NOTICE_TEXT.format(n=0)))
    return {"api_url": api_url, "concurrency": in_flight(), "posts": posts, "message": message}


# --- the run ----------------------------------------------------------------------------------


def profiled(argv: list[str], output: Path) -> list[str]:
    """``argv`` run under py-spy, sampled into ``output`` (.txt: collapsed stacks; else a flame
    graph)."""
    spy = shutil.which("py-spy")
    if spy is None:
        raise SystemExit("--profile needs py-spy on the PATH: pip install py-spy")
    form = "raw" if output.suffix == ".txt" else "flamegraph"
    return [spy, "record", "--format", form, "--rate", "250", "--output", str(output), "--"] + argv


class Run:
    def __init__(
        self, sizes: Sizes, work: Path, database: str | None, profile: Path | None = None
    ) -> None:
        self.sizes = sizes
        self.work = work
        self.profile = profile
        self.profiled = False
        self.url = database or f"sqlite:///{work / 'bench.db'}"
        self.key_spec = crypto.new_key_spec("bench")
        port = free_port()
        self.fake_url = f"http://127.0.0.1:{port}"
        self.fake = Process(
            "the fake Slack Web API",
            [sys.executable, str(HERE / "slack_fake_api.py"), "--port", str(port)]
            + ["--workspaces", str(sizes.workspaces)],
            program_env(PYTHONPATH=str(ROOT)),
            work / "fake.log",
            port,
        )
        self.env = program_env(
            DATABASE_URL=self.url,
            SAFEKEEP_DATA_KEYS=self.key_spec,
            SLACK_CLIENT_ID=CLIENT_ID,
            SLACK_CLIENT_SECRET="bench-secret",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=f"{self.fake_url}/api/",
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
        )
        self.people: list[tuple[int, int]] = []
        self.wrong: list[str] = []

    def run_side(self, side: str, job: Path | None = None) -> dict[str, float]:
        result = self.work / f"{side}.json"
        argv = [sys.executable, str(Path(__file__).resolve()), "--side", side]
        argv += ["--result", str(result)]
        if job is not None:
            argv += ["--job", str(job)]
        if side == "safekeep" and self.profile is not None and not self.profiled:
            argv = profiled(argv, self.profile)
            self.profiled = True
        with (self.work / f"{side}.log").open("ab") as log:
            done = subprocess.run(argv, cwd=ROOT, env=self.env, stdout=log, stderr=log)
        if done.returncode != 0:
            tail = (self.work / f"{side}.log").read_text(errors="replace")[-3000:]
            raise SystemExit(f"the {side} run failed. The end of its log:\n{tail}")
        return dict(json.loads(result.read_text()))

    async def posts(self, session: aiohttp.ClientSession) -> dict[int, int]:
        async with session.get(f"{self.fake_url}/bench/posts") as answer:
            return {int(k): v for k, v in (await answer.json()).items()}

    def check_once(self, label: str, expected: Sequence[int], posted: dict[int, int]) -> None:
        missing = [i for i in expected if posted.get(i, 0) == 0]
        doubled = [i for i in expected if posted.get(i, 0) > 1]
        strays = set(posted) - set(expected)
        if missing or doubled or strays:
            self.wrong.append(
                f"{label}: {len(missing)} never posted, {len(doubled)} posted twice or more, "
                f"{len(strays)} not asked for"
            )

    async def main(self, latencies: Sequence[int]) -> dict[int, dict[str, list[float]]]:
        self.fake.start()
        results: dict[int, dict[str, list[float]]] = {}
        try:
            await wait_until_up(f"{self.fake_url}/bench/ping", lambda status: status == 200)
            prepare_database(self.url, self.env)
            self.people = add_schools(self.url, self.key_spec, self.sizes.workspaces)
            job_file = self.work / "reference-job.json"
            job = reference_job(self.sizes.workspaces, self.sizes.dms, f"{self.fake_url}/api/")
            job_file.write_text(json.dumps(job))
            async with aiohttp.ClientSession() as session:
                for latency in latencies:
                    await session.post(f"{self.fake_url}/bench/latency?ms={latency}")
                    rates: dict[str, list[float]] = {"Safekeep": [], "reference": []}
                    for round_ in range(self.sizes.rounds):
                        order = ["Safekeep", "reference"] if round_ % 2 == 0 else ["reference"]
                        if round_ % 2:
                            order.append("Safekeep")
                        for side in order:
                            self.fake.check_alive()
                            await session.post(f"{self.fake_url}/bench/reset")
                            if side == "Safekeep":
                                ids = queue_dms(
                                    self.url, self.key_spec, self.people, self.sizes.dms
                                )
                                result = self.run_side("safekeep")
                            else:
                                ids = [p["id"] for p in job["posts"]]
                                result = self.run_side("reference", job_file)
                            self.check_once(
                                f"{side}, {latency} ms, round {round_ + 1}",
                                ids,
                                await self.posts(session),
                            )
                            rate = len(ids) / result["seconds"]
                            rates[side].append(rate)
                            print(
                                f"  {latency} ms, round {round_ + 1}: {side} {rate:.0f} DMs/s",
                                file=sys.stderr,
                            )
                    results[latency] = rates
        finally:
            self.fake.stop()
        return results


def table(results: dict[int, dict[str, list[float]]], sizes: Sizes, wrong: list[str]) -> str:
    rows = [
        "| measure | Safekeep | bare slack_sdk reference | ratio |",
        "|---|---:|---:|---:|",
    ]
    for latency, rates in results.items():
        ours, theirs = statistics.median(rates["Safekeep"]), statistics.median(rates["reference"])
        rows.append(
            f"| outbox delivery, {sizes.dms:,} DMs over {sizes.workspaces} workspaces, {latency} ms API "
            f"latency, DMs/s (median of {len(rates['Safekeep'])}) | {ours:.0f} | {theirs:.0f} "
            f"| {ours / theirs:.2f}× |"
        )
    rounds = sum(len(r["Safekeep"]) + len(r["reference"]) for r in results.values())
    verdict = "every DM exactly once" if not wrong else "; ".join(wrong)
    rows.append(f"| posted exactly once ({rounds} runs) | {verdict} | | |")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 DMs, 2 rounds")
    parser.add_argument("--dms", type=int, help="DMs a run (default 5,000; --quick 1,000)")
    parser.add_argument("--rounds", type=int, help="runs of each side at each latency")
    parser.add_argument("--workspaces", type=int, default=WORKSPACES, help="schools (workspaces)")
    parser.add_argument("--latency-ms", default="0,100", help="Web API latencies, comma-separated")
    parser.add_argument(
        "--database",
        help="a PostgreSQL URL to run on instead of a SQLite file: it is EMPTIED first",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, db)")
    parser.add_argument(
        "--profile",
        type=Path,
        help="sample Safekeep's first run with py-spy into this file (.svg: a flame graph; "
        ".txt: collapsed stacks)",
    )
    parser.add_argument("--side", choices=["safekeep", "reference"], help=argparse.SUPPRESS)
    parser.add_argument("--job", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.side is not None:
        if args.side == "safekeep":
            result = asyncio.run(drain_outbox())
        else:
            result = asyncio.run(post_bare(json.loads(args.job.read_text())))
        args.result.write_text(json.dumps(result))
        return 0
    base = QUICK if args.quick else FULL
    sizes = Sizes(args.dms or base.dms, args.rounds or base.rounds, args.workspaces)
    latencies = [int(x) for x in args.latency_ms.split(",") if x.strip()]
    work = Path(tempfile.mkdtemp(prefix="safekeep-bench-delivery-"))
    run = Run(sizes, work, args.database, args.profile)
    began = time.monotonic()
    try:
        results = asyncio.run(run.main(latencies))
    finally:
        if args.keep:
            print(f"logs and database kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"  took {time.monotonic() - began:.0f} s", file=sys.stderr)
    print(table(results, sizes, run.wrong))
    return 1 if run.wrong else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
