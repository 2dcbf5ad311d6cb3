"""Write notifications once: a ledger key per (subject, kind, window) and outbox rows per person.

Keys are written with ``INSERT ... ON CONFLICT DO NOTHING RETURNING``, many in one statement:
only the keys that were new come back, and only their messages are queued. Two writers racing
on a key cannot both win it (the ledger's unique constraint decides; on PostgreSQL the second
waits for the first to commit), so a message is never queued twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    Integer,
    String,
    Table,
    bindparam,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from storage.models import LedgerEntry, OutboxFile, OutboxMessage

# Keys and messages are written with Core statements, many rows at once.
LEDGER = cast(Table, LedgerEntry.__table__)
OUTBOX = cast(Table, OutboxMessage.__table__)


@dataclass(frozen=True)
class LedgerKey:
    """What makes a notification unique: e.g. ("breach:42", "ico_reminder_24h", "")."""

    subject: str
    kind: str
    window: str = ""


@dataclass(frozen=True)
class Notification:
    """One message to queue for some people of one school (once per ledger key, if it has one)."""

    school_id: int
    recipient_ids: tuple[int, ...]
    payload: dict[str, Any]
    key: LedgerKey | None = None
    urgent: bool = False
    not_before: datetime | None = None


def already_sent(session: Session, school_id: int, key: LedgerKey) -> bool:
    return (
        session.scalar(
            select(LedgerEntry.id).where(
                LedgerEntry.school_id == school_id,
                LedgerEntry.subject == key.subject,
                LedgerEntry.kind == key.kind,
                LedgerEntry.window == key.window,
            )
        )
        is not None
    )


def claim(session: Session, school_id: int, key: LedgerKey, *, now: datetime) -> bool:
    """Write ``key`` to the ledger for work that sends nothing (e.g. the weekly purge); False
    if it was written before. A concurrent duplicate fails its whole transaction."""
    return bool(_write_keys(session, [(school_id, key)], now=now))


def enqueue(
    session: Session,
    school_id: int,
    recipient_ids: Iterable[int],
    payload: dict[str, Any],
    *,
    now: datetime,
    key: LedgerKey | None = None,
    urgent: bool = False,
    not_before: datetime | None = None,
) -> bool:
    """Queue one message per recipient in the caller's transaction.

    ``not_before`` holds a routine message back (e.g. until school hours); urgent ones go now.

    With a ledger key, nothing is written if that key was written before, and False is returned.
    """
    note = Notification(school_id, tuple(recipient_ids), payload, key, urgent, not_before)
    return bool(enqueue_all(session, [note], now=now))


def enqueue_all(
    session: Session, notifications: Sequence[Notification], *, now: datetime
) -> list[Notification]:
    """Queue each notification whose key was not written before, in a constant number of
    statements however many there are; returns those queued (in the order given).

    Notifications without recipients are skipped; of two with the same key, the first is queued.
    """
    wanted = [n for n in notifications if n.recipient_ids]
    new = _write_keys(session, [(n.school_id, n.key) for n in wanted if n.key is not None], now=now)
    queued: list[tuple[int | None, Notification]] = []
    for note in wanted:
        if note.key is None:
            queued.append((None, note))
        elif (ledger_id := new.pop((note.school_id, note.key), None)) is not None:
            queued.append((ledger_id, note))
    _write_messages(session, queued, now=now)
    return [note for _, note in queued]


def _write_keys(
    session: Session, keys: Sequence[tuple[int, LedgerKey]], *, now: datetime
) -> dict[tuple[int, LedgerKey], int]:
    """Write the keys not written before; returns the new ones with their ledger ids."""
    if not keys:
        return {}
    # In one order, so that two writers racing on many keys wait on each other, not deadlock.
    ordered = sorted(
        dict.fromkeys(keys), key=lambda k: (k[0], k[1].subject, k[1].kind, k[1].window)
    )
    columns = ["school_id", "subject", "kind", "window", "created_at"]
    statement: postgresql.Insert | sqlite.Insert
    if session.get_bind().dialect.name == "postgresql":
        # PostgreSQL takes the keys as four arrays: one short statement however many keys
        # (psycopg spends long parsing a VALUES list of many thousand parameters).
        rows = select(
            func.unnest(_array([school_id for school_id, _ in ordered], Integer())),
            func.unnest(_array([key.subject for _, key in ordered], String())),
            func.unnest(_array([key.kind for _, key in ordered], String())),
            func.unnest(_array([key.window for _, key in ordered], String())),
            literal(now, LEDGER.c.created_at.type),
        )
        statement = postgresql.insert(LEDGER).from_select(columns, rows)
        params: list[dict[str, Any]] | None = None
    else:
        statement = sqlite.insert(LEDGER)
        params = [
            dict(zip(columns, (school_id, key.subject, key.kind, key.window, now), strict=True))
            for school_id, key in ordered
        ]
    written = session.execute(
        statement.on_conflict_do_nothing(
            index_elements=["school_id", "subject", "kind", "window"]
        ).returning(
            LEDGER.c.id, LEDGER.c.school_id, LEDGER.c.subject, LEDGER.c.kind, LEDGER.c.window
        ),
        params,
    )
    return {
        (school_id, LedgerKey(subject, kind, window)): ledger_id
        for ledger_id, school_id, subject, kind, window in written
    }


def _array(values: list[Any], item: TypeEngine[Any]) -> BindParameter[Any]:
    """A list bound as one PostgreSQL array."""
    return bindparam(None, values, type_=postgresql.ARRAY(item))


def _write_messages(
    session: Session, queued: Sequence[tuple[int | None, Notification]], *, now: datetime
) -> None:
    """Bulk-insert one outbox row per recipient of each notification."""
    rows = [
        {
            "school_id": note.school_id,
            "ledger_id": ledger_id,
            "recipient_id": recipient_id,
            "payload": note.payload,
            "urgent": note.urgent,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": (
                max(now, note.not_before) if note.not_before and not note.urgent else now
            ),
            "created_at": now,
        }
        for ledger_id, note in queued
        for recipient_id in sorted(set(note.recipient_ids))
    ]
    if not rows:
        return
    watched = session.info.get(WATCHED)
    if watched is None:
        session.execute(insert(OUTBOX), rows)
        return
    lease: Lease | None = session.info.get(LEASE)
    for row in rows:
        row["claimed_until"] = lease(session, row) if lease is not None else None
    for row, row_id in zip(rows, _insert_returning_ids(session, rows), strict=True):
        watched.append({**row, "id": row_id, "in_doubt_since": None, "in_doubt_until": None})


def _insert_returning_ids(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows; returns their ids in the rows' order."""
    if session.get_bind().dialect.name == "postgresql":
        ordered = session.execute(
            insert(OUTBOX).returning(OUTBOX.c.id, sort_by_parameter_order=True), rows
        )
        return [row_id for (row_id,) in ordered]
    # SQLite numbers the rows of an INSERT one after another in the order of its VALUES (and
    # SQLAlchemy sends a long list's batches in order), so ascending ids are the rows' order.
    # Asked to sort them itself, SQLAlchemy would insert one row per statement on SQLite.
    returned = session.execute(
        insert(OUTBOX).returning(OUTBOX.c.id, OUTBOX.c.recipient_id, OUTBOX.c.ledger_id), rows
    )
    written = sorted((row_id, recipient, ledger) for row_id, recipient, ledger in returned)
    if [(recipient, ledger) for _, recipient, ledger in written] != [
        (row["recipient_id"], row["ledger_id"]) for row in rows
    ]:
        raise RuntimeError("the outbox rows written do not match the rows queued")
    return [row_id for row_id, _, _ in written]


