"""A breach reported while the chat platform rejects every send: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import select

from bot.delivery import Delivery, Dispatcher, RetryLater
from schedules import sweeps
from storage.models import OutboxMessage
from tests.handlers.breach_steps import LOST_SAFEGUARDING_PAPER, incident, report

EVERYONE_ALERTED = {
    "dpo@example.org",
    "head@example.org",
    "it@example.org",
    "dsl@example.org",
    "deputy@example.org",
}


class FlakyPlatform:
    """Refuses every message (rate limits and crashes in turn) until ``recover`` is called.

    A crash leaves the message in doubt, so it finds what it posted by outbox id, as Slack does."""

    def __init__(self) -> None:
        self.down = True
        self.refused = 0
        self.delivered: list[tuple[str, str]] = []
        self.posted: dict[int, str] = {}

    def recover(self) -> None:
        self.down = False

    async def send(self, delivery: Delivery) -> str | None:
        if self.down:
            self.refused += 1
            if self.refused % 2:
                raise RetryLater("ratelimited", after_seconds=30)
            raise ConnectionResetError("platform unreachable")
        if delivery.in_doubt is not None and delivery.outbox_id in self.posted:
            return self.posted[delivery.outbox_id]
        self.delivered.append((delivery.recipient.email, delivery.notice.text))
        self.posted[delivery.outbox_id] = f"ts-{len(self.delivered)}"
        return self.posted[delivery.outbox_id]


def deliver(dispatcher: Dispatcher) -> int:
    return asyncio.run(dispatcher.deliver_due())


def test_alerts_queued_during_an_outage_all_arrive_once_after_recovery(factory, clock, school):
    platform = FlakyPlatform()
    dispatcher = Dispatcher(factory, {"console": platform}, clock)

    report(factory, clock, school, what=LOST_SAFEGUARDING_PAPER)
    assert incident(factory).child_at_risk == "yes"  # stored whatever the platform does
    assert deliver(dispatcher) == 0
    assert platform.refused == 5

    # Ninety minutes of outage: retries back off, the breach clock escalates at 60 minutes.
    for _ in range(18):
        clock.advance(minutes=5)
        sweeps.run_all(factory, clock, only="breach_clock")
        assert deliver(dispatcher) == 0
    assert platform.delivered == []
    with factory() as session:
        statuses = Counter(session.scalars(select(OutboxMessage.status)))
    assert statuses["failed"] == 0 and statuses["sent"] == 0

    platform.recover()
    clock.advance(minutes=16)  # past the longest back-off
    deliver(dispatcher)
    deliver(dispatcher)  # a second round finds nothing more to send

    breach_texts = [(e, t) for e, t in platform.delivered if t.startswith("Breach #1")]
    escalations = [(e, t) for e, t in platform.delivered if t.startswith("Escalation")]
    assert {e for e, _ in breach_texts} == EVERYONE_ALERTED
    assert len(breach_texts) == 5
    assert sorted(e for e, _ in escalations) == ["deputy@example.org", "head@example.org"]
    assert max(Counter(platform.delivered).values()) == 1  # nothing doubled
    with factory() as session:
        rows = session.scalars(select(OutboxMessage)).all()
    assert all(row.status == "sent" for row in rows)  # nothing left behind or given up
    assert all(row.attempts > 1 for row in rows if row.payload["text"].startswith("Breach #1"))
    assert all(row.urgent for row in rows)


def test_a_sweep_run_again_during_the_outage_queues_nothing_twice(factory, clock, school):
    platform = FlakyPlatform()
    dispatcher = Dispatcher(factory, {"console": platform}, clock)
    report(factory, clock, school)
    clock.advance(hours=25)
    for _ in range(3):
        sweeps.run_all(factory, clock, only="breach_clock")
        deliver(dispatcher)
    platform.recover()
    clock.advance(minutes=16)
    deliver(dispatcher)
    reminders = [t for _, t in platform.delivered if "24 hours since" in t]
    escalations = [t for _, t in platform.delivered if t.startswith("Escalation")]
    assert len(reminders) == 2 and len(escalations) == 2
