"""Repeatable timings of Safekeep's core paths on SQLite and (optionally) PostgreSQL.

Measures, on a fresh migrated database each time:

- AUP acknowledgements through ``routes.run`` (one transaction per person, as an adapter does);
- the outbox dispatcher delivering queued DMs through a sender that accepts instantly;
- appending audit events, and ``audit verify`` over all of them.

Run ``python benchmarks/bench_handlers.py --help``; see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.delivery import Delivery, Dispatcher  # noqa: E402
from handlers import admin, people, routes  # noqa: E402
from handlers.aup import agree, roster, versions  # noqa: E402
from handlers.clock import FrozenClock  # noqa: E402
from handlers.context import Context  # noqa: E402
from handlers.replies import Notice, Say  # noqa: E402
from storage import audit, crypto, outbox  # noqa: E402
from storage.database import make_engine, session_factory, transaction, upgrade  # noqa: E402
from storage.models import OutboxMessage, Person, School  # noqa: E402

CLOCK = FrozenClock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
AUP_TEXT = "1. I keep personal data secure.\n2. I report a lost device at once with /breach."


@dataclass
class Timing:
    operation: str
    database: str
    count: int
    seconds: float

    def row(self) -> str:
        per_op = self.seconds / self.count * 1000 if self.count else 0.0
        rate = self.count / self.seconds if self.seconds else float("inf")
        return (
            f"| {self.operation:<34} | {self.database:<10} | {self.count:>6} "
            f"| {self.seconds:>8.2f} | {per_op:>8.3f} | {rate:>9.0f} |"
        )


HEADER = (
    f"| {'operation':<34} | {'database':<10} | {'n':>6} | {'total s':>8} | {'ms/op':>8} "
    f"| {'ops/s':>9} |\n|{'-' * 36}|{'-' * 12}|{'-' * 8}|{'-' * 10}|{'-' * 10}|{'-' * 11}|"
)


@contextmanager
def fresh_database(url: str | None) -> Iterator[tuple[str, Engine]]:
    """A migrated, empty database: a temporary SQLite file, or the given PostgreSQL database."""
    if url is None:
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
            upgrade(engine)
            try:
                yield "sqlite", engine
            finally:
                engine.dispose()
        return
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    try:
        yield "postgresql", engine
    finally:
        engine.dispose()


def demo_school(factory: sessionmaker[Session], staff: int) -> tuple[int, list[str]]:
    """A school with ``staff`` people and a published AUP; returns its id and the emails."""
    emails = [f"staff{n:05d}@example.org" for n in range(staff)]
    with transaction(factory) as session:
        school = admin.create_school(session, "Benchmark Primary", "console", CLOCK())
        ctx = Context(session, school, None, CLOCK)
        for email in emails:
            people.upsert_person(session, school, email, email.split("@")[0], CLOCK())
        versions.publish_version(ctx, "1", "Staff AUP", AUP_TEXT, None, date(2026, 9, 1))
        return school.id, emails


def timed(fn: Callable[[], int]) -> tuple[int, float]:
    start = time.perf_counter()
    count = fn()
    return count, time.perf_counter() - start


def bench_aup(factory: sessionmaker[Session], label: str, n: int) -> Timing:
    school_id, emails = demo_school(factory, n)
    with factory() as session:
        school = session.get_one(School, school_id)
        version = roster.versions_in_force(Context(session, school, None, CLOCK))[0]
        assert version is not None
        state = dict(agree.agree_form(version).state)

    def acknowledge_all() -> int:
        for email in emails:

            def locate(session: Session, email: str = email) -> tuple[School, Person | None]:
                school = session.get_one(School, school_id)
                return school, people.find_by_email(session, school_id, email)

            reply = routes.run(
                factory,
                CLOCK,
                "console",
                locate,
                routes.submit(agree.FORM_ID, {"question": ""}, state),
            )
            assert isinstance(reply, Say) and "was recorded" in reply.text, reply
        return len(emails)

    count, seconds = timed(acknowledge_all)
    return Timing("AUP acknowledge (routes.run)", label, count, seconds)


class AcceptingSender:
    """A platform that accepts every message at once: measures Safekeep's side only."""

    async def send(self, delivery: Delivery) -> str | None:
        return None


def bench_outbox(factory: sessionmaker[Session], label: str, n: int) -> Timing:
    school_id, _ = demo_school(factory, 50)
    with transaction(factory) as session:
        ids = list(session.scalars(select(Person.id).where(Person.school_id == school_id)))
        payload = Notice("Off-site #1 · Lesson planning · due back Wed 25 Nov").to_json()
        for n_sent in range(n):
            outbox.enqueue(session, school_id, [ids[n_sent % len(ids)]], payload, now=CLOCK())
    dispatcher = Dispatcher(factory, {"console": AcceptingSender()}, CLOCK)
    count, seconds = timed(lambda: asyncio.run(dispatcher.deliver_due()))
    with factory() as session:
        pending = session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.status != "sent")
        )
    assert count == n and pending == 0, (count, pending)
    return Timing("outbox: deliver queued DMs", label, count, seconds)


def bench_audit(factory: sessionmaker[Session], label: str, n: int) -> list[Timing]:
    school_id, _ = demo_school(factory, 1)
    with factory() as session:
        already = session.get_one(School, school_id).audit_seq

    def append() -> int:
        written = 0
        while written < n:
            with transaction(factory) as session:
                for _ in range(min(1000, n - written)):
                    audit.record(
                        session,
                        school_id,
                        "bench.event",
                        at=CLOCK(),
                        subject=f"thing:{written}",
                        details={"n": written},
                    )
                    written += 1
        return written

    appended, append_seconds = timed(append)

    def verify() -> int:
        with factory() as session:
            assert audit.verify(session) == []
        return appended + already

    verified, verify_seconds = timed(verify)
    return [
        Timing("audit: append events", label, appended, append_seconds),
        Timing("audit verify", label, verified, verify_seconds),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--acks", type=int, default=300, help="AUP acknowledgements (300)")
    parser.add_argument("--dms", type=int, default=1000, help="queued DMs to deliver (1000)")
    parser.add_argument("--events", type=int, default=10000, help="audit events (10000)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also run on this PostgreSQL database; ITS TABLES ARE DROPPED FIRST",
    )
    args = parser.parse_args(argv)
    crypto.use_keys(crypto.KeyRing.parse(crypto.new_key_spec("bench")))

    timings: list[Timing] = []
    for url in [None, args.postgres] if args.postgres else [None]:
        for bench in (
            lambda f, label: [bench_aup(f, label, args.acks)],
            lambda f, label: [bench_outbox(f, label, args.dms)],
            lambda f, label: bench_audit(f, label, args.events),
        ):
            with fresh_database(url) as (label, engine):
                timings.extend(bench(session_factory(engine), label))
    print(HEADER)
    for timing in timings:
        print(timing.row())
    return 0


if __name__ == "__main__":
    sys.exit(main())
