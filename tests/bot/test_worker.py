"""The worker: one elected scheduler runs the sweeps every minute and wakes the dispatcher."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from bot import worker
from bot.delivery import Delivery, Dispatcher
from bot.runtime import Runtime
from bot.settings import Settings
from handlers import people
from handlers.replies import Notice
from schedules import sweeps
from storage import crypto
from storage.database import make_engine
from storage.outbox import LedgerKey
from tests.conftest import PG_URL
from tests.drivers.program import ROOT, program_env

NEEDS_POSTGRES = pytest.mark.skipif(
    not PG_URL,
    reason="leader election is a PostgreSQL advisory lock; on SQLite one process schedules "
    "by agreement (set TEST_DATABASE_URL to run this)",
)


class RecordingSender:
    """A platform that accepts every DM and remembers who it was for."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.arrived = asyncio.Event()

    async def send(self, delivery: Delivery) -> str | None:
        self.sent.append((delivery.recipient.email, delivery.notice.text))
        self.arrived.set()
        return None


class CountingDispatcher(Dispatcher):
    """The real dispatcher, telling the test when each delivery round has finished."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.round_done = asyncio.Event()

    async def deliver_due(self) -> int:
        sent = await super().deliver_due()
        self.round_done.set()
        return sent


def reminder_sweep(ctx) -> int:  # type: ignore[no-untyped-def]
    """A test sweep: one reminder a day to the class teacher, through the ledger."""
    teacher = people.find_by_email(ctx.session, ctx.school.id, "teacher@example.org")
    queued = ctx.notify(
        [teacher],
        Notice("Test reminder · nothing personal"),
        key=LedgerKey("test", "reminder", ctx.now.date().isoformat()),
    )
    return int(queued)


async def test_the_scheduler_runs_the_sweeps_at_once_and_wakes_the_dispatcher(
    monkeypatch, database_url, engine, factory, clock, school
):
    monkeypatch.setitem(sweeps.SWEEPS, "test_reminder", reminder_sweep)
    sender = RecordingSender()
    dispatcher = CountingDispatcher(factory, {"console": sender}, clock)
    rt = Runtime(Settings(database_url=database_url), engine, factory, clock)

    # The dispatcher polls only hourly here, so a prompt delivery proves the scheduler woke it.
    delivery = asyncio.create_task(dispatcher.run_forever(poll_seconds=3600))
    await asyncio.wait_for(dispatcher.round_done.wait(), timeout=10)
    assert sender.sent == []
    scheduler = asyncio.create_task(worker.run_scheduler(rt, dispatcher))
    try:
        await asyncio.wait_for(sender.arrived.wait(), timeout=10)
        assert sender.sent == [("teacher@example.org", "Test reminder · nothing personal")]
        assert worker.is_leader() and worker.scheduler_state() == "leader"
    finally:
        scheduler.cancel()
        delivery.cancel()
        await asyncio.gather(scheduler, delivery, return_exceptions=True)
    assert worker.scheduler_state() == "off" and not worker.is_leader()


async def test_a_second_round_sends_nothing_twice(
    monkeypatch, database_url, engine, factory, clock, school
):
    monkeypatch.setitem(sweeps.SWEEPS, "test_reminder", reminder_sweep)
    dispatcher = Dispatcher(factory, {}, clock)
    rt = Runtime(Settings(database_url=database_url), engine, factory, clock)
    election = worker.Election(engine)
    try:
        assert await worker.sweep_round(rt, dispatcher, election) == 1
        assert await worker.sweep_round(rt, dispatcher, election) == 0
    finally:
        election.resign()
    with factory() as session:
        assert session.execute(text("SELECT count(*) FROM outbox")).scalar() == 1


@NEEDS_POSTGRES
def test_only_one_of_two_workers_leads_and_a_standby_takes_over_when_the_leader_resigns(
    database_url,
):
    first = worker.Election(make_engine(database_url))
    second = worker.Election(make_engine(database_url))
    try:
        assert first.campaign() is True
        assert second.campaign() is False
        assert first.campaign() is True  # a leader stays leader
        assert second.campaign() is False
        first.resign()
        assert first.leader is False
        assert second.campaign() is True
        assert first.campaign() is False
    finally:
        first.resign()
        second.resign()
        first.engine.dispose()
        second.engine.dispose()


@NEEDS_POSTGRES
async def test_a_standby_runs_no_sweeps(monkeypatch, database_url, engine, factory, clock, school):
    monkeypatch.setitem(sweeps.SWEEPS, "test_reminder", reminder_sweep)
    rt = Runtime(Settings(database_url=database_url), engine, factory, clock)
    dispatcher = Dispatcher(factory, {}, clock)
    leader = worker.Election(make_engine(database_url))
    standby = worker.Election(engine)
    try:
        assert leader.campaign()
        assert await worker.sweep_round(rt, dispatcher, standby) == 0
        with factory() as session:
            assert session.execute(text("SELECT count(*) FROM outbox")).scalar() == 0
    finally:
        standby.resign()
        leader.resign()
        leader.engine.dispose()


@NEEDS_POSTGRES
def test_a_leader_whose_database_session_is_killed_stands_down_and_can_lead_again(database_url):
    election = worker.Election(make_engine(database_url))
    admin = make_engine(database_url)
    try:
        assert election.campaign()
        assert election._connection is not None
        pid = election._connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert election.campaign() is False  # the lock went with the session
        assert election.campaign() is True  # a fresh connection takes it again
    finally:
        election.resign()
        election.engine.dispose()
        admin.dispose()


@NEEDS_POSTGRES
def test_a_standby_takes_over_when_the_leader_process_is_killed(database_url):
    holder = (
        "import sys, time\n"
        "from bot.worker import Election\n"
        "from storage.database import make_engine\n"
        "e = Election(make_engine(sys.argv[1]))\n"
        "print('leader' if e.campaign() else 'standby', flush=True)\n"
        "time.sleep(60)\n"
    )
    leader = subprocess.Popen(
        [sys.executable, "-c", holder, database_url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    standby = worker.Election(make_engine(database_url))
    try:
        assert leader.stdout is not None
        assert leader.stdout.readline().strip() == "leader"
        assert standby.campaign() is False
        leader.send_signal(signal.SIGKILL)  # no chance to resign: the server must notice
        leader.wait(timeout=10)
        deadline = time.monotonic() + 10
        while not standby.campaign():
            assert time.monotonic() < deadline, "the standby never took over"
            time.sleep(0.05)
    finally:
        if leader.poll() is None:
            leader.kill()
            leader.wait()
        standby.resign()
        standby.engine.dispose()


def test_the_worker_command_starts_and_stops_cleanly_on_sigterm(tmp_path, migrated_template):
    """`python -m bot worker` as the Procfile runs it: schedules, then exits 0 on SIGTERM."""
    env = program_env(SAFEKEEP_DATA_KEYS=crypto.new_key_spec("k1"), PYTHONUNBUFFERED="1")
    if PG_URL:
        env["DATABASE_URL"] = PG_URL
    else:
        db = tmp_path / "worker.db"
        db.write_bytes(Path(migrated_template).read_bytes())
        env["DATABASE_URL"] = f"sqlite:///{db}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "worker"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if "worker started" in line:
                break
        assert any("worker started" in line for line in seen), "".join(seen)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
