"""Recording what became of a round's attempts: every outcome in one transaction.

Sent rows are marked with one executemany UPDATE, as are rows put back without counting an
attempt; the rarer failures are read with one query and each counted, backed off, put in doubt
or given up (admins alerted, handlers/delivery_alerts.py) in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.delivery.sender import Delivery
from handlers import delivery_alerts
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=15)
# Routine reminders are given up (and admins told) after a day; urgent ones (breach and
# child-risk alerts) are never given up: they keep trying every MAX_BACKOFF until delivered.
GIVE_UP_ROUTINE_AFTER = timedelta(hours=24)
WARN_AFTER_ATTEMPTS = 5


@dataclass(frozen=True)
class Sent:
    """The platform accepted the message; ``ref`` is its reference there."""

    delivery: Delivery
    ref: str | None


@dataclass(frozen=True)
class Postponed:
    """Nothing was tried (pacing, or a doubtful attempt's processing window): back at ``until``,
    no attempt counted."""

    delivery: Delivery
    until: datetime


@dataclass(frozen=True)
class Retry:
    """A failed attempt, tried again later. ``in_doubt_from`` is when an attempt that may have
    posted the message began, and ``window`` the platform's processing window: the next attempt
    comes no sooner than that after this one ended."""

    delivery: Delivery
    reason: str
    after_seconds: float | None = None
    in_doubt_from: datetime | None = None
    window: timedelta = timedelta()


@dataclass(frozen=True)
class Failed:
    """The message can never be delivered as addressed: given up, the admins told."""

    delivery: Delivery
    reason: str


Outcome = Sent | Postponed | Retry | Failed


def record(session: Session, outcomes: Sequence[Outcome], now: datetime) -> None:
    """Write every outcome of a round in the caller's transaction."""
    table = OutboxMessage.__table__
    update_rows(
        session,
        [
            {"id": o.delivery.outbox_id, "platform_ref": o.ref}
            for o in outcomes
            if isinstance(o, Sent)
        ],
        status="sent",
        sent_at=now,
        attempts=table.c.attempts + 1,  # type: ignore[attr-defined]
        claimed_until=None,
        last_error=None,
    )
    update_rows(
        session,
        [
            {"id": o.delivery.outbox_id, "next_attempt_at": max(o.until, now)}
            for o in outcomes
            if isinstance(o, Postponed)
        ],
        claimed_until=None,
    )
    failures = [o for o in outcomes if isinstance(o, Retry | Failed)]
    if not failures:
        return
    rows = {
        row.id: row
        for row in session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.id.in_([o.delivery.outbox_id for o in failures])
            )
        )
    }
    for outcome in failures:
        row = rows[outcome.delivery.outbox_id]
        if isinstance(outcome, Retry):
            _retry(session, row, outcome, now)
        else:
            row.attempts += 1
            row.claimed_until = None
            row.last_error = outcome.reason[:200]
            _give_up(session, row, now)


def update_rows(session: Session, changes: Sequence[Mapping[str, Any]], **same: Any) -> None:
    """One executemany UPDATE of outbox rows by id: each change names the same columns (and
    its row's ``id``); ``same`` sets columns to one value (or expression) on every row."""
    if not changes:
        return
    table = OutboxMessage.__table__
    columns = [name for name in changes[0] if name != "id"]
    statement = (
        table.update()  # type: ignore[attr-defined]
        .where(table.c.id == bindparam("row_id"))  # type: ignore[attr-defined]
        .values({**{name: bindparam(f"new_{name}") for name in columns}, **same})
    )
    session.execute(
        statement,
        [{"row_id": c["id"], **{f"new_{name}": c[name] for name in columns}} for c in changes],
    )


def _retry(session: Session, row: OutboxMessage, retry: Retry, now: datetime) -> None:
    """Count a failed attempt and schedule the next. Once in doubt, a row stays in doubt: a
    later refusal (a 429 while checking) proves nothing about the earlier attempt."""
    row.attempts += 1
    row.claimed_until = None
    row.last_error = retry.reason[:200]
    if retry.in_doubt_from is not None:
        if row.in_doubt_since is None or retry.in_doubt_from < row.in_doubt_since:
            row.in_doubt_since = retry.in_doubt_from
        row.in_doubt_until = now
    if not row.urgent and now - row.created_at >= GIVE_UP_ROUTINE_AFTER:
        _give_up(session, row, now)
        return
    backoff = timedelta(seconds=min(5 * 2 ** (row.attempts - 1), MAX_BACKOFF.total_seconds()))
    if retry.after_seconds is not None:
        backoff = timedelta(seconds=max(retry.after_seconds, 1))
    row.next_attempt_at = now + backoff
    if retry.in_doubt_from is not None:
        row.next_attempt_at = max(row.next_attempt_at, now + retry.window)
    if row.urgent and row.attempts == WARN_AFTER_ATTEMPTS:
        log.error("urgent outbox #%s still undelivered after %s attempts", row.id, row.attempts)
        delivery_alerts.delivery_delayed(session, row, now)


def _give_up(session: Session, row: OutboxMessage, now: datetime) -> None:
    row.status = "failed"
    log.error("outbox #%s given up after %s attempts: %s", row.id, row.attempts, row.last_error)
    delivery_alerts.delivery_failed(session, row, now)
