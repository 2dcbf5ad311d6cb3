"""Quick read-only turns (a command on its own, which opens its form) run in place on SQLite, on
connections that may only read and never wait (bot/turn.py, Quick): work that wants to write is
stopped, saving nothing, and runs again in a thread as any other (issue #15)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import Dispatcher
from bot.turn import Quick, take_turn
from handlers import people, routes
from handlers.clock import FrozenClock
from handlers.context import Context
from handlers.replies import Ask, Reply, Say
from storage import audit
from storage.database import is_sqlite
from storage.models import AuditEvent, Person, School


@pytest.fixture
def quick(engine: Engine) -> Iterator[Quick]:
    made = Quick.for_engine(engine)
    if made is None:
        assert not is_sqlite(engine)
        pytest.skip("PostgreSQL is a network away: every turn keeps its thread")
    yield made
    made.close()


def _locate(school: School, person: Person) -> routes.Locate:
    return lambda session: people.staff_member(session, school.id, person.id)


def _events(factory: sessionmaker[Session], action: str) -> int:
    with factory() as session:
        found = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        return session.scalar(found) or 0


def _writes(attempts: list[int], name: str = "writes") -> routes.ReadFirst:
    def call(ctx: Context) -> Reply:
        attempts.append(1)
        audit.record(ctx.session, ctx.school.id, "test.quick", at=ctx.now)
        return Say("done")

    return routes.ReadFirst(call, quick=name)


def test_a_command_on_its_own_opens_its_form_in_place(
    quick: Quick, clock: FrozenClock, school: School, staff: Person
) -> None:
    reply = quick.run(clock, "slack", _locate(school, staff), routes.command("offsite"), None)
    assert isinstance(reply, Ask)


def test_a_command_with_words_after_it_is_left_to_a_thread(
    quick: Quick, clock: FrozenClock, school: School, staff: Person
) -> None:
    work = routes.command("offsite", "list")
    assert quick.run(clock, "slack", _locate(school, staff), work, None) is None


def test_work_that_wants_to_write_stops_at_once_and_is_saved_once_in_a_thread(
    engine: Engine,
    quick: Quick,
    factory: sessionmaker[Session],
    clock: FrozenClock,
    school: School,
    staff: Person,
) -> None:
    attempts: list[int] = []
    stopped = quick.run(clock, "slack", _locate(school, staff), _writes(attempts), None)
    assert stopped is None and attempts == [1]
    writer = engine.raw_connection()
    writer.execute("BEGIN IMMEDIATE")  # another request holds the write lock meanwhile
    try:
        started = time.monotonic()
        waiting = _writes(attempts, "writes while locked")
        stopped = quick.run(clock, "slack", _locate(school, staff), waiting, None)
        assert time.monotonic() - started < 5  # the busy timeout is 30 s: it did not wait
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert stopped is None and attempts == [1, 1]
    assert _events(factory, "test.quick") == 0

    reply = asyncio.run(
        take_turn(
            factory,
            clock,
            "slack",
            _identify(school, staff),
            _writes(attempts),
            Dispatcher(factory, {}, clock),
            quick=quick,
        )
    )
    assert reply == Say("done")
    assert _events(factory, "test.quick") == 1


def test_work_that_wrote_or_was_slow_runs_in_a_thread_for_its_next_turns(
    engine: Engine, clock: FrozenClock, school: School, staff: Person
) -> None:
    if not is_sqlite(engine):
        pytest.skip("PostgreSQL keeps every turn in a thread")
    quick = Quick(engine, most=0.0, rest=2)  # every turn counts as slow
    try:
        locate, opening = _locate(school, staff), routes.command("offsite")
        assert isinstance(quick.run(clock, "slack", locate, opening, None), Ask)
        assert quick.run(clock, "slack", locate, opening, None) is None
        assert quick.run(clock, "slack", locate, opening, None) is None
        assert isinstance(quick.run(clock, "slack", locate, opening, None), Ask)
    finally:
        quick.close()


def _identify(school: School, person: Person):  # type: ignore[no-untyped-def]
    async def identify() -> routes.Locate:
        return _locate(school, person)

    return identify
