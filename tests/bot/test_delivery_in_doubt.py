"""The dispatcher's bookkeeping of failed attempts: a failure that may have come after the platform
posted the message puts the row in doubt, and every later attempt is told so; a failure the
platform says posted nothing is retried as it is."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.delivery import Delivery, Dispatcher, InDoubt, MaybeDelivered, RetryLater, Undeliverable
from bot.delivery import dispatcher as delivery
from handlers.replies import Notice
from storage import outbox
from storage.database import transaction
from storage.models import OutboxMessage


class ScriptedPlatform:
    """Answers each attempt as scripted (an exception to raise, or None to deliver) and keeps
    what it posted by outbox id, finding it again for an attempt in doubt as Slack does."""

    def __init__(self, clock, *script: Exception | None, takes: timedelta = timedelta()) -> None:
        self.clock = clock
        self.script = list(script)
        self.takes = takes
        self.seen: list[Delivery] = []
        self.posted: dict[int, str] = {}

    async def send(self, delivery: Delivery) -> str | None:
        self.seen.append(delivery)
        self.clock.advance(seconds=self.takes.total_seconds())  # the attempt takes this long
        if delivery.in_doubt is not None and delivery.outbox_id in self.posted:
            return self.posted[delivery.outbox_id]
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        self.posted[delivery.outbox_id] = f"D1:{len(self.posted) + 1}"
        return self.posted[delivery.outbox_id]


def _queue(factory, school, person, clock, urgent=True) -> int:
    with transaction(factory) as session:
        outbox.enqueue(
            session,
            school.id,
            [person.id],
            Notice("Breach #1 · child at risk: yes").to_json(),
            now=clock(),
            urgent=urgent,
        )
    return _row(factory).id


def _row(factory) -> OutboxMessage:
    with factory() as session:
        return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()


async def _attempt(dispatcher, clock, after=timedelta(minutes=16)) -> int:
    sent = await dispatcher.deliver_due()
    clock.advance(seconds=after.total_seconds())
    return sent


async def test_a_lost_answer_puts_the_row_in_doubt_and_the_next_attempt_is_told(
    factory, school, dsl, clock
):
    outbox_id = _queue(factory, school, dsl, clock)
    began = clock()
    platform = ScriptedPlatform(clock, MaybeDelivered("timeout"), takes=timedelta(seconds=10))
    dispatcher = Dispatcher(factory, {"console": platform}, clock)

    assert await _attempt(dispatcher, clock) == 0
    row = _row(factory)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "timeout")
    assert (row.in_doubt_since, row.in_doubt_until) == (began, began + timedelta(seconds=10))
    assert row.next_attempt_at == began + timedelta(seconds=10 + 5)  # backs off as usual

    assert await _attempt(dispatcher, clock) == 1
    first, second = platform.seen
    assert first.in_doubt is None and first.outbox_id == second.outbox_id == outbox_id
    assert second.in_doubt == InDoubt(began, began + timedelta(seconds=10))
    assert second.attempts == 1
    assert _row(factory).status == "sent"


async def test_a_refusal_is_retried_without_doubt(factory, school, dsl, clock):
    _queue(factory, school, dsl, clock)
    platform = ScriptedPlatform(clock, RetryLater("rate limited", 30))
    dispatcher = Dispatcher(factory, {"console": platform}, clock)
    assert await _attempt(dispatcher, clock, after=timedelta(seconds=30)) == 0
    row = _row(factory)
    assert row.in_doubt_since is None and row.in_doubt_until is None
    assert await _attempt(dispatcher, clock) == 1
    assert [d.in_doubt for d in platform.seen] == [None, None]
    assert len(platform.posted) == 1


async def test_an_unexpected_fault_is_treated_as_in_doubt(factory, school, dsl, clock):
    _queue(factory, school, dsl, clock)
    began = clock()
    platform = ScriptedPlatform(clock, ConnectionResetError("reset by peer"))
    dispatcher = Dispatcher(factory, {"console": platform}, clock)
    await _attempt(dispatcher, clock)
    row = _row(factory)
    assert (row.last_error, row.in_doubt_since) == ("ConnectionResetError", began)
    await _attempt(dispatcher, clock)
    assert platform.seen[-1].in_doubt == InDoubt(began, began)


async def test_once_in_doubt_a_later_refusal_keeps_the_doubt_and_a_later_doubt_widens_it(
    factory, school, dsl, clock
):
    _queue(factory, school, dsl, clock)
    first = clock()
    platform = ScriptedPlatform(
        clock,
        MaybeDelivered("no answer"),
        RetryLater("rate limited while checking", 60),
        MaybeDelivered("HTTP 503"),
        takes=timedelta(seconds=2),
    )
    dispatcher = Dispatcher(factory, {"console": platform}, clock)

    await _attempt(dispatcher, clock)  # in doubt
    await _attempt(dispatcher, clock)  # refused: proves nothing about the first attempt
    row = _row(factory)
    assert (row.in_doubt_since, row.in_doubt_until) == (first, first + timedelta(seconds=2))

    third = clock()
    await _attempt(dispatcher, clock)  # in doubt again, later
    row = _row(factory)
    assert (row.in_doubt_since, row.in_doubt_until) == (first, third + timedelta(seconds=2))

    assert await _attempt(dispatcher, clock) == 1
    told = [d.in_doubt for d in platform.seen]
    assert told[0] is None
    assert told[1] == told[2] == InDoubt(first, first + timedelta(seconds=2))
    assert told[3] == InDoubt(first, third + timedelta(seconds=2))
    assert _row(factory).attempts == 4


async def test_a_message_posted_by_an_attempt_in_doubt_is_marked_sent_without_posting_again(
    factory, school, dsl, clock
):
    _queue(factory, school, dsl, clock)

    class PostsThenLosesTheAnswer(ScriptedPlatform):
        async def send(self, delivery: Delivery) -> str | None:
            ref = await super().send(delivery)
            if len(self.seen) == 1:
                raise MaybeDelivered("connection dropped after the request was sent")
            return ref

    platform = PostsThenLosesTheAnswer(clock)
    dispatcher = Dispatcher(factory, {"console": platform}, clock)
    assert await _attempt(dispatcher, clock) == 0
    assert await _attempt(dispatcher, clock) == 1
    assert await _attempt(dispatcher, clock) == 0
    assert platform.posted == {_row(factory).id: "D1:1"}  # posted once, found the second time
    row = _row(factory)
    assert (row.status, row.platform_ref, row.attempts) == ("sent", "D1:1", 2)


async def test_undeliverable_after_doubt_fails_the_row_and_tells_the_admins(
    factory, school, staff, clock
):
    _queue(factory, school, staff, clock, urgent=False)
    platform = ScriptedPlatform(clock, MaybeDelivered("timeout"), Undeliverable("user_not_found"))
    dispatcher = Dispatcher(factory, {"console": platform}, clock)
    await _attempt(dispatcher, clock)
    await _attempt(dispatcher, clock)
    with factory() as session:
        first, *alerts = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert (first.status, first.last_error) == ("failed", "user_not_found")
    assert alerts and all("could not be delivered" in a.payload["text"] for a in alerts)


async def test_an_attempt_that_outlasts_its_deadline_is_abandoned_in_doubt(
    factory, school, dsl, clock, monkeypatch
):
    monkeypatch.setattr(delivery, "ATTEMPT_DEADLINE", timedelta(seconds=0.05))
    _queue(factory, school, dsl, clock)

    class Stuck:
        def __init__(self) -> None:
            self.released = asyncio.Event()

        async def send(self, delivery: Delivery) -> str | None:
            await self.released.wait()  # a platform that never answers
            return "never"

    dispatcher = Dispatcher(factory, {"console": Stuck()}, clock)
    began = clock()
    assert await asyncio.wait_for(dispatcher.deliver_due(), timeout=5) == 0
    row = _row(factory)
    assert (row.status, row.last_error, row.in_doubt_since) == ("pending", "TimeoutError", began)
    assert row.claimed_until is None  # the lease is given back, not left to run out
