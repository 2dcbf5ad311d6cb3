"""The outbox and its ledger: a notification key is written once, even by two writers at once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError

from handlers import admin, people
from storage.database import transaction
from storage.models import LedgerEntry, OutboxMessage
from storage.outbox import (
    LedgerKey,
    Notification,
    already_sent,
    enqueue,
    enqueue_all,
    watch,
)

KEY = LedgerKey("breach:42", "ico_reminder_24h")
PAYLOAD = {"text": "Breach #42 · ICO deadline Thu 14:05", "buttons": []}


def counts(factory) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with factory() as session:
        return (
            session.scalar(select(func.count(LedgerEntry.id))) or 0,
            session.scalar(select(func.count(OutboxMessage.id))) or 0,
        )


def test_a_message_without_a_key_is_queued_once_per_distinct_recipient(
    factory, school, staff, dsl, clock
):
    with transaction(factory) as session:
        assert enqueue(session, school.id, [dsl.id, staff.id, dsl.id], PAYLOAD, now=clock())
    with factory() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [r.recipient_id for r in rows] == sorted([staff.id, dsl.id])
    for row in rows:
        assert (row.status, row.attempts, row.urgent, row.ledger_id) == ("pending", 0, False, None)
        assert row.next_attempt_at == clock() and row.payload == PAYLOAD
    assert counts(factory) == (0, 2)


def test_a_ledger_key_is_written_once_and_a_repeat_sends_nothing(factory, school, dsl, dpo, clock):
    with transaction(factory) as session:
        assert enqueue(
            session, school.id, [dsl.id, dpo.id], PAYLOAD, now=clock(), key=KEY, urgent=True
        )
    with transaction(factory) as session:
        assert already_sent(session, school.id, KEY)
        assert not enqueue(session, school.id, [dsl.id, dpo.id], PAYLOAD, now=clock(), key=KEY)
    assert counts(factory) == (1, 2)
    with factory() as session:
        entry = session.scalars(select(LedgerEntry)).one()
        rows = session.scalars(select(OutboxMessage)).all()
    assert (entry.subject, entry.kind, entry.window) == ("breach:42", "ico_reminder_24h", "")
    assert {r.ledger_id for r in rows} == {entry.id}
    assert all(r.urgent for r in rows)


def test_another_window_or_kind_is_a_new_notification(factory, school, staff, clock):
    keys = [
        LedgerKey("offsite:7", "overdue", "2026-11-24"),
        LedgerKey("offsite:7", "overdue", "2026-11-25"),
        LedgerKey("offsite:7", "escalated", "2026-11-25"),
        LedgerKey("offsite:8", "overdue", "2026-11-24"),
    ]
    with transaction(factory) as session:
        for key in keys:
            assert enqueue(session, school.id, [staff.id], PAYLOAD, now=clock(), key=key)
    assert counts(factory) == (4, 4)


def test_the_same_key_at_another_school_is_independent(factory, school, staff, clock):
    with transaction(factory) as session:
        other = admin.create_school(session, "Second Primary", "console", clock())
        someone, _ = people.upsert_person(session, other, "x@example.org", "X", clock())
        assert enqueue(session, school.id, [staff.id], PAYLOAD, now=clock(), key=KEY)
        assert enqueue(session, other.id, [someone.id], PAYLOAD, now=clock(), key=KEY)
    assert counts(factory) == (2, 2)


def test_nobody_to_tell_uses_no_ledger_key(factory, school, staff, clock):
    """A key is only spent when a message is queued, so a later run can still send it."""
    with transaction(factory) as session:
        assert not enqueue(session, school.id, [], PAYLOAD, now=clock(), key=KEY)
    assert counts(factory) == (0, 0)
    with transaction(factory) as session:
        assert enqueue(session, school.id, [staff.id], PAYLOAD, now=clock(), key=KEY)
    assert counts(factory) == (1, 1)


def test_a_rolled_back_transaction_leaves_neither_key_nor_message(factory, school, staff, clock):
    try:
        with transaction(factory) as session:
            enqueue(session, school.id, [staff.id], PAYLOAD, now=clock(), key=KEY)
            raise RuntimeError("the handler failed after queueing")
    except RuntimeError:
        pass
    assert counts(factory) == (0, 0)


def test_two_writers_racing_on_one_key_queue_the_message_once(
    factory, engine, school, staff, dsl, clock
):
    """Two sweeps at once: the second's key is not written (ON CONFLICT DO NOTHING, after waiting
    on PostgreSQL for the first to commit), so it queues nothing and its transaction goes on."""
    first_queued = threading.Event()
    release_first = threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        with transaction(factory) as session:
            outcome["first"] = enqueue(
                session, school.id, [staff.id, dsl.id], PAYLOAD, now=clock(), key=KEY
            )
            first_queued.set()
            release_first.wait(timeout=10)

    def second() -> None:
        first_queued.wait(timeout=10)
        try:
            with transaction(factory) as session:
                outcome["second"] = enqueue(
                    session, school.id, [staff.id, dsl.id], PAYLOAD, now=clock(), key=KEY
                )
        except IntegrityError:
            outcome["second"] = "refused by the unique ledger key"

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert first_queued.wait(timeout=10)
    if engine.dialect.name == "postgresql":
        # Let the second writer reach its insert and wait on the first's uncommitted key.
        deadline = time.monotonic() + 10
        while not _a_writer_is_waiting_on_a_lock(engine):
            assert time.monotonic() < deadline, "the second writer never reached the ledger"
            time.sleep(0.02)
    release_first.set()
    for thread in threads:
        thread.join(timeout=20)

    assert outcome["first"] is True
    assert outcome["second"] is False
    assert counts(factory) == (1, 2)


def _a_writer_is_waiting_on_a_lock(engine) -> bool:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar()
        )


def test_many_keys_are_written_in_one_statement_and_only_the_new_ones_are_queued(
    factory, engine, school, staff, dsl, clock
):
    with transaction(factory) as session:
        enqueue(session, school.id, [staff.id], PAYLOAD, now=clock(), key=KEY)
    new = LedgerKey("person:7", "offsite_due_digest", "2026-11-24")
    notes = [
        Notification(school.id, (staff.id,), PAYLOAD, key=KEY),  # written before
        Notification(school.id, (staff.id, dsl.id), PAYLOAD, key=new),
        Notification(school.id, (dsl.id,), {"text": "twice"}, key=new),  # same key: not again
        Notification(school.id, (), PAYLOAD, key=LedgerKey("person:8", "x")),  # nobody to tell
        Notification(school.id, (dsl.id,), PAYLOAD),  # no key: always queued
    ]
    ledger_inserts = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if "INSERT INTO notification_ledger" in statement:
            ledger_inserts.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with transaction(factory) as session:
            queued = enqueue_all(session, notes, now=clock())
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert queued == [notes[1], notes[4]]
    assert len(ledger_inserts) == 1
    assert counts(factory) == (2, 4)
    with factory() as session:
        assert not already_sent(session, school.id, LedgerKey("person:8", "x"))


def test_a_watched_session_keeps_each_rows_own_id_however_many_it_queues_at_once(
    factory, engine, school, staff, dsl, clock
):
    """The rows a request queues are handed to the process that sends them with their ids: the
    id of each must be the row holding that message (more rows than one INSERT takes, too)."""
    notes = [
        Notification(school.id, (staff.id, dsl.id), {"text": f"note {n}"}, urgent=n % 2 == 0)
        for n in range(150)
    ]
    leased_until = clock() + timedelta(minutes=2)
    inserts = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if "INSERT INTO outbox" in statement:
            inserts.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with transaction(factory) as session:
            watched = watch(session, lambda _session, row: leased_until if row["urgent"] else None)
            enqueue_all(session, notes, now=clock())
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(watched) == 300 and len(inserts) < 10  # many rows a statement, not one each
    with factory() as session:
        stored = {r.id: r for r in session.scalars(select(OutboxMessage))}
    assert sorted(stored) == sorted(row["id"] for row in watched)
    for row in watched:
        kept = stored[row["id"]]
        assert (kept.payload, kept.recipient_id) == (row["payload"], row["recipient_id"])
        assert kept.claimed_until == (leased_until if kept.urgent else None)
