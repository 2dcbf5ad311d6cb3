"""Opening a form takes no write lock (issue #15), and a read-first request that does write
after another request wrote is run again holding the lock, saved once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from handlers import people, routes
from handlers.clock import FrozenClock
from handlers.context import Context
from handlers.replies import Ask, Reply, Say
from storage import audit
from storage.database import is_sqlite
from storage.models import AuditEvent, Person, School


def _locate(school: School, person: Person) -> routes.Locate:
    return lambda session: people.staff_member(session, school.id, person.id)


def _events(factory: sessionmaker[Session], action: str) -> int:
    with factory() as session:
        return (
            session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
            )
            or 0
        )


def test_opening_a_form_does_not_wait_for_a_writer(
    engine: Engine,
    factory: sessionmaker[Session],
    clock: FrozenClock,
    school: School,
    staff: Person,
) -> None:
    if not is_sqlite(engine):
        pytest.skip("PostgreSQL takes no table lock to begin a transaction")
    writer = engine.raw_connection()
    writer.execute("BEGIN IMMEDIATE")  # another request is saving something, and holds the lock
    replies: list[Reply] = []
    opening = threading.Thread(
        target=lambda: replies.append(
            routes.run(factory, clock, "slack", _locate(school, staff), routes.command("offsite"))
        )
    )
    try:
        opening.start()
        opening.join(timeout=10)  # with the lock it would wait for the writer (30 s busy timeout)
        assert not opening.is_alive(), "opening a form waited for another request's write lock"
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        opening.join()
    assert isinstance(replies[0], Ask)


def test_a_read_first_request_that_writes_after_another_runs_again_with_the_lock(
    engine: Engine,
    factory: sessionmaker[Session],
    clock: FrozenClock,
    school: School,
    staff: Person,
) -> None:
    attempts: list[int] = []

    def reads_then_writes(ctx: Context) -> Reply:
        attempts.append(1)
        ctx.session.scalar(select(func.count()).select_from(Person))  # this request has read
        if len(attempts) == 1:
            # Meanwhile another request writes and commits.
            with engine.begin() as other:
                renamed = {"id": school.id, "name": "Demo Primary Academy"}
                other.execute(text("UPDATE schools SET name = :name WHERE id = :id"), renamed)
        audit.record(ctx.session, ctx.school.id, "test.read_first", at=ctx.now)
        return Say("done")

    reply = routes.run(
        factory, clock, "slack", _locate(school, staff), routes.ReadFirst(reads_then_writes)
    )

    assert reply == Say("done")
    assert _events(factory, "test.read_first") == 1
    # SQLite refuses the first attempt's write and it runs again; PostgreSQL never needs to.
    assert len(attempts) == (2 if is_sqlite(engine) else 1)
