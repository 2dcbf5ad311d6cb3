"""Append to and verify the hash-linked audit chain (one chain per school).

Each event's hash covers its own fields and the previous event's hash; the school row keeps the
head (sequence number and hash), so editing, deleting or reordering any event is detected.

A transaction reads a school's head once, locking the school's row (PostgreSQL; SQLite
serialises writers already), links its events to it in memory, and writes them and the new head
when it commits: a request that appends two events makes three statements (read, insert, head),
not six. Reading the chain in the same transaction first writes what is pending (``write``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy import event as events
from sqlalchemy.orm import Session, SessionTransaction

from storage.models import AuditEvent, School

GENESIS = "0" * 64


def _digest(
    school_id: int,
    seq: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    subject: str,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    body = json.dumps(
        [
            school_id,
            seq,
            at.isoformat(timespec="microseconds"),
            actor_id,
            action,
            subject,
            details,
            prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


EVENTS = cast(Table, AuditEvent.__table__)
SCHOOLS = cast(Table, School.__table__)
# session.info: the chain heads the current transaction has read, by school id.
_HEADS = "safekeep_audit_heads"


@dataclass
class _Head:
    seq: int
    hash: str  # "" while the chain is empty, as the school row stores it
    pending: list[dict[str, Any]] = field(default_factory=list)  # events not yet written
    moved: bool = False  # events were appended in this transaction
    actions: list[str] = field(default_factory=list)  # theirs, written or not


def lock(session: Session, school_id: int) -> None:
    """Lock the school's row for the rest of the transaction and read its chain's head, once.

    Every append does this first, so two transactions never link to the same previous event;
    a path that changes a numbered record takes it before the record's lock
    (handlers/numbered_records.py), which costs no statement of its own then."""
    _head(session, school_id)


def _head(session: Session, school_id: int) -> _Head:
    head = _read_heads(session, [school_id]).get(school_id)
    if head is None:
        raise LookupError(f"no school {school_id}")
    return head


def _read_heads(session: Session, school_ids: Sequence[int]) -> dict[int, _Head]:
    """The transaction's heads, after reading (and locking) in one statement those of
    ``school_ids`` it has not read yet, in id order so that two writers never deadlock."""
    heads: dict[int, _Head] | None = session.info.get(_HEADS)
    if heads is None:
        heads = session.info[_HEADS] = {}
    unread = sorted(set(school_ids) - heads.keys())
    if unread:
        # FOR NO KEY UPDATE, as an UPDATE of the row would take: rows inserted meanwhile that
        # refer to the school (their foreign-key checks share its key) never wait on it.
        for school_id, seq, digest in session.execute(
            select(SCHOOLS.c.id, SCHOOLS.c.audit_seq, SCHOOLS.c.audit_head)
            .where(SCHOOLS.c.id.in_(unread))
            .order_by(SCHOOLS.c.id)
            .with_for_update(key_share=True)
        ):
            heads[school_id] = _Head(seq, digest or "")
    return heads


def record(
    session: Session,
    school_id: int,
    action: str,
    *,
    at: datetime,
    actor_id: int | None = None,
    subject: str = "",
    details: dict[str, Any] | None = None,
) -> str:
    """Append one event in the caller's transaction (written when it commits); returns its
    hash. Details hold codes, never free text."""
    details = details or {}
    head = _head(session, school_id)
    seq, prev_hash = head.seq + 1, head.hash or GENESIS
    at = at.astimezone(UTC)
    digest = _digest(school_id, seq, at, actor_id, action, subject, details, prev_hash)
    head.pending.append(
        {
            "school_id": school_id,
            "seq": seq,
            "at": at,
            "actor_id": actor_id,
            "action": action,
            "subject": subject,
            "details": details,
            "prev_hash": prev_hash,
            "hash": digest,
        }
    )
    head.seq, head.hash, head.moved = seq, digest, True
    head.actions.append(action)
    return digest


def last_appended(session: Session, school_id: int) -> str | None:
    """The hash of the newest event appended to the school's chain in this transaction."""
    head = (session.info.get(_HEADS) or {}).get(school_id)
    return head.hash if head is not None and head.moved else None


