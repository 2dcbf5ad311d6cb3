"""One request, for every adapter: identify the school and the person, run the handler in its
transaction, send what it queued, and answer an unexpected error with the apology.

A turn's messages (a breach alert, say) are claimed in the handler's own transaction and sent
the moment it commits, by this process (``Dispatcher.handover``, ``send_now``); the console, which
prints in place, wakes its dispatcher instead.

Slack awaits ``take_turn`` (the handler runs in a thread, off the event loop, unless it is
``Quick``); the console, which has no event loop of its own, calls ``take_turn_sync``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import Delivery, Dispatcher
from handlers import routes
from handlers.clock import Clock
from handlers.context import Context
from handlers.errors import SORRY, NotSaved
from handlers.replies import Reply, Say
from storage.database import is_sqlite, make_engine, session_factory

log = logging.getLogger(__name__)

Work = Callable[[Context], Reply]

QUICK_MOST = 0.02  # seconds: quick work that took longer runs in a thread for a while
QUICK_REST = 100  # turns of that work in a thread before it is tried in place again


class Quick:
    """Quick read-only work (``routes.ReadFirst.quick``: a command on its own, which opens its
    form, or the App Home) run in place on the event loop, on SQLite only: a turn that opens a
    form reads for a fraction of a millisecond in-process, and handing it to a thread and back
    cost more than that (issue #15: a quarter of a slash command's time to its modal, at 50 in
    flight). PostgreSQL, a network away, keeps the thread.

    The event loop must never wait, so the work runs on connections of its own that may only
    read (``PRAGMA query_only``) and never wait for a lock (``busy_timeout`` 0; reads in WAL
    mode need none): work that wants to write, or meets a lock, stops, saving nothing, and runs
    again in a thread as any other. Work that took longer than ``most`` (or wanted to write)
    runs in a thread for its next ``rest`` turns, so slow work holds the loop up once, not
    every time."""

    def __init__(self, engine: Engine, most: float = QUICK_MOST, rest: int = QUICK_REST) -> None:
        self.engine = make_engine(engine.url.render_as_string(hide_password=False))
        event.listen(self.engine, "connect", _read_only)
        self.factory = session_factory(self.engine)
        self.most = most
        self.rest = rest
        self._resting: dict[str, int] = {}  # quick work -> turns left in a thread

    @classmethod
    def for_engine(cls, engine: Engine) -> Quick | None:
        """For a SQLite database file; None for PostgreSQL (or a database in memory, which a
        second engine would not see)."""
        if not is_sqlite(engine) or engine.url.database in (None, "", ":memory:"):
            return None
        return cls(engine)

    def run(
        self,
        clock: Clock,
        platform: str,
        locate: routes.Locate,
        work: Work,
        interaction_id: str | None,
    ) -> Reply | None:
        """The reply, or None: not quick work, resting, or it wanted to write (run it again)."""
        if not isinstance(work, routes.ReadFirst) or work.quick is None:
            return None
        name = work.quick
        resting = self._resting.get(name, 0)
        if resting:
            self._resting[name] = resting - 1
            return None
        started = time.monotonic()
        reply = routes.read_only(self.factory, clock, platform, locate, work, interaction_id)
        took = time.monotonic() - started
        if reply is None or took > self.most:
            self._resting[name] = self.rest
            log.info(
                "quick work '%s' took %.0f ms or wrote: in a thread for a while", name, took * 1000
            )
        return reply

    def close(self) -> None:
        self.engine.dispose()


def _read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.close()


async def take_turn(
    factory: sessionmaker[Session],
    clock: Clock,
    platform: str,
    identify: Callable[[], Awaitable[routes.Locate]],
    work: Work,
    dispatcher: Dispatcher,
    interaction_id: str | None = None,
    quick: Quick | None = None,
) -> Reply:
    """``identify`` finds the school and person (it may ask the platform); the handler runs in
    a thread, or in place if ``quick`` takes it. Any unexpected failure, in either, is logged
    and answered with the apology. ``interaction_id`` is the platform's own id for this request
    (ctx.interaction_id)."""
    handover = _Handover(dispatcher)
    try:
        locate = await identify()
        reply = quick.run(clock, platform, locate, work, interaction_id) if quick else None
        if reply is None:
            reply = await asyncio.to_thread(
                routes.run, factory, clock, platform, locate, work, interaction_id, handover
            )
    except Exception as exc:
        log.exception("a %s request failed", platform)
        return Say(exc.message if isinstance(exc, NotSaved) else SORRY)
    if handover.claimed:
        dispatcher.send_now(handover.claimed)
    if handover.left:  # rows queued but not claimed here (held until later): a round's
        dispatcher.wake()
    return reply


class _Handover:
    """What a turn hands its dispatcher (``routes.Handover``): rows are leased to this process
    as they are written, claimed just before the commit, and sent once it has succeeded."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.claimed: list[Delivery] = []
        self.left = 0

    def lease(self, session: Session, row: Mapping[str, Any]) -> datetime | None:
        return self.dispatcher.lease(session, row)

    def __call__(self, session: Session, rows: list[dict[str, Any]]) -> Callable[[], None]:
        claims = self.dispatcher.handover(session, rows)

        def committed() -> None:
            self.claimed.extend(claims)
            self.left += len(rows) - len(claims)

        return committed


def take_turn_sync(
    factory: sessionmaker[Session],
    clock: Clock,
    platform: str,
    locate: routes.Locate,
    work: Work,
    wake: Callable[[], None],
    interaction_id: str | None = None,
) -> Reply:
    """The same turn for an adapter without an event loop (the console)."""
    try:
        reply = routes.run(factory, clock, platform, locate, work, interaction_id)
    except Exception as exc:
        log.exception("a %s request failed", platform)
        return Say(exc.message if isinstance(exc, NotSaved) else SORRY)
    wake()
    return reply
