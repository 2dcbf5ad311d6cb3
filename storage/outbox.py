"""Write notifications once: a ledger key per (subject, kind, window) and outbox rows per person."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import LedgerEntry, OutboxFile, OutboxMessage


@dataclass(frozen=True)
class LedgerKey:
    """What makes a notification unique: e.g. ("breach:42", "ico_reminder_24h", "")."""

    subject: str
    kind: str
    window: str = ""


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
    if already_sent(session, school_id, key):
        return False
    session.add(
        LedgerEntry(
            school_id=school_id,
            subject=key.subject,
            kind=key.kind,
            window=key.window,
            created_at=now,
        )
    )
    session.flush()
    return True


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

    With a ledger key, nothing is written if that key was written before, and False is returned;
    the ledger's unique constraint makes a concurrent duplicate fail its whole transaction.
    """
    recipients = sorted(set(recipient_ids))
    if not recipients:
        return False
    ledger_id = None
    if key is not None:
        if already_sent(session, school_id, key):
            return False
        entry = LedgerEntry(
            school_id=school_id,
            subject=key.subject,
            kind=key.kind,
            window=key.window,
            created_at=now,
        )
        session.add(entry)
        session.flush()
        ledger_id = entry.id
    for recipient_id in recipients:
        session.add(
            OutboxMessage(
                school_id=school_id,
                ledger_id=ledger_id,
                recipient_id=recipient_id,
                payload=payload,
                urgent=urgent,
                status="pending",
                attempts=0,
                next_attempt_at=max(now, not_before) if not_before and not urgent else now,
                created_at=now,
            )
        )
    return True


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
