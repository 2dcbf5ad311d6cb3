"""The outbox dispatcher: delivers queued DMs through the recipient's platform, durably.

A row is marked sent only after the platform accepted it. ``Retry-After`` is honoured, other
failures back off exponentially. A routine message still undelivered after a day is marked failed
and the school's admins are alerted; an urgent one (a breach or child-risk alert) is never given
up, and the admins are alerted once it has failed a few times. Claims are leases, so a crashed process's
rows are picked up again; on PostgreSQL, ``SKIP LOCKED`` keeps two dispatchers off one row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from handlers.clock import Clock
from handlers.replies import Notice
from storage import outbox
from storage.database import transaction
from storage.models import OutboxMessage, Person, RoleAssignment, School
from storage.outbox import LedgerKey

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(minutes=15)
# Routine reminders are given up (and admins told) after a day; urgent ones (breach and
# child-risk alerts) are never given up: they keep trying every MAX_BACKOFF until delivered.
GIVE_UP_ROUTINE_AFTER = timedelta(hours=24)
WARN_AFTER_ATTEMPTS = 5


class RetryLater(Exception):
    """The platform asked us to wait (HTTP 429) or had a passing fault."""

    def __init__(self, reason: str, after_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after_seconds = after_seconds


class Undeliverable(Exception):
    """The message can never be delivered as addressed (e.g. no platform identity)."""


@dataclass(frozen=True)
class Recipient:
    person_id: int
    display_name: str
    email: str
    platform: str
    external_id: str | None
    school_id: int
    school_external_id: str | None  # Slack team id or Teams tenant id


class Sender(Protocol):
    """One platform's way of delivering a DM; returns the platform's message reference."""

    async def send(self, recipient: Recipient, notice: Notice) -> str | None: ...


@dataclass(frozen=True)
class Claim:
    message_id: int
    recipient: Recipient
    notice: Notice
    urgent: bool
    attempts: int
    created_at: datetime


class Dispatcher:
    def __init__(
        self,
        factory: sessionmaker[Session],
        senders: dict[str, Sender],
        clock: Clock,
        batch: int = 50,
    ) -> None:
        self.factory = factory
        self.senders = senders
        self.clock = clock
        self.batch = batch
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Deliver now rather than at the next poll (called after a handler commits)."""
        self._wake.set()

    async def run_forever(self, poll_seconds: float = 5.0) -> None:
        while True:
            try:
                await self.deliver_due()
            except Exception:
                log.exception("outbox delivery round failed; will try again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll_seconds)
            self._wake.clear()

    async def deliver_due(self) -> int:
        """Deliver every message that is due now; returns how many were sent."""
        sent = 0
        while True:
            claims = await asyncio.to_thread(self._claim)
            if not claims:
                return sent
            results = await asyncio.gather(*(self._deliver(c) for c in claims))
            sent += sum(results)
            if len(claims) < self.batch:
                return sent

    async def _deliver(self, claim: Claim) -> bool:
        sender = self.senders.get(claim.recipient.platform)
        try:
            if sender is None:
                raise RetryLater(f"no {claim.recipient.platform} connection in this process")
            ref = await sender.send(claim.recipient, claim.notice)
        except RetryLater as exc:
            await asyncio.to_thread(self._retry, claim, exc.reason, exc.after_seconds)
            return False
        except Undeliverable as exc:
            await asyncio.to_thread(self._fail, claim, str(exc))
            return False
        except Exception as exc:  # an unexpected platform fault: retry, never lose the message
            log.warning("delivery of outbox #%s failed: %s", claim.message_id, type(exc).__name__)
            await asyncio.to_thread(self._retry, claim, type(exc).__name__, None)
            return False
        await asyncio.to_thread(self._mark_sent, claim, ref)
        return True

    def _claim(self) -> list[Claim]:
        now = self.clock()
        with transaction(self.factory) as session:
            query = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.next_attempt_at <= now,
                    or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
                )
                .order_by(OutboxMessage.urgent.desc(), OutboxMessage.id)
                .limit(self.batch)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = list(session.scalars(query))
            claims = []
            for row in rows:
                row.claimed_until = now + LEASE
                claims.append(
                    Claim(
                        row.id,
                        _recipient(session, row),
                        Notice.from_json(row.payload),
                        row.urgent,
                        row.attempts,
                        row.created_at,
                    )
                )
            return claims

    def _mark_sent(self, claim: Claim, ref: str | None) -> None:
        with transaction(self.factory) as session:
            row = session.get_one(OutboxMessage, claim.message_id)
            row.status = "sent"
            row.sent_at = self.clock()
            row.attempts += 1
            row.platform_ref = ref
            row.claimed_until = None
            row.last_error = None

    def _retry(self, claim: Claim, reason: str, after_seconds: float | None) -> None:
        now = self.clock()
        with transaction(self.factory) as session:
            row = session.get_one(OutboxMessage, claim.message_id)
            row.attempts += 1
            row.claimed_until = None
            row.last_error = reason[:200]
            if not row.urgent and now - row.created_at >= GIVE_UP_ROUTINE_AFTER:
                self._give_up(session, row, now)
                return
            backoff = timedelta(
                seconds=min(5 * 2 ** (row.attempts - 1), MAX_BACKOFF.total_seconds())
            )
            if after_seconds is not None:
                backoff = timedelta(seconds=max(after_seconds, 1))
            row.next_attempt_at = now + backoff
            if row.urgent and row.attempts == WARN_AFTER_ATTEMPTS:
                log.error(
                    "urgent outbox #%s still undelivered after %s attempts", row.id, row.attempts
                )
                _alert_admins(session, row, now, "delivery_delayed")

    def _fail(self, claim: Claim, reason: str) -> None:
        now = self.clock()
        with transaction(self.factory) as session:
            row = session.get_one(OutboxMessage, claim.message_id)
            row.attempts += 1
            row.claimed_until = None
            row.last_error = reason[:200]
            self._give_up(session, row, now)

    @staticmethod
    def _give_up(session: Session, row: OutboxMessage, now: datetime) -> None:
        row.status = "failed"
        log.error("outbox #%s given up after %s attempts: %s", row.id, row.attempts, row.last_error)
        _alert_admins(session, row, now, "delivery_failed")


