"""The scheduler: runs every sweep once a minute on one elected process, then wakes the outbox.

Only one process may run sweeps. On PostgreSQL the candidates elect a leader with a
session-level advisory lock (``pg_try_advisory_lock``) held on a dedicated connection for the
life of the process. A standby asks again every minute and takes over as soon as the leader's
connection ends, because the server releases a session lock when its session goes, whether the
leader stopped, crashed or lost the network. On SQLite there is no such lock, so run exactly one
scheduling process (``worker``, or ``socket`` which hosts the scheduler itself) per database
file. The notification ledger still keeps a mistaken second scheduler from sending anything
twice; the election keeps the work, and the load, in one place.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Coroutine
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from bot.delivery import Dispatcher, Sender
from bot.runtime import Runtime
from handlers.clock import system_clock
from schedules import sweeps

log = logging.getLogger(__name__)

# The advisory lock id that means "Safekeep's scheduler": any fixed 64-bit number will do, as
# long as every Safekeep process agrees on it. Advisory locks are per database.
LOCK_KEY = 0x5AFE_4B3E_9000_0001


class Election:
    """Whether this process is the one scheduler allowed to run sweeps.

    ``campaign`` and ``resign`` block on the database: call them through ``asyncio.to_thread``.
    """

    def __init__(self, engine: Engine, key: int = LOCK_KEY) -> None:
        self.engine = engine
        self.key = key
        self._connection: Connection | None = None
        self._leader = False
        self._guard = threading.Lock()  # one thread at a time on the dedicated connection

    @property
    def leader(self) -> bool:
        return self._leader

    def campaign(self) -> bool:
        """Become (or stay) the leader if nobody else is; returns whether this process leads."""
        with self._guard:
            if self.engine.dialect.name != "postgresql":
                self._leader = True  # SQLite: one scheduling process per file, by agreement
                return True
            try:
                if self._connection is None:
                    self._connection = self.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT"
                    )
                if self._leader:
                    # A live session still holds its lock: checking the connection is enough.
                    self._connection.exec_driver_sql("SELECT 1")
                else:
                    got = self._connection.execute(
                        text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
                    ).scalar()
                    self._leader = bool(got)
                    if self._leader:
                        log.info("this process is now the scheduler leader")
            except DBAPIError as exc:
                if self._leader:
                    log.warning("lost the scheduler lock's connection; standing down")
                else:
                    log.warning("could not reach the database to elect a scheduler: %s", exc)
                self._drop_connection()
            return self._leader

    def resign(self) -> None:
        """Give up leadership now (on shutdown), so a standby can take over at once."""
        with self._guard:
            if self._connection is not None and self._leader:
                # Unlock explicitly: the server notices a closed connection only a moment later.
                with contextlib.suppress(DBAPIError):
                    self._connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}
                    )
            self._drop_connection()

    def _drop_connection(self) -> None:
        self._leader = False
        if self._connection is not None:
            connection, self._connection = self._connection, None
            # Closing the session is what releases the lock; a broken connection is discarded.
            with contextlib.suppress(DBAPIError):
                connection.invalidate()
            with contextlib.suppress(DBAPIError):
                connection.close()


_election: Election | None = None


def is_leader() -> bool:
    """True when this process runs the scheduler and currently holds the leadership (/healthz)."""
    return _election is not None and _election.leader


def scheduler_state() -> Literal["leader", "standby", "off"]:
    """This process's part in scheduling: leading, waiting as a standby, or not scheduling."""
    if _election is None:
        return "off"
    return "leader" if _election.leader else "standby"


async def sweep_round(rt: Runtime, dispatcher: Dispatcher, election: Election) -> int:
    """One scheduler tick: if this process leads, run every sweep, then wake the dispatcher."""
    if not await asyncio.to_thread(election.campaign):
        return 0
    queued = await asyncio.to_thread(sweeps.run_all, rt.factory, rt.clock)
    if queued:
        log.info("sweeps queued %s notification(s)", queued)
    dispatcher.wake()
    return queued


async def run_scheduler(rt: Runtime, dispatcher: Dispatcher) -> None:
    """Run the sweeps every minute (while this process leads) until cancelled.

    The first round runs at once, so a restarted worker catches up without waiting.
    """
    # Imported here: a web process uses this module (run_until_stopped, platform_senders) but
    # runs no scheduler.
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.cron import CronTrigger

    global _election
    # APScheduler logs two lines a minute at INFO; they would drown the lines that matter.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    tz = ZoneInfo(rt.settings.timezone)
    election = Election(rt.engine)
    _election = election
    scheduler = AsyncIOScheduler(timezone=tz)
    scheduler.add_job(
        sweep_round,
        CronTrigger(second=0, timezone=tz),
        args=(rt, dispatcher, election),
        id="sweeps",
        name="sweeps",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=50,
        # The first round straight away: the scheduler ticks on the wall clock (the clock seam's
        # own system clock), whatever domain clock the sweeps run on.
        next_run_time=system_clock().astimezone(tz),
    )
    scheduler.start()
    try:
        await asyncio.Event().wait()
    finally:
        scheduler.shutdown(wait=False)
        if _election is election:
            _election = None
        await asyncio.to_thread(election.resign)


def platform_senders(rt: Runtime) -> dict[str, Sender]:
    """A sender for each chat platform this deployment has credentials for."""
    senders: dict[str, Sender] = {}
    if rt.settings.has_slack:
        from bot.slack.delivery import make_sender

        senders["slack"] = make_sender(rt.settings, rt.engine, rt.clock)
    if rt.settings.has_teams:
        from bot.teams.delivery import make_sender as make_teams_sender

        senders["teams"] = make_teams_sender(rt.settings, rt.engine)
    if not senders:
        log.warning(
            "no chat platform credentials are set: queued messages will wait (and be retried) "
            "until Slack or Teams is configured"
        )
    return senders


async def run_worker(rt: Runtime, senders: dict[str, Sender]) -> None:
    """The `worker` process: the scheduler and the outbox dispatcher, until one of them stops."""
    dispatcher = Dispatcher(rt.factory, senders, rt.clock)
    log.info("worker started: scheduler and outbox dispatcher")
    async with asyncio.TaskGroup() as group:
        group.create_task(run_scheduler(rt, dispatcher))
        group.create_task(dispatcher.run_forever())


def run_until_stopped(main: Coroutine[Any, Any, None]) -> None:
    """Run a server coroutine until it ends or the process gets SIGTERM/SIGINT (then tidily)."""

    async def supervise() -> None:
        task = asyncio.ensure_future(main)
        loop = asyncio.get_running_loop()
        # Signal handlers exist only on POSIX and only in the main thread (tests may run a
        # server in another thread; there, cancelling the task is how it is stopped).
        if sys.platform != "win32" and threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(supervise())
