"""Write notifications once: a ledger key per (subject, kind, window) and outbox rows per person.

Keys are written with ``INSERT ... ON CONFLICT DO NOTHING RETURNING``, many in one statement:
only the keys that were new come back, and only their messages are queued. Two writers racing
on a key cannot both win it (the ledger's unique constraint decides; on PostgreSQL the second
waits for the first to commit), so a message is never queued twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple
from typing import cast as typed

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Table,
    bindparam,
    cast,
    func,
    insert,
    literal,
    literal_column,
    select,
    text,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import LedgerEntry, OutboxFile, OutboxMessage

# Keys and messages are written with Core statements, many rows at once.
LEDGER = typed(Table, LedgerEntry.__table__)
OUTBOX = typed(Table, OutboxMessage.__table__)


class LedgerKey(NamedTuple):
    """What makes a notification unique: e.g. ("breach:42", "ico_reminder_24h", ""). A named
    tuple: a sweep hashes and compares a hundred thousand of them."""

    subject: str
    kind: str
    window: str = ""


class Notification(NamedTuple):
    """One message to queue for some people of one school (once per ledger key, if it has one).
    A named tuple, like LedgerKey: a sweep makes sixty thousand."""

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
    return bool(_write_keys(session, [(school_id, key.subject, key.kind, key.window)], now=now))


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
    new = _write_keys(
        session, [(n.school_id, *n.key) for n in wanted if n.key is not None], now=now
    )
    queued: list[tuple[int | None, Notification]] = []
    for note in wanted:
        if note.key is None:
            queued.append((None, note))
        elif (ledger_id := new.pop((note.school_id, *note.key), None)) is not None:
            queued.append((ledger_id, note))
    _write_messages(session, queued, now=now)
    return [note for _, note in queued]


# A ledger key as written: (school_id, subject, kind, window).
KeyRow = tuple[int, str, str, str]


def _write_keys(session: Session, keys: Sequence[KeyRow], *, now: datetime) -> dict[KeyRow, int]:
    """Write the keys not written before, in one statement however many; returns the new ones
    with their ledger ids."""
    if not keys:
        return {}
    # In one order, so that two writers racing on many keys wait on each other, not deadlock.
    ordered = sorted(set(keys))
    columns = ["school_id", "subject", "kind", "window", "created_at"]
    # The keys go as one JSON array of [school_id, subject, kind, window], which the database
    # takes apart: one short statement however many keys, and none of the work a driver does
    # on each value of a VALUES list or an array (psycopg escaped each string of an array).
    keys_json = bindparam(None, json.dumps(ordered), type_=String())
    statement: postgresql.Insert | sqlite.Insert
    if session.get_bind().dialect.name == "postgresql":
        each = func.json_array_elements(cast(keys_json, postgresql.JSON)).table_valued("value")
        rows = select(
            cast(_pg_nth(each.c.value, 0), Integer()),
            *(_pg_nth(each.c.value, n) for n in (1, 2, 3)),
            literal(now, LEDGER.c.created_at.type),
        )
        statement = postgresql.insert(LEDGER).from_select(columns, rows)
    else:
        each = func.json_each(keys_json).table_valued("value")
        rows = select(
            *(func.json_extract(each.c.value, f"$[{n}]") for n in range(4)),
            literal(now, LEDGER.c.created_at.type),
        ).where(true())  # INSERT ... SELECT ... ON CONFLICT needs a WHERE in SQLite
        statement = sqlite.insert(LEDGER).from_select(columns, rows)
    written = session.execute(
        statement.on_conflict_do_nothing(
            index_elements=["school_id", "subject", "kind", "window"]
        ).returning(
            LEDGER.c.id, LEDGER.c.school_id, LEDGER.c.subject, LEDGER.c.kind, LEDGER.c.window
        )
    ).all()
    return {
        (school_id, subject, kind, window): ledger_id
        for ledger_id, school_id, subject, kind, window in written
    }


def _pg_nth(array: ColumnElement[Any], n: int) -> ColumnElement[str]:
    """The ``n``th element of a PostgreSQL JSON array, as text (``array ->> n``)."""
    return array.op("->>", return_type=String())(literal_column(str(n)))


def _write_messages(
    session: Session, queued: Sequence[tuple[int | None, Notification]], *, now: datetime
) -> None:
    """Bulk-insert one outbox row per recipient of each notification, in one statement."""
    if not any(note.recipient_ids for _, note in queued):
        return
    watched = session.info.get(WATCHED)
    if watched is not None:
        watched_rows = [
            {
                "school_id": note.school_id,
                "ledger_id": ledger_id,
                "recipient_id": recipient_id,
                "payload": note.payload,
                "urgent": note.urgent,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": _next_attempt(note, now),
                "created_at": now,
            }
            for ledger_id, note in queued
            for recipient_id in sorted(set(note.recipient_ids))
        ]
        lease: Lease | None = session.info.get(LEASE)
        for row in watched_rows:
            row["claimed_until"] = lease(session, row) if lease is not None else None
        ids = _insert_returning_ids(session, watched_rows)
        for row, row_id in zip(watched_rows, ids, strict=True):
            watched.append({**row, "id": row_id, "in_doubt_since": None, "in_doubt_until": None})
        return
    # Unwatched (a sweep's sixty thousand rows): each payload, time and flag is encoded once,
    # however many rows share it, and the rows go to the database without SQLAlchemy's work on
    # each: on SQLite as one executemany of plain values, on PostgreSQL as two JSON arrays.
    dialect = session.get_bind().dialect
    on_postgresql = dialect.name == "postgresql"
    encode_payload, encode_urgent, encode_time = (
        (None, None, datetime.isoformat)
        if on_postgresql
        else tuple(
            OUTBOX.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in ("payload", "urgent", "next_attempt_at")
        )
    )
    carried: dict[int, Any] = {}  # id(payload): what a row carries for it
    distinct: list[dict[str, Any]] = []  # PostgreSQL: each payload once; rows carry its place
    times: dict[datetime, Any] = {}
    urgency = {flag: encode_urgent(flag) if encode_urgent else flag for flag in (False, True)}
    rows: list[tuple[Any, ...]] = []
    for ledger_id, note in queued:
        payload = carried.get(id(note.payload))
        if payload is None:
            if on_postgresql:
                distinct.append(note.payload)
                payload = len(distinct)  # WITH ORDINALITY counts from 1
            else:
                payload = encode_payload(note.payload) if encode_payload else note.payload
            carried[id(note.payload)] = payload
        at = _next_attempt(note, now)
        when = times.get(at)
        if when is None:
            when = times[at] = encode_time(at) if encode_time else at
        urgent = urgency[note.urgent]
        recipients = note.recipient_ids
        if len(recipients) == 1:
            rows.append((note.school_id, ledger_id, recipients[0], payload, urgent, when))
        else:
            rows.extend(
                (note.school_id, ledger_id, recipient_id, payload, urgent, when)
                for recipient_id in sorted(set(recipients))
            )
    if on_postgresql:
        serialize = getattr(dialect, "_json_serializer", None) or json.dumps
        session.execute(
            POSTGRESQL_MESSAGES,
            {"rows": json.dumps(rows), "payloads": serialize(distinct), "now": now},
        )
    else:
        # created_at is the same kind of column as next_attempt_at (UtcDateTime).
        created = times.get(now) or (encode_time(now) if encode_time else now)
        session.connection().exec_driver_sql(SQLITE_MESSAGES, [(*row, created) for row in rows])


def _next_attempt(note: Notification, now: datetime) -> datetime:
    """When a message is first tried: now, or a routine one's ``not_before`` if later."""
    return max(now, note.not_before) if note.not_before and not note.urgent else now


