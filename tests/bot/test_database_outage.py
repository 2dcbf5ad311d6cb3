"""What each person is told while the database fails mid-traffic, checked against the database.

Twenty people report a breach at once, each sending the same dialog again (as a person would)
until told it was recorded. Meanwhile the database fails under them:

- on PostgreSQL (only when TEST_DATABASE_URL is set), a killer terminates every other backend
  of the test database with ``pg_terminate_backend`` every few milliseconds, so commits are
  cut off before, during and after they reach the server;
- on SQLite (the default suite), commits fail at random just before or just after they are
  written (session events), as a connection lost in either place would.

Each attempt runs on its own clock tick, so the report's T0 tells which attempt stored it.
Then: nobody's report is stored twice; everyone told "recorded" has exactly that report; the
attempt that stored a report was never answered "nothing was saved"; and someone only ever
told "nothing was saved" has nothing stored.

Run the PostgreSQL variant on its own (on a throwaway database: the suite empties it) with:
    TEST_DATABASE_URL=postgresql://USER:PASS@HOST/DB \\
    python -m pytest -o addopts= -q tests/bot/test_database_outage.py
"""

from __future__ import annotations

import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.turn import take_turn_sync
from handlers import people, routes
from handlers.clock import FrozenClock
from handlers.context import Context
from handlers.errors import SORRY
from handlers.replies import Ask, Reply, Say
from storage.database import transaction
from storage.models import Incident, Person, School
from tests.conftest import PG_URL
from tests.handlers.breach_steps import LOST_LAPTOP

PEOPLE = 20
ATTEMPTS = 12


@dataclass
class Told:
    """What one person was told, attempt by attempt: (tick, "saved" | "not saved" | "unknown",
    the Breach number when saved)."""

    email: str
    token: str = ""
    replies: list[tuple[int, str, int | None]] = field(default_factory=list)


def told(reply: Reply) -> tuple[str, int | None]:
    if isinstance(reply, Ask) and reply.form.id == "breach.details_step":
        found = re.search(r"#(\d+)", reply.form.intro or "")
        assert found, reply.form.intro
        return "saved", int(found.group(1))
    assert isinstance(reply, Say), reply
    if reply.text == SORRY:
        return "not saved", None
    assert "could not confirm whether that was saved" in reply.text, reply.text
    return "unknown", None


def staff(factory, clock, school) -> list[str]:
    emails = [f"reporter{n}@example.org" for n in range(PEOPLE)]
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        for email in emails:
            people.upsert_person(session, row, email, "A Reporter", clock())
    return emails


class Ticks:
    """A distinct instant for every attempt, so each stored report names the attempt."""

    def __init__(self, start: FrozenClock) -> None:
        self.start, self.next, self.lock = start(), 0, threading.Lock()

    def take(self) -> tuple[int, FrozenClock]:
        with self.lock:
            self.next += 1
            return self.next, FrozenClock(self.start + timedelta(seconds=self.next))


def report_until_recorded(factory, ticks: Ticks, school_id: int, person: Told) -> None:
    def locate(session: Session) -> tuple[School, Person | None]:
        row = session.get_one(School, school_id)
        return row, people.find_by_email(session, school_id, person.email)

    for _ in range(ATTEMPTS):
        tick, clock = ticks.take()
        if not person.token:
            opened = take_turn_sync(
                factory, clock, "console", locate, routes.command("breach"), lambda: None
            )
            if isinstance(opened, Ask):
                person.token = opened.form.state["token"]
            time.sleep(0.01)
            continue
        call = routes.submit("breach.report", LOST_LAPTOP, {"token": person.token})
        reply = take_turn_sync(factory, clock, "console", locate, call, lambda: None)
        kind, number = told(reply)
        person.replies.append((tick, kind, number))
        if kind == "saved":
            return
        time.sleep(0.02)


