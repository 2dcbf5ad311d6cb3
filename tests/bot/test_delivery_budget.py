"""The dispatcher's retry budget: routine messages give up loudly, urgent ones never give up."""

from __future__ import annotations

from sqlalchemy import select

from bot.delivery import Delivery, Dispatcher, RetryLater
from handlers.replies import Notice
from storage import outbox
from storage.database import transaction
from storage.models import OutboxMessage


class Refusing:
    """A platform that rate-limits every send, asking for a given wait."""

    def __init__(self, after: float | None = None) -> None:
        self.after = after
        self.calls = 0

    async def send(self, delivery: Delivery) -> str | None:
        self.calls += 1
        raise RetryLater("rate_limited", self.after)


def _queue(factory, school, person, clock, urgent):
    with transaction(factory) as session:
        outbox.enqueue(
            session,
            school.id,
            [person.id],
            Notice("Breach #1").to_json(),
            now=clock(),
            urgent=urgent,
        )


async def _run_for(dispatcher, clock, hours):
    for _ in range(hours * 4):
        await dispatcher.deliver_due()
        clock.advance(minutes=15)


def _rows(factory):
    with factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_retry_after_is_honoured(factory, school, staff, clock):
    _queue(factory, school, staff, clock, urgent=False)
    sender = Refusing(after=120)
    dispatcher = Dispatcher(factory, {"console": sender}, clock)
    await dispatcher.deliver_due()
    (row,) = _rows(factory)
    assert row.status == "pending" and row.attempts == 1
    assert (row.next_attempt_at - clock()).total_seconds() == 120
    clock.advance(seconds=60)
    await dispatcher.deliver_due()
    assert sender.calls == 1  # not due again yet


async def test_a_routine_message_is_given_up_after_a_day_and_the_admins_are_told(
    factory, school, staff, clock
):
    _queue(factory, school, staff, clock, urgent=False)
    dispatcher = Dispatcher(factory, {"console": Refusing()}, clock)
    await _run_for(dispatcher, clock, hours=25)
    first, *alerts = _rows(factory)
    assert first.status == "failed"
    assert alerts and all(
        a.urgent and "could not be delivered" in a.payload["text"] for a in alerts
    )


async def test_an_urgent_alert_is_never_given_up(factory, school, staff, clock):
    _queue(factory, school, staff, clock, urgent=True)
    dispatcher = Dispatcher(factory, {"console": Refusing()}, clock)
    await _run_for(dispatcher, clock, hours=25)  # past the 24 h when routine DMs are given up
    first, *alerts = _rows(factory)
    assert first.status == "pending" and first.attempts > 300 / 15
    # The admins were told once that it is not getting through, and nothing was marked failed.
    assert len({a.recipient_id for a in alerts}) == len(alerts) >= 1
    assert all("still not delivered" in a.payload["text"] for a in alerts)