# The columns a queued message is written with (the rest are empty until it is sent).
MESSAGE_COLUMNS = (
    "school_id",
    "ledger_id",
    "recipient_id",
    "payload",
    "urgent",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
)
# SQLite: one executemany of plain values (pysqlite's qmark parameters).
SQLITE_MESSAGES = (
    f"INSERT INTO {OUTBOX.name} ({', '.join(MESSAGE_COLUMNS)}) "
    "VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)"
)
# PostgreSQL: the rows and the distinct payloads as two JSON arrays, in one short statement.
# Each payload is stored as its text in the array, as SQLAlchemy would have written it alone.
POSTGRESQL_MESSAGES = text(
    f"INSERT INTO {OUTBOX.name} ({', '.join(MESSAGE_COLUMNS)}) "
    "SELECT CAST(m.row ->> 0 AS integer), CAST(m.row ->> 1 AS integer), "
    "CAST(m.row ->> 2 AS integer), p.payload, CAST(m.row ->> 4 AS boolean), 'pending', 0, "
    "CAST(m.row ->> 5 AS timestamptz), :now "
    "FROM json_array_elements(CAST(:rows AS json)) WITH ORDINALITY AS m(row, n) "
    "JOIN json_array_elements(CAST(:payloads AS json)) WITH ORDINALITY AS p(payload, place) "
    "ON p.place = CAST(m.row ->> 3 AS bigint) "
    "ORDER BY m.n"
)


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
