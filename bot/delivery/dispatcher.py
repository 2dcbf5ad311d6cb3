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
itself knows no platform. A round claims a batch in two statements (claims.py), sends up to
``IN_FLIGHT`` at once, and records every outcome in one transaction (records.py); a crash
between a send and that record leaves the row leased, so it is put in doubt when the lease runs
out. Rows a handler claimed in its own transaction (``claims.claim_new``) are sent the same way
by ``deliver_claimed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.delivery.claims import LEASE, claim_due, claim_new
from bot.delivery.records import Failed, Outcome, Postponed, Retry, Sent, record
from bot.delivery.sender import (
    Delivery,
    MaybeDelivered,
    NotYet,
    RetryLater,
    Sender,
    Undeliverable,
)
from handlers.clock import Clock
from storage.database import transaction
from storage.models import School

log = logging.getLogger(__name__)

# An attempt still running this long after its round began, just after its row was claimed
# (waiting for a free slot included), is abandoned and treated as in doubt, long before its
# lease runs out and another dispatcher could claim the row: the round's outcomes are recorded
# while every lease still holds.
ATTEMPT_DEADLINE = LEASE / 2
IN_FLIGHT = 48  # sends under way at once in a round
# Rows claimed a round: whole waves of IN_FLIGHT, so the last wave of a round is not half empty.
BATCH = 4 * IN_FLIGHT

__all__ = ["ATTEMPT_DEADLINE", "BATCH", "IN_FLIGHT", "LEASE", "Dispatcher", "processing_window"]