def check_against_the_database(factory, school_id: int, everyone: list[Told], start) -> None:
    with factory() as session:
        stored = list(session.scalars(select(Incident).where(Incident.school_id == school_id)))
        reporters = {p.id: p.email for p in session.scalars(select(Person))}
    by_token: dict[str, list[Incident]] = {}
    for incident in stored:
        by_token.setdefault(incident.report_token or "", []).append(incident)
    assert all(len(found) == 1 for found in by_token.values()), "a report was stored twice"
    for person in everyone:
        mine = by_token.get(person.token, [])
        assert all(reporters[i.reporter_id] == person.email for i in mine)
        kinds = [kind for _, kind, _ in person.replies]
        saved = [number for _, kind, number in person.replies if kind == "saved"]
        if saved:
            (incident,) = mine
            assert saved == [incident.number], (person.email, person.replies)
        if kinds and set(kinds) == {"not saved"}:
            assert mine == [], (person.email, "told nothing was saved, but it was")
        if mine:
            (incident,) = mine
            tick = round((incident.reported_at - start).total_seconds())
            at_that_attempt = [kind for t, kind, _ in person.replies if t == tick]
            assert at_that_attempt != ["not saved"], (person.email, person.replies, tick)


def run_traffic(factory, clock, school, emails: list[str]) -> list[Told]:
    ticks = Ticks(clock)
    everyone = [Told(email) for email in emails]
    workers = [
        threading.Thread(target=report_until_recorded, args=(factory, ticks, school.id, p))
        for p in everyone
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(w.is_alive() for w in workers)
    return everyone


def test_commits_failing_at_random_never_mislead_anyone(factory, clock, school):
    emails = staff(factory, clock, school)
    chance = random.Random(14)
    lock = threading.Lock()

    def maybe_fail(session: Session) -> None:
        with lock:
            fail = chance.random() < 0.3
        if fail:
            raise OperationalError("COMMIT", {}, Exception("connection lost"))

    event.listen(factory, "before_commit", maybe_fail)
    event.listen(factory, "after_commit", maybe_fail)
    try:
        everyone = run_traffic(factory, clock, school, emails)
    finally:
        event.remove(factory, "before_commit", maybe_fail)
        event.remove(factory, "after_commit", maybe_fail)
    kinds = {kind for p in everyone for _, kind, _ in p.replies}
    assert {"saved", "not saved"} <= kinds, "the faults did not bite; the test proves nothing"
    check_against_the_database(factory, school.id, everyone, clock())


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL")
def test_postgresql_backends_killed_mid_traffic_never_mislead_anyone(
    engine, factory, clock, school
):
    emails = staff(factory, clock, school)
    stop = threading.Event()
    killed = [0]

    def killer() -> None:
        # Its own connection, outside the pool the traffic uses.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            while not stop.is_set():
                killed[0] += conn.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
                # Outages of about 0.1 s with 0.4 s between them, so some commits get through.
                time.sleep(0.4 if time.monotonic() % 0.5 < 0.015 else 0.015)

    murder = threading.Thread(target=killer)
    murder.start()
    try:
        everyone = run_traffic(factory, clock, school, emails)
    finally:
        stop.set()
        murder.join()
    assert killed[0] > 0
    check_against_the_database(factory, school.id, everyone, clock())
    told_saved = sum(1 for p in everyone if any(k == "saved" for _, k, _ in p.replies))
    failed = sum(1 for p in everyone for _, k, _ in p.replies if k != "saved")
    print(
        f"\n{killed[0]} backends killed; {told_saved} of {PEOPLE} told their report was "
        f"recorded; {failed} attempts told it was not saved or not known"
    )


def test_a_failed_commit_that_wrote_nothing_says_nothing_was_saved(factory, clock, school):
    """The check's own helper: a turn with a failing commit and no audit event says nothing
    was saved (nothing that matters was written)."""

    def look(ctx: Context) -> Reply:
        return Say("looked")

    def locate(session: Session) -> tuple[School, Person | None]:
        return session.get_one(School, school.id), None

    def fail(session: Session) -> None:
        raise OperationalError("COMMIT", {}, Exception("connection lost"))

    event.listen(factory, "before_commit", fail, once=True)
    reply = take_turn_sync(factory, clock, "console", locate, look, lambda: None)
    assert isinstance(reply, Say) and reply.text == SORRY