def _recipient(session: Session, row: OutboxMessage) -> Recipient:
    person = session.get_one(Person, row.recipient_id)
    school = session.get_one(School, row.school_id)
    school_ref = school.slack_team_id if school.platform == "slack" else school.teams_tenant_id
    return Recipient(
        person_id=person.id,
        display_name=person.display_name,
        email=person.email,
        platform=school.platform,
        external_id=person.identity(school.platform),
        school_id=school.id,
        school_external_id=school_ref,
    )


def _alert_admins(session: Session, row: OutboxMessage, now: datetime, kind: str) -> None:
    """Tell the school's admins and IT lead (once per message) that a DM is not getting through."""
    admins = session.scalars(
        select(RoleAssignment.person_id).where(
            RoleAssignment.school_id == row.school_id,
            RoleAssignment.role.in_(["admin", "it_lead"]),
            RoleAssignment.person_id != row.recipient_id,
        )
    ).all()
    if not admins or row.payload.get("kind") == "delivery_alert":
        return
    verb = "could not be delivered" if kind == "delivery_failed" else "is still not delivered"
    notice = Notice(
        f"Safekeep alert: a direct message (outbox #{row.id}) {verb} after {row.attempts} "
        "attempts. Check Safekeep's connection to your chat platform and its logs."
    )
    payload = {**notice.to_json(), "kind": "delivery_alert"}
    outbox.enqueue(
        session,
        row.school_id,
        admins,
        payload,
        now=now,
        key=LedgerKey(f"outbox:{row.id}", kind),
        urgent=True,
    )
