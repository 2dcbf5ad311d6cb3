"""The outbox dispatcher: delivers queued DMs through the recipient's platform, once in effect.

A row is marked sent only after the platform accepted it. ``Retry-After`` is honoured, other
failures back off exponentially. Nothing is retried blindly: a failure that may have come after
the platform posted the message (a timeout, a connection dropped after the request was sent, a
5xx, an unexpected fault) marks the row *in doubt* with when those attempts ran, and every later
attempt passes that to the sender, which looks for the message on the platform (each message is
tagged with its outbox id) and posts only if it is not there. A failure the platform says posted
nothing (429, a refused connection) is simply retried.

A platform may finish a request after our client stopped waiting for it, so a look made at once
could miss a message that is still on its way and post it a second time. A row in doubt is
therefore attempted again only after the sender's ``processing_window`` has passed since the
doubtful attempts ended (``in_doubt_until``); a row claimed earlier than that is put back until
then without counting an attempt, as is a row whose sender paces itself (``NotYet``).

A routine message still undelivered after a day is marked failed and the school's admins are
alerted (who is told, and in what words, is handlers/delivery_alerts.py); an urgent one (a breach
or child-risk alert) is never given up, and the admins are alerted once it has failed a few
times. Claims are leases, so a crashed process's rows are picked up again, in doubt (the crash
may have come after the platform posted); an attempt is cut short well inside its lease, so a
slow platform never lets a second dispatcher send the same row at the same time. On PostgreSQL,
``SKIP LOCKED`` keeps two dispatchers off one row.

Each message goes through the sender registered for its school's platform; the dispatcher
itself knows no platform.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.sender import (
    Attachment,
    Delivery,
    InDoubt,
    MaybeDelivered,
    NotYet,
    Recipient,
    RetryLater,
    Sender,
    Undeliverable,
)
from handlers import delivery_alerts
from handlers.clock import Clock
from handlers.replies import Notice
from storage.database import transaction
from storage.models import OutboxFile, OutboxMessage, Person, School

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
# An attempt still running after this is abandoned (and treated as in doubt) long before its
# lease runs out and another dispatcher could claim the row.
ATTEMPT_DEADLINE = LEASE / 2
MAX_BACKOFF = timedelta(minutes=15)
# Routine reminders are given up (and admins told) after a day; urgent ones (breach and
# child-risk alerts) are never given up: they keep trying every MAX_BACKOFF until delivered.
GIVE_UP_ROUTINE_AFTER = timedelta(hours=24)
WARN_AFTER_ATTEMPTS = 5


class Dispatcher:
    def __init__(
        self,
        factory: sessionmaker[Session],
        senders: Mapping[str, Sender],
        clock: Clock,
        batch: int = 50,
        school_id: int | None = None,
    ) -> None:
        self.factory = factory
        self.senders = senders
        self.clock = clock
        self.batch = batch
        # The console delivers only its own school's messages: another school's (a Slack
        # school in the same database) are left to that platform's process, not postponed.
        self.school_id = school_id
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
            # One attempt's fault (say the database failing as a send is marked) must not stop
            # the others: the row it left claimed is treated as in doubt when its lease runs out.
            results = await asyncio.gather(
                *(self._deliver(d) for d in claims), return_exceptions=True
            )
            for delivery, result in zip(claims, results, strict=True):
                if isinstance(result, BaseException):
                    log.error(
                        "outbox #%s: delivery attempt failed: %s",
                        delivery.outbox_id,
                        type(result).__name__,
                    )
                elif result:
                    sent += 1
            if len(claims) < self.batch:
                return sent

    async def _deliver(self, delivery: Delivery) -> bool:
        sender = self.senders.get(delivery.recipient.platform)
        started = self.clock()
        window = processing_window(sender)
        if delivery.in_doubt is not None and started < delivery.in_doubt.until + window:
            # The platform may still be posting what a doubtful attempt sent: look only once
            # its processing window has passed, or the look could miss it and post it twice.
            await asyncio.to_thread(self._postpone, delivery, delivery.in_doubt.until + window)
            return False
        try:
            if sender is None:
                raise RetryLater(f"no {delivery.recipient.platform} connection in this process")
            async with asyncio.timeout(ATTEMPT_DEADLINE.total_seconds()):
                ref = await sender.send(delivery)
        except NotYet as exc:
            after = started + timedelta(seconds=exc.after_seconds)
            await asyncio.to_thread(self._postpone, delivery, after)
            return False
        except RetryLater as exc:
            await asyncio.to_thread(self._retry, delivery, exc.reason, exc.after_seconds)
            return False
        except MaybeDelivered as exc:
            log.warning("outbox #%s may have been delivered: %s", delivery.outbox_id, exc.reason)
            await asyncio.to_thread(self._retry, delivery, exc.reason, None, started, window)
            return False
        except Undeliverable as exc:
            await asyncio.to_thread(self._fail, delivery, str(exc))
            return False
        except Exception as exc:
            # An unexpected fault may have come after the platform posted the message: never
            # lose it, and never post it again without looking first.
            name = type(exc).__name__
            log.warning("delivery of outbox #%s failed: %s", delivery.outbox_id, name)
            await asyncio.to_thread(self._retry, delivery, name, None, started, window)
            return False
        await asyncio.to_thread(self._mark_sent, delivery, ref)
        return True

    def _claim(self) -> list[Delivery]:
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
            if self.school_id is not None:
                query = query.where(OutboxMessage.school_id == self.school_id)
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = list(session.scalars(query))
            claims = []
            for row in rows:
                if row.claimed_until is not None:
                    _abandoned(row, row.claimed_until)
                row.claimed_until = now + LEASE
                in_doubt = None
                if row.in_doubt_since is not None and row.in_doubt_until is not None:
                    in_doubt = InDoubt(row.in_doubt_since, row.in_doubt_until)
                notice = Notice.from_json(row.payload)
                claims.append(
                    Delivery(
                        outbox_id=row.id,
                        recipient=_recipient(session, row),
                        notice=notice,
                        urgent=row.urgent,
                        attempts=row.attempts,
                        created_at=row.created_at,
                        in_doubt=in_doubt,
                        files=_files(session, notice),
                    )
                )
            return claims

    def _mark_sent(self, delivery: Delivery, ref: str | None) -> None:
        with transaction(self.factory) as session:
            row = session.get_one(OutboxMessage, delivery.outbox_id)
            row.status = "sent"
            row.sent_at = self.clock()
            row.attempts += 1
            row.platform_ref = ref
            row.claimed_until = None
            row.last_error = None

    def _postpone(self, delivery: Delivery, until: datetime) -> None:
        """Put a claimed row back until ``until`` without counting an attempt: nothing was tried."""
        with transaction(self.factory) as session:
            row = session.get_one(OutboxMessage, delivery.outbox_id)
            row.claimed_until = None
            row.next_attempt_at = max(until, self.clock())

    def _retry(
        self,
        delivery: Delivery,
        reason: str,
        after_seconds: float | None,
        in_doubt_from: datetime | None = None,
        window: timedelta = timedelta(),
    ) -> None:
        """Count a failed attempt and schedule the next; ``in_doubt_from`` is when an attempt
        that may have posted the message began, and ``window`` the platform's processing window:
        the next attempt comes no sooner than that after this one ended. Once in doubt, a row
        stays in doubt: a later refusal (a 429 while checking) proves nothing about the earlier
        attempt."""
        now = self.clock()
        with transaction(self.factory) as session:
            row = session.get_one(OutboxMessage, delivery.outbox_id)
            row.attempts += 1
            row.claimed_until = None
            row.last_error = reason[:200]
            if in_doubt_from is not None:
                if row.in_doubt_since is None or in_doubt_from < row.in_doubt_since:
                    row.in_doubt_since = in_doubt_from
                row.in_doubt_until = now
            if not row.urgent and now - row.created_at >= GIVE_UP_ROUTINE_AFTER:
                self._give_up(session, row, now)
                return
            backoff = timedelta(
                seconds=min(5 * 2 ** (row.attempts - 1), MAX_BACKOFF.total_seconds())
            )
            if after_seconds is not None:
                backoff = timedelta(seconds=max(after_seconds, 1))
            row.next_attempt_at = now + backoff
            if in_doubt_from is not None:
                row.next_attempt_at = max(row.next_attempt_at, now + window)
            if row.urgent and row.attempts == WARN_AFTER_ATTEMPTS:
                log.error(
                    "urgent outbox #%s still undelivered after %s attempts", row.id, row.attempts
                )
                delivery_alerts.delivery_delayed(session, row, now)

    def _fail(self, delivery: Delivery, reason: str) -> None:
        now = self.clock()
        with transaction(self.factory) as session:
            row = session.get_one(OutboxMessage, delivery.outbox_id)
            row.attempts += 1
            row.claimed_until = None
            row.last_error = reason[:200]
            self._give_up(session, row, now)

    @staticmethod
    def _give_up(session: Session, row: OutboxMessage, now: datetime) -> None:
        row.status = "failed"
        log.error("outbox #%s given up after %s attempts: %s", row.id, row.attempts, row.last_error)
        delivery_alerts.delivery_failed(session, row, now)


def processing_window(sender: Sender | None) -> timedelta:
    """How long after an attempt the sender's platform may still post what it was sent."""
    window = getattr(sender, "processing_window", None)
    return window if isinstance(window, timedelta) else timedelta()


def _abandoned(row: OutboxMessage, claimed_until: datetime) -> None:
    """Put a row whose claim ran out in doubt: the process that claimed it may have posted the
    message and then died (or failed to record it) before the lease ended."""
    since = claimed_until - LEASE
    log.warning("outbox #%s: an earlier attempt never finished; checking before sending", row.id)
    if row.in_doubt_since is None or since < row.in_doubt_since:
        row.in_doubt_since = since
    if row.in_doubt_until is None or claimed_until > row.in_doubt_until:
        row.in_doubt_until = claimed_until


def _files(session: Session, notice: Notice) -> tuple[Attachment, ...]:
    """The bytes of the files a notice carries (stored once when it was queued)."""
    found = []
    for ref in notice.files:
        stored = session.get_one(OutboxFile, ref.file_id)
        found.append(Attachment(stored.id, stored.name, stored.media_type, stored.content))
    return tuple(found)


def _recipient(session: Session, row: OutboxMessage) -> Recipient:
    person = session.get_one(Person, row.recipient_id)
    school = session.get_one(School, row.school_id)
    return Recipient(
        person_id=person.id,
        display_name=person.display_name,
        email=person.email,
        platform=school.platform,
        external_id=person.identity(school.platform),
        school_id=school.id,
    )