# session.info: the outbox rows queued in the session's transaction, once ``watch`` was called.
WATCHED = "safekeep_queued_outbox"
# session.info: the recipients of the rows queued in a watched session (see ``hold``).
HELD = "safekeep_queued_recipients"
# session.info: what leases a row as it is written (see ``watch``).
LEASE = "safekeep_outbox_lease"
# A row's lease (its ``claimed_until``) for the process that will send it at once, or None.
Lease = Callable[[Session, Mapping[str, Any]], datetime | None]


def watch(session: Session, lease: Lease | None = None) -> list[dict[str, Any]]:
    """From now on, keep each outbox row queued in ``session``'s transaction (its columns and
    id) in the list returned, for a process that sends them itself once the transaction has
    committed (bot/turn.py). Unwatched sessions (a sweep's sixty thousand rows) keep nothing.

    ``lease``, if given, is asked for each row as it is written: a time makes the row claimed
    until then by this process in the same INSERT (bot/delivery/claims.py ``claim_new`` then
    needs no statement to claim it); None leaves it to the delivery rounds."""
    watched: list[dict[str, Any]] = session.info.setdefault(WATCHED, [])
    session.info.setdefault(HELD, [])
    if lease is not None:
        session.info[LEASE] = lease
    return watched


def hold(session: Session, recipients: Sequence[object]) -> None:
    """In a watched session, keep the recipients (Person rows) of what is being queued in the
    session until it closes (it holds what it loaded only while something else refers to it):
    the process that sends the messages at once reads them from it, not again."""
    held: list[object] | None = session.info.get(HELD)
    if held is not None:
        held.extend(recipients)


def store_file(
    session: Session, school_id: int, name: str, media_type: str, content: bytes, *, now: datetime
) -> int:
    """Keep a file for DMs to carry (in the caller's transaction); returns its id."""
    row = OutboxFile(
        school_id=school_id, name=name, media_type=media_type, content=content, created_at=now
    )
    session.add(row)
    session.flush()
    return row.id