class Dispatcher:
    def __init__(
        self,
        factory: sessionmaker[Session],
        senders: Mapping[str, Sender],
        clock: Clock,
        batch: int = BATCH,
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
        self._sending: set[asyncio.Task[int]] = set()  # send_now's tasks, kept until done
        self._sent_at_once = 0  # what they sent, until ``settle`` reads it
        # Outcomes waiting to be recorded together, and the task recording them.
        self._to_record: list[tuple[Sequence[Outcome], asyncio.Future[set[int]]]] = []
        self._recording: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Deliver now rather than at the next poll (called after a handler commits)."""
        self._wake.set()

    def lease(self, session: Session, row: Mapping[str, Any]) -> datetime | None:
        """Until when a row a request is queueing is claimed by this process, as it is written
        (``storage.outbox.watch``): a row due now for a platform this process has a sender for,
        which ``handover`` then claims without a statement. None leaves it to the rounds."""
        now = self.clock()
        if row["next_attempt_at"] <= now and self._school_platform(session, row) in self.senders:
            return now + LEASE
        return None

    def handover(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> list[Delivery]:
        """Claim, in a request's own transaction, the rows it queued that this process can
        send (``routes.run`` calls it just before the commit, through ``bot/turn.py``); the
        caller gives them to ``send_now`` once the commit has succeeded. Nothing is claimed for
        a platform this process has no sender for: the rounds of the process that has one
        send those."""
        ours = [row for row in rows if self._school_platform(session, row) in self.senders]
        return claim_new(session, ours, self.clock()) if ours else []

    def send_now(self, claims: Sequence[Delivery]) -> None:
        """Send rows claimed by ``handover`` straight away, in the background of this event
        loop: the alert goes out on a warm connection without waiting for a round or claiming
        its row a second time. If this process stops first, the lease runs out and a round
        sends them, after looking for an earlier post."""
        task = asyncio.get_running_loop().create_task(self.deliver_claimed(claims))
        self._sending.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[int]) -> None:
        self._sending.discard(task)
        if task.cancelled():
            return
        failed = task.exception()
        if failed is not None:
            log.error("sending handed-over messages failed: %s", type(failed).__name__)
            return
        self._sent_at_once += task.result()

    async def settle(self) -> int:
        """Wait until what ``send_now`` is sending has been sent and recorded (before the
        connections close, and in tests); returns how many it sent since the last call."""
        while self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)
        sent, self._sent_at_once = self._sent_at_once, 0
        return sent

    @staticmethod
    def _school_platform(session: Session, row: Mapping[str, Any]) -> str:
        return session.get_one(School, row["school_id"]).platform

    async def run_forever(self, poll_seconds: float = 5.0) -> None:
        try:
            while True:
                try:
                    await self.deliver_due()
                except Exception:
                    log.exception("outbox delivery round failed; will try again")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=poll_seconds)
                self._wake.clear()
        finally:
            await self.close()

    async def close(self) -> None:
        """Finish what is being sent at once, then close the senders' kept-alive connections
        (those that keep any)."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.settle(), ATTEMPT_DEADLINE.total_seconds())
        for sender in self.senders.values():
            close = getattr(sender, "close", None)
            if close is not None:
                try:
                    await close()
                except Exception as exc:  # shutting down: the process goes either way
                    log.warning("closing a sender's connections failed: %s", type(exc).__name__)

    async def deliver_due(self) -> int:
        """Deliver every message that is due now; returns how many were sent."""
        sent = 0
        while True:
            claims = await asyncio.to_thread(self._claim)
            if not claims:
                return sent
            sent += await self.deliver_claimed(claims)
            if len(claims) < self.batch:
                return sent

    async def deliver_claimed(self, claims: Sequence[Delivery]) -> int:
        """Send deliveries already claimed (by a round, or by ``claims.claim_new`` in the
        transaction that queued them, once it committed) and record what became of each, in one
        transaction; returns how many were sent."""
        deadline = asyncio.get_running_loop().time() + ATTEMPT_DEADLINE.total_seconds()
        slots = asyncio.Semaphore(IN_FLIGHT)
        outcomes = await asyncio.gather(*(self._attempt(d, slots, deadline) for d in claims))
        recorded = await self._record_with_others(outcomes)
        return sum(isinstance(o, Sent) and o.delivery.outbox_id in recorded for o in outcomes)

    async def _record_with_others(self, outcomes: Sequence[Outcome]) -> set[int]:
        """Record outcomes together with those of other sends that finish while a record is
        being written (the alerts of twenty reports at once): one transaction for them all,
        rather than one each queueing for the write lock. Returns the outbox ids recorded."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[set[int]] = loop.create_future()
        self._to_record.append((outcomes, done))
        if self._recording is None or self._recording.done():
            self._recording = loop.create_task(self._record_waiting())
        return await asyncio.shield(done)

    async def _record_waiting(self) -> None:
        while self._to_record:
            taken, self._to_record = self._to_record, []
            try:
                recorded = await asyncio.to_thread(
                    self._record, [o for outcomes, _ in taken for o in outcomes]
                )
            except asyncio.CancelledError:
                for _, done in taken:
                    done.cancel()
                raise
            except Exception as exc:  # no thread to record in (shutting down)
                for _, done in taken:
                    done.set_exception(exc)
                continue
            for _, done in taken:
                done.set_result(recorded)

    async def _attempt(
        self, delivery: Delivery, slots: asyncio.Semaphore, deadline: float
    ) -> Outcome:
        sender = self.senders.get(delivery.recipient.platform)
        window = processing_window(sender)
        started = self.clock()
        if delivery.in_doubt is not None and started < delivery.in_doubt.until + window:
            # The platform may still be posting what a doubtful attempt sent: look only once
            # its processing window has passed, or the look could miss it and post it twice.
            return Postponed(delivery, delivery.in_doubt.until + window)
        if sender is None:
            return Retry(delivery, f"no {delivery.recipient.platform} connection in this process")
        try:
            async with asyncio.timeout_at(deadline):
                await slots.acquire()
        except TimeoutError:
            return Postponed(delivery, self.clock())  # never tried: the next round has it
        try:
            started = self.clock()
            async with asyncio.timeout_at(deadline):
                ref = await sender.send(delivery)
        except NotYet as exc:
            return Postponed(delivery, started + timedelta(seconds=exc.after_seconds))
        except RetryLater as exc:
            return Retry(delivery, exc.reason, exc.after_seconds)
        except MaybeDelivered as exc:
            log.warning("outbox #%s may have been delivered: %s", delivery.outbox_id, exc.reason)
            return Retry(delivery, exc.reason, None, started, window)
        except Undeliverable as exc:
            return Failed(delivery, str(exc))
        except Exception as exc:
            # An unexpected fault may have come after the platform posted the message: never
            # lose it, and never post it again without looking first.
            name = type(exc).__name__
            log.warning("delivery of outbox #%s failed: %s", delivery.outbox_id, name)
            return Retry(delivery, name, None, started, window)
        finally:
            slots.release()
        return Sent(delivery, ref)

    def _claim(self) -> list[Delivery]:
        with transaction(self.factory) as session:
            return claim_due(session, self.clock(), self.batch, self.school_id)

    def _record(self, outcomes: Sequence[Outcome]) -> set[int]:
        """Record outcomes in one transaction; if that fails, each on its own, so one row the
        database refuses spoils nothing else. Returns the outbox ids recorded. A sent row left
        unrecorded keeps its lease, and is put in doubt when it runs out."""
        try:
            self._write(outcomes)
            return {o.delivery.outbox_id for o in outcomes}
        except Exception as exc:
            log.error(
                "recording %s outbox outcomes failed (%s); one at a time",
                len(outcomes),
                type(exc).__name__,
            )
        recorded = set()
        for outcome in outcomes:
            try:
                self._write([outcome])
            except Exception as exc:
                log.error(
                    "outbox #%s: recording the attempt failed: %s",
                    outcome.delivery.outbox_id,
                    type(exc).__name__,
                )
                continue
            recorded.add(outcome.delivery.outbox_id)
        return recorded

    def _write(self, outcomes: Sequence[Outcome]) -> None:
        with transaction(self.factory) as session:
            record(session, outcomes, self.clock())


def processing_window(sender: Sender | None) -> timedelta:
    """How long after an attempt the sender's platform may still post what it was sent."""
    window = getattr(sender, "processing_window", None)
    return window if isinstance(window, timedelta) else timedelta()
