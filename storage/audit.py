"""Append to and verify the hash-linked audit chain (one chain per school).

Each event's hash covers its own fields and the previous event's hash; the school row keeps the
head (sequence number and hash), so editing, deleting or reordering any event is detected.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, insert, select, update
from sqlalchemy.orm import Session

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


def record(
    session: Session,
    school_id: int,
    action: str,
    *,
    at: datetime,
    actor_id: int | None = None,
    subject: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction. Details hold codes, never free text."""
    details = details or {}
    # Bumping the school's sequence first takes a row lock (PostgreSQL), so two transactions
    # can never link to the same previous event; SQLite already serialises writers.
    session.flush()
    # Core statements, not synchronised with School objects the session holds: nothing reads
    # the chain's head from them, and matching them cost a sweep across 500 schools a second.
    seq, prev_hash = session.execute(
        update(School)
        .where(School.id == school_id)
        .values(audit_seq=School.audit_seq + 1)
        .returning(School.audit_seq, School.audit_head)
        .execution_options(synchronize_session=False)
    ).one()
    at = at.astimezone(UTC)
    digest = _digest(school_id, seq, at, actor_id, action, subject, details, prev_hash or GENESIS)
    event = AuditEvent(
        school_id=school_id,
        seq=seq,
        at=at,
        actor_id=actor_id,
        action=action,
        subject=subject,
        details=details,
        prev_hash=prev_hash or GENESIS,
        hash=digest,
    )
    session.add(event)
    session.execute(
        update(School)
        .where(School.id == school_id)
        .values(audit_head=digest)
        .execution_options(synchronize_session=False)
    )
    return event


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
    transaction: what ``record`` does for each, in three statements however many events and
    schools (``record`` takes three per event: the breach clock's hundred at trust scale took
    three hundred)."""
    if not entries:
        return
    session.flush()
    counts = Counter(entry.school_id for entry in entries)
    # Bumping each school's sequence by its number of events locks the school rows
    # (PostgreSQL), so no other transaction can link to the same previous events.
    heads = {
        school_id: (seq - counts[school_id], head or GENESIS)
        for school_id, seq, head in session.execute(
            update(School)
            .where(School.id.in_(sorted(counts)))
            .values(audit_seq=School.audit_seq + case(counts, value=School.id))
            .returning(School.id, School.audit_seq, School.audit_head)
            .execution_options(synchronize_session=False)
        )
    }
    events = []
    for entry in entries:
        seq, prev_hash = heads[entry.school_id]
        seq += 1
        at = entry.at.astimezone(UTC)
        details = entry.details or {}
        digest = _digest(
            entry.school_id,
            seq,
            at,
            entry.actor_id,
            entry.action,
            entry.subject,
            details,
            prev_hash,
        )
        events.append(
            {
                "school_id": entry.school_id,
                "seq": seq,
                "at": at,
                "actor_id": entry.actor_id,
                "action": entry.action,
                "subject": entry.subject,
                "details": details,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        heads[entry.school_id] = (seq, digest)
    session.execute(insert(AuditEvent), events)  # one executemany, no objects
    session.execute(
        update(School)
        .where(School.id.in_(sorted(heads)))
        .values(audit_head=case({k: head for k, (_, head) in heads.items()}, value=School.id))
        .execution_options(synchronize_session=False)
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
