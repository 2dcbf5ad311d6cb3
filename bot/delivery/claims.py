"""Claiming outbox rows for delivery: a lease on each row and the ``Delivery`` a sender needs.

A batch is claimed with two statements (the due rows, then one UPDATE of their lease) and its
recipients, schools and files are read with one query each, whatever the batch's size. Rows a
handler has just queued are claimed in its own transaction (``claim_new``), so the process that
committed an alert can send it at once, with no second round-trip to claim it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import inspect, or_, select, update
from sqlalchemy.orm import Session

from bot.delivery.records import update_rows
from bot.delivery.sender import Attachment, Delivery, InDoubt, Recipient
from handlers.replies import Notice
from storage.models import OutboxFile, OutboxMessage, Person, PlatformIdentity, School

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
Row = TypeVar("Row")


def claim_due(
    session: Session, now: datetime, limit: int, school_id: int | None = None
) -> list[Delivery]:
    """Lease up to ``limit`` rows that are due (urgent first) and return their deliveries.

    A row whose earlier lease ran out is put in doubt first: the process that held it may have
    posted the message and died before recording it. On PostgreSQL, ``SKIP LOCKED`` keeps two
    dispatchers off one row."""
    query = (
        select(
            OutboxMessage.id,
            OutboxMessage.school_id,
            OutboxMessage.recipient_id,
            OutboxMessage.payload,
            OutboxMessage.urgent,
            OutboxMessage.attempts,
            OutboxMessage.created_at,
            OutboxMessage.claimed_until,
            OutboxMessage.in_doubt_since,
            OutboxMessage.in_doubt_until,
        )
        .where(
            OutboxMessage.status == "pending",
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.urgent.desc(), OutboxMessage.id)
        .limit(limit)
    )
    if school_id is not None:
        query = query.where(OutboxMessage.school_id == school_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = [row._asdict() for row in session.execute(query)]
    if not rows:
        return []
    abandoned = [row for row in rows if row["claimed_until"] is not None]
    for row in abandoned:
        _abandoned(row)
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([row["id"] for row in rows]))
        .values(claimed_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    update_rows(
        session,
        [
            {
                "id": row["id"],
                "in_doubt_since": row["in_doubt_since"],
                "in_doubt_until": row["in_doubt_until"],
            }
            for row in abandoned
        ],
    )
    return deliveries(session, rows)


def claim_new(session: Session, rows: Sequence[Mapping[str, Any]], now: datetime) -> list[Delivery]:
    """Lease rows just queued in this (the caller's) transaction (``storage.outbox.watch``) and
    return their deliveries, for the caller to send once its transaction has committed
    (``Dispatcher.deliver_claimed``).

    Only rows due now are claimed: a routine message held back (until school hours) is left to
    the dispatcher's rounds. If the transaction rolls back, so does the lease, and nothing may be
    sent."""
    due = [row for row in rows if row["next_attempt_at"] <= now]
    if not due:
        return []
    # A row leased as it was written (``storage.outbox.watch``) is this process's already.
    unleased = [row["id"] for row in due if row.get("claimed_until") is None]
    if unleased:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(unleased))
            .values(claimed_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
    return deliveries(session, due)


def deliveries(session: Session, rows: Sequence[dict[str, Any]]) -> list[Delivery]:
    """The deliveries of claimed rows, their recipients, schools and files read set-based.

    Recipients and schools the session already holds as loaded in this transaction (a request
    that queued the rows read the people it chose to tell) are taken from it, without a query."""
    people: dict[int, tuple[str, str]] = {}  # id -> display name, email
    identities: dict[tuple[int, str], str] = {}  # (person id, platform) -> external id
    wanted = {row["recipient_id"] for row in rows}
    for person_id in wanted:
        held = _held(session, Person, person_id, ("display_name", "email", "identities"))
        if held is not None and all(i.id is not None for i in held.identities):
            people[person_id] = (held.display_name, held.email)
            for ident in sorted(held.identities, key=lambda i: i.id):
                identities.setdefault((person_id, ident.platform), ident.external_id)
    unread = wanted - people.keys()
    if unread:
        for person_id, display_name, email in session.execute(
            select(Person.id, Person.display_name, Person.email).where(Person.id.in_(unread))
        ):
            people[person_id] = (display_name, email)
        for person_id, platform, external_id in session.execute(
            select(
                PlatformIdentity.person_id, PlatformIdentity.platform, PlatformIdentity.external_id
            )
            .where(PlatformIdentity.person_id.in_(unread))
            .order_by(PlatformIdentity.id)
        ):
            identities.setdefault((person_id, platform), external_id)
    platforms: dict[int, str] = {}
    for school_id in {row["school_id"] for row in rows}:
        school = _held(session, School, school_id, ("platform",))
        if school is not None:
            platforms[school_id] = school.platform
    unread = {row["school_id"] for row in rows} - platforms.keys()
    if unread:
        for school_id, platform in session.execute(
            select(School.id, School.platform).where(School.id.in_(unread))
        ):
            platforms[school_id] = platform
    notices = {row["id"]: Notice.from_json(row["payload"]) for row in rows}
    files = _files(session, notices.values())
    found = []
    for row in rows:
        person_id, platform = row["recipient_id"], platforms[row["school_id"]]
        display_name, email = people[person_id]
        notice = notices[row["id"]]
        in_doubt = None
        if row["in_doubt_since"] is not None and row["in_doubt_until"] is not None:
            in_doubt = InDoubt(row["in_doubt_since"], row["in_doubt_until"])
        found.append(
            Delivery(
                outbox_id=row["id"],
                recipient=Recipient(
                    person_id=person_id,
                    display_name=display_name,
                    email=email,
                    platform=platform,
                    external_id=identities.get((person_id, platform)),
                    school_id=row["school_id"],
                ),
                notice=notice,
                urgent=row["urgent"],
                attempts=row["attempts"],
                created_at=row["created_at"],
                in_doubt=in_doubt,
                files=tuple(files[ref.file_id] for ref in notice.files),
            )
        )
    return found


def _held(session: Session, model: type[Row], key: int, attributes: Iterable[str]) -> Row | None:
    """The row the session holds for ``key`` with these attributes loaded (None: not held)."""
    held = session.identity_map.get(session.identity_key(model, key))
    if held is None:
        return None
    state = inspect(held)
    unloaded = state.unloaded
    if state.expired or any(name in unloaded for name in attributes):
        return None
    return cast(Row, held)


def _files(session: Session, notices: Iterable[Notice]) -> dict[int, Attachment]:
    """The bytes of the files the notices carry (each stored once when it was queued)."""
    ids = {ref.file_id for notice in notices for ref in notice.files}
    if not ids:
        return {}
    return {
        f.id: Attachment(f.id, f.name, f.media_type, f.content)
        for f in session.scalars(select(OutboxFile).where(OutboxFile.id.in_(ids)))
    }


def _abandoned(row: dict[str, Any]) -> None:
    """Put a row whose claim ran out in doubt: the process that claimed it may have posted the
    message and then died (or failed to record it) before the lease ended."""
    claimed_until = row["claimed_until"]
    since = claimed_until - LEASE
    log.warning("outbox #%s: an earlier attempt never finished; checking before sending", row["id"])
    if row["in_doubt_since"] is None or since < row["in_doubt_since"]:
        row["in_doubt_since"] = since
    if row["in_doubt_until"] is None or claimed_until > row["in_doubt_until"]:
        row["in_doubt_until"] = claimed_until
