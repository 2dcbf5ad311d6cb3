"""Write notifications once: a ledger key per (subject, kind, window) and outbox rows per person.

Keys are written with ``INSERT ... ON CONFLICT DO NOTHING RETURNING``, many in one statement:
only the keys that were new come back, and only their messages are queued. Two writers racing
on a key cannot both win it (the ledger's unique constraint decides; on PostgreSQL the second
waits for the first to commit), so a message is never queued twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
    written = session.execute(
        insert(OUTBOX).returning(OUTBOX.c.id, sort_by_parameter_order=True), rows
    )
    for row, (row_id,) in zip(rows, written, strict=True):
        watched.append({**row, "id": row_id, "in_doubt_since": None, "in_doubt_until": None})


# session.info: the outbox rows queued in the session's transaction, once ``watch`` was called.
WATCHED = "safekeep_queued_outbox"


def watch(session: Session) -> list[dict[str, Any]]:
    """From now on, keep each outbox row queued in ``session``'s transaction (its columns and
    id) in the list returned, for a process that sends them itself once the transaction has
    committed (bot/turn.py). Unwatched sessions (a sweep's sixty thousand rows) keep nothing."""
    watched: list[dict[str, Any]] = session.info.setdefault(WATCHED, [])
    return watched


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