def appended_actions(session: Session) -> list[str]:
    """The actions of the events appended in this transaction, oldest first (until it ends)."""
    heads: dict[int, _Head] = session.info.get(_HEADS) or {}
    return [action for head in heads.values() for action in head.actions]


def write(session: Session) -> None:
    """Write the events appended in this transaction so far and the heads they moved: one
    INSERT for the events, one UPDATE for the heads. Called when the transaction commits, and
    by whatever reads the chain before that."""
    heads: dict[int, _Head] | None = session.info.get(_HEADS)
    if not heads:
        return
    rows = [row for head in heads.values() for row in head.pending]
    if not rows:
        return
    session.flush()  # an actor added in this transaction is inserted first
    session.execute(insert(EVENTS), rows)
    moved = [(school_id, head) for school_id, head in heads.items() if head.pending]
    session.execute(
        update(SCHOOLS)
        .where(SCHOOLS.c.id == bindparam("school"))
        .values(audit_seq=bindparam("seq"), audit_head=bindparam("head")),
        [{"school": school_id, "seq": h.seq, "head": h.hash} for school_id, h in moved],
    )
    for _, head in moved:
        head.pending.clear()


@events.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    write(session)


@events.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the heads were read under this transaction's locks
        session.info.pop(_HEADS, None)


@dataclass(frozen=True)
class Entry:
    """One event for ``record_all``: what ``record`` takes, and the school it is for."""

    school_id: int
    action: str
    at: datetime
    actor_id: int | None = None
    subject: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def record_all(session: Session, entries: Sequence[Entry]) -> None:
    """Append these events, in the order given, to their schools' chains in the caller's
    transaction: what ``record`` does for each, but the heads of all their schools are read in
    one statement (the breach clock appends for a hundred schools at trust scale), and, as
    always, the events and heads are written in one statement each when it commits."""
    _read_heads(session, [entry.school_id for entry in entries])
    for entry in entries:
        record(
            session,
            entry.school_id,
            entry.action,
            at=entry.at,
            actor_id=entry.actor_id,
            subject=entry.subject,
            details=entry.details,
        )


@dataclass(frozen=True)
class ChainBreak:
    school_id: int
    seq: int
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event #{self.event_id}" if self.event_id is not None else "the chain's end"
        return f"school {self.school_id}, sequence {self.seq} ({where}): {self.problem}"


def verify(session: Session) -> list[ChainBreak]:
    """Check every school's chain; returns the first break of each broken chain."""
    write(session)
    breaks = []
    for school in session.scalars(select(School).order_by(School.id)):
        found = _verify_school(session, school)
        if found:
            breaks.append(found)
    return breaks


def _verify_school(session: Session, school: School) -> ChainBreak | None:
    prev_hash, expected_seq = GENESIS, 1
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.school_id == school.id).order_by(AuditEvent.seq)
    )
    for event in events:
        if event.seq != expected_seq:
            return ChainBreak(
                school.id, expected_seq, event.id, "an event is missing before this one"
            )
        if event.prev_hash != prev_hash:
            return ChainBreak(
                school.id, event.seq, event.id, "it does not link to the event before"
            )
        digest = _digest(
            event.school_id,
            event.seq,
            event.at,
            event.actor_id,
            event.action,
            event.subject,
            event.details,
            event.prev_hash,
        )
        if digest != event.hash:
            return ChainBreak(school.id, event.seq, event.id, "its contents were changed")
        prev_hash, expected_seq = event.hash, expected_seq + 1
    if school.audit_seq != expected_seq - 1 or (
        school.audit_seq and school.audit_head != prev_hash
    ):
        return ChainBreak(school.id, expected_seq, None, "the newest events were deleted")
    return None
