"""The dispatcher's bookkeeping of failed attempts: a failure that may have come after the platform
posted the message puts the row in doubt, and every later attempt is told so; a failure the
platform says posted nothing is retried as it is."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.delivery import (
    Delivery,
    Dispatcher,
    InDoubt,
    MaybeDelivered,
    NotYet,
    RetryLater,
    Undeliverable,
)
from bot.delivery import dispatcher as delivery
from bot.delivery.pacing import Pacer
from handlers.replies import Notice
from storage import outbox
from storage.database import transaction
from storage.models import OutboxMessage
from tests.drivers.paced import Paced


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


# --- the platform's processing window -------------------------------------------------------

WINDOW = timedelta(minutes=2)


class SlowPlatform(ScriptedPlatform):
    """A platform that may still post what it was sent up to WINDOW after the answer was lost."""

    processing_window = WINDOW


async def test_a_row_in_doubt_is_not_attempted_again_until_the_processing_window_has_passed(
    factory, school, dsl, clock
):
    _queue(factory, school, dsl, clock)
    began = clock()
    platform = SlowPlatform(clock, MaybeDelivered("timeout"), takes=timedelta(seconds=10))
    dispatcher = Dispatcher(factory, {"console": platform}, clock)

    assert await dispatcher.deliver_due() == 0
    ended = began + timedelta(seconds=10)
    row = _row(factory)
    assert (row.in_doubt_until, row.next_attempt_at) == (ended, ended + WINDOW)  # not 5 s

    clock.advance(seconds=WINDOW.total_seconds() - 1)  # back-off long over, window not yet
    assert await dispatcher.deliver_due() == 0
    assert len(platform.seen) == 1  # nobody looked

    clock.advance(seconds=1)
    assert await dispatcher.deliver_due() == 1
    assert platform.seen[-1].in_doubt == InDoubt(began, ended)
    assert _row(factory).attempts == 2


async def test_a_row_claimed_before_its_window_ends_is_put_back_without_counting_an_attempt(
    factory, school, dsl, clock
):
    """Whatever made the row due early (an abandoned lease, an operator), the dispatcher does
    not let the sender look before the window has passed."""
    _queue(factory, school, dsl, clock)
    until = clock() - timedelta(seconds=30)
    with transaction(factory) as session:
        row = session.scalars(select(OutboxMessage)).one()
        row.in_doubt_since, row.in_doubt_until, row.attempts = until, until, 1
    platform = SlowPlatform(clock)
    dispatcher = Dispatcher(factory, {"console": platform}, clock)

    assert await dispatcher.deliver_due() == 0
    row = _row(factory)
    assert platform.seen == []
    assert (row.attempts, row.claimed_until, row.next_attempt_at) == (1, None, until + WINDOW)
    assert row.last_error is None  # nothing failed


async def test_a_lease_that_ran_out_is_checked_only_after_the_window_that_follows_it(
    factory, school, dsl, clock
):
    _queue(factory, school, dsl, clock)
    dispatcher = Dispatcher(factory, {"console": SlowPlatform(clock)}, clock)
    [claimed] = dispatcher._claim()  # the process that claimed it dies here
    lease_ends = clock() + delivery.LEASE

    clock.advance(seconds=delivery.LEASE.total_seconds() + 1)
    assert await dispatcher.deliver_due() == 0
    row = _row(factory)
    assert (row.in_doubt_until, row.next_attempt_at, row.attempts) == (
        lease_ends,
        lease_ends + WINDOW,
        0,
    )
    clock.advance(seconds=WINDOW.total_seconds())
    assert await dispatcher.deliver_due() == 1


async def test_a_sender_without_a_window_is_retried_on_the_usual_back_off(
    factory, school, dsl, clock
):
    _queue(factory, school, dsl, clock)
    began = clock()
    platform = ScriptedPlatform(clock, MaybeDelivered("timeout"))
    await Dispatcher(factory, {"console": platform}, clock).deliver_due()
    assert _row(factory).next_attempt_at == began + timedelta(seconds=5)


async def test_a_sender_pacing_itself_puts_the_row_back_without_counting_an_attempt(
    factory, school, dsl, clock
):
    _queue(factory, school, dsl, clock)
    began = clock()
    platform = ScriptedPlatform(clock, NotYet("pacing history reads", after_seconds=42))
    dispatcher = Dispatcher(factory, {"console": platform}, clock)
    assert await dispatcher.deliver_due() == 0
    row = _row(factory)
    assert (row.attempts, row.last_error, row.in_doubt_since) == (0, None, None)
    assert row.next_attempt_at == began + timedelta(seconds=42)
    clock.advance(seconds=42)
    assert await dispatcher.deliver_due() == 1


# --- spacing reads to a rate limit ----------------------------------------------------------


class Ticking(Paced):
    """A monotonic clock that moves only when told, and a sleep that records and moves it."""

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds)
        self.now += seconds


def test_a_pacer_hands_out_slots_spaced_to_the_rate_per_key():
    ticking = Ticking()
    pacer = Pacer(50, longest_wait=5, monotonic=ticking)  # Slack's Tier 3: 50 a minute
    assert [round(pacer.reserve("T1"), 6) for _ in range(5)] == [0, 1.2, 2.4, 3.6, 4.8]
    assert pacer.reserve("T2") == 0  # another workspace has its own limit
    with pytest.raises(NotYet) as refused:
        pacer.reserve("T1")  # the next slot is 6 s away: longer than the longest wait
    assert round(refused.value.after_seconds, 6) == 6.0
    ticking.now += 6
    assert round(pacer.reserve("T1"), 6) == 0  # the refusal took no slot


async def test_waiting_for_slots_spaces_reads_in_time():
    ticking = Ticking()
    pacer = Pacer(1, longest_wait=90, monotonic=ticking, sleep=ticking.sleep)  # one a minute
    for _ in range(3):
        await pacer.wait("T1")
    assert ticking.slept == [60.0, 60.0]


def test_a_pacer_needs_a_positive_rate():
    with pytest.raises(ValueError):
        Pacer(0)
    with pytest.raises(ValueError):
        Pacer(60, burst=0)


def test_a_burst_goes_at_once_then_the_rate_holds_and_refills_with_time():
    ticking = Ticking()
    pacer = Pacer(60, longest_wait=5, monotonic=ticking, burst=3)  # one a second after three
    assert [round(pacer.reserve("D1"), 6) for _ in range(5)] == [0, 0, 0, 1, 2]
    assert pacer.reserve("D2") == 0  # another conversation has its own
    ticking.now += 10  # quiet for a while: the burst is back, and no more than it
    assert [round(pacer.reserve("D1"), 6) for _ in range(4)] == [0, 0, 0, 1]


def test_a_caller_half_way_through_a_read_may_wait_longer_for_its_next_slot():
    ticking = Ticking()
    pacer = Pacer(6, longest_wait=5, monotonic=ticking)  # one slot every 10 s
    assert pacer.reserve("T1") == 0
    with pytest.raises(NotYet):
        pacer.reserve("T1")
    assert pacer.reserve("T1", longest_wait=30) == 10
