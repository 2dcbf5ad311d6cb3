"""The dispatcher works a batch at a time: a claim costs the same few statements whatever its
size, a round's outcomes are written in one transaction, sends run a bounded number at once, and
rows a handler queued can be claimed in its own transaction and sent at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.delivery import Delivery, Dispatcher
from bot.delivery import dispatcher as delivery
from bot.delivery.claims import LEASE, claim_new
from bot.delivery.pacing import Pacer
from handlers.replies import Notice
from storage import outbox
from storage.database import transaction
from storage.models import OutboxMessage, Person
from tests.drivers.paced import Paced
from tests.drivers.statements import statements

EMAILS = ("dsl@example.org", "head@example.org", "dpo@example.org", "it@example.org")


class Recording:
    """A platform that accepts everything and keeps what it was given, in order."""

    def __init__(self) -> None:
        self.seen: list[Delivery] = []

    async def send(self, delivery: Delivery) -> str | None:
        self.seen.append(delivery)
        return f"ref-{delivery.outbox_id}"


def people(factory, school) -> list[Person]:
    with factory() as session:
        return list(
            session.scalars(
                select(Person).where(Person.school_id == school.id, Person.email.in_(EMAILS))
            )
        )


def queue(factory, school, clock, count: int, *, urgent: bool = False) -> None:
    recipients = people(factory, school)
    with transaction(factory) as session:
        for n in range(count):
            outbox.enqueue(
                session,
                school.id,
                [recipients[n % len(recipients)].id],
                Notice(f"Offsite record #{n}").to_json(),
                now=clock(),
                urgent=urgent,
            )


def statuses(factory) -> list[tuple[str, int]]:
    with factory() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(row.status, row.attempts) for row in rows]


def test_a_claim_costs_the_same_statements_for_three_rows_as_for_forty(
    engine, factory, school, clock
):
    dispatcher = Dispatcher(factory, {"console": Recording()}, clock)
    queue(factory, school, clock, 3)
    with statements(engine) as few:
        assert len(dispatcher._claim()) == 3
    clock.advance(seconds=LEASE.total_seconds() + 1)  # those leases run out: claimed again
    queue(factory, school, clock, 37)
    with statements(engine) as many:
        assert len(dispatcher._claim()) == 40
    # The due rows, one UPDATE of their leases (and one of the three now in doubt), then the
    # recipients, their schools and their platform identities: one query each.
    assert len(many) == len(few) + 1 <= 7


def test_a_rounds_outcomes_are_written_in_one_transaction_whatever_its_size(
    engine, factory, school, clock
):
    platform = Recording()
    dispatcher = Dispatcher(factory, {"console": platform}, clock)
    queue(factory, school, clock, 3)
    with statements(engine) as few:
        assert asyncio.run(dispatcher.deliver_due()) == 3
    queue(factory, school, clock, 40)
    with statements(engine) as many:
        assert asyncio.run(dispatcher.deliver_due()) == 40
    assert len(many) == len(few)
    assert statuses(factory) == [("sent", 1)] * 43
    with factory() as session:
        refs = session.scalars(select(OutboxMessage.platform_ref).order_by(OutboxMessage.id))
        assert list(refs) == [f"ref-{d.outbox_id}" for d in platform.seen]


def test_no_more_sends_run_at_once_than_the_bound(factory, school, clock, monkeypatch):
    monkeypatch.setattr(delivery, "IN_FLIGHT", 3)

    class Slow(Recording):
        def __init__(self) -> None:
            super().__init__()
            self.now = self.most = 0

        async def send(self, delivery: Delivery) -> str | None:
            self.now += 1
            self.most = max(self.most, self.now)
            await asyncio.sleep(0.01)
            self.now -= 1
            return await super().send(delivery)

    platform = Slow()
    queue(factory, school, clock, 10)
    assert asyncio.run(Dispatcher(factory, {"console": platform}, clock).deliver_due()) == 10
    assert platform.most == 3


def test_a_send_still_waiting_for_a_slot_at_the_deadline_is_put_back_untried(
    factory, school, clock, monkeypatch
):
    """The deadline runs from the claim, waiting included, so every outcome is written while
    the round's leases still hold; a row never tried is not counted as an attempt."""
    monkeypatch.setattr(delivery, "IN_FLIGHT", 1)
    monkeypatch.setattr(delivery, "ATTEMPT_DEADLINE", timedelta(seconds=0.05))

    class StuckOnce(Recording):
        async def send(self, delivery: Delivery) -> str | None:
            if not self.seen:
                self.seen.append(delivery)
                await asyncio.sleep(5)  # never answers in time
            return await super().send(delivery)

    platform = StuckOnce()
    queue(factory, school, clock, 2, urgent=True)
    assert asyncio.run(Dispatcher(factory, {"console": platform}, clock).deliver_due()) == 0
    assert [d.outbox_id for d in platform.seen] == [1]
    with factory() as session:
        first, second = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    assert (first.attempts, first.last_error, first.in_doubt_since) == (1, "TimeoutError", clock())
    assert (second.attempts, second.last_error, second.claimed_until) == (0, None, None)


def test_rows_claimed_in_the_transaction_that_queued_them_are_sent_at_once_and_only_once(
    factory, school, clock
):
    [dsl] = [p for p in people(factory, school) if p.email == "dsl@example.org"]
    platform = Recording()
    dispatcher = Dispatcher(factory, {"console": platform}, clock)
    with transaction(factory) as session:
        queued = outbox.watch(session)
        outbox.enqueue(
            session, school.id, [dsl.id], Notice("Breach #1").to_json(), now=clock(), urgent=True
        )
        claims = claim_new(session, queued, clock())
    [claimed] = claims
    assert claimed.recipient.email == "dsl@example.org" and claimed.notice.text == "Breach #1"

    assert asyncio.run(dispatcher.deliver_due()) == 0  # leased to the process that queued it
    assert asyncio.run(dispatcher.deliver_claimed(claims)) == 1
    assert [d.outbox_id for d in platform.seen] == [claimed.outbox_id]
    assert statuses(factory) == [("sent", 1)]


def test_a_routine_message_held_back_is_not_claimed_with_the_transaction_that_queued_it(
    factory, school, clock
):
    [staff] = people(factory, school)[:1]
    with transaction(factory) as session:
        queued = outbox.watch(session)
        outbox.enqueue(
            session,
            school.id,
            [staff.id],
            Notice("Please sign the AUP").to_json(),
            now=clock(),
            not_before=clock() + timedelta(hours=2),
        )
        assert claim_new(session, queued, clock()) == []
    with factory() as session:
        assert session.scalars(select(OutboxMessage.claimed_until)).one() is None


def test_claiming_a_rolled_back_transactions_rows_leaves_nothing_to_send(factory, school, clock):
    [staff] = people(factory, school)[:1]
    with factory() as session:
        queued = outbox.watch(session)
        outbox.enqueue(session, school.id, [staff.id], Notice("Breach #2").to_json(), now=clock())
        assert len(claim_new(session, queued, clock())) == 1
        session.rollback()
    assert statuses(factory) == []


# --- through Slack: one conversation at Slack's pace, on kept-alive connections ----------------


def test_dms_to_one_person_are_posted_a_second_apart_and_one_further_off_is_put_back(
    slack, factory, school, dsl, head, clock
):
    for n in range(4):
        with transaction(factory) as session:
            outbox.enqueue(
                session, school.id, [dsl.id], Notice(f"Breach #{n}").to_json(), now=clock()
            )
    with transaction(factory) as session:
        outbox.enqueue(session, school.id, [head.id], Notice("Breach #9").to_json(), now=clock())
    sender = slack.adapter.dispatcher.senders["slack"]
    paced = Paced()
    sender.posts = Pacer(60, longest_wait=2, monotonic=paced, sleep=paced.sleep)

    assert slack.deliver() == 4  # three to the DSL (now, +1 s, +2 s) and the Headteacher's
    assert sorted(paced.slept) == [1.0, 2.0]
    with factory() as session:
        waiting = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending"))
        [later] = waiting
    assert (later.attempts, later.last_error) == (0, None)  # put back, not a failed attempt
    assert (later.next_attempt_at - clock()).total_seconds() == 3
    assert len(slack.dms_to(dsl.email)) == 3 and len(slack.dms_to(head.email)) == 1


def test_every_dm_goes_over_the_senders_one_pool_of_kept_alive_connections(
    slack, factory, school, dsl, head, clock
):
    sender = slack.adapter.dispatcher.senders["slack"]
    pools = []
    for person in (dsl, head):
        with transaction(factory) as session:
            outbox.enqueue(
                session, school.id, [person.id], Notice("Breach #1").to_json(), now=clock()
            )
        assert slack.deliver() == 1
        pools.append(slack.server.call(_pool(sender)))
    assert pools[0] is pools[1] and not pools[0].closed
    assert len(slack.calls("chat.postMessage")) == 2


async def _pool(sender):
    return sender.http_session()


def test_sends_finishing_together_are_recorded_in_one_transaction(engine, factory, school, clock):
    """The alerts of reports made at once are sent at once (send_now, a task each): what became
    of them is written together, not in a transaction each queueing for the write lock."""
    platform = Recording()
    dispatcher = Dispatcher(factory, {"console": platform}, clock)
    queue(factory, school, clock, 6, urgent=True)
    claims = dispatcher._claim()

    async def at_once() -> list[int]:
        return await asyncio.gather(*(dispatcher.deliver_claimed([c]) for c in claims))

    with statements(engine) as seen:
        assert asyncio.run(at_once()) == [1] * 6
    assert sum(s.startswith("UPDATE outbox SET status") for s in seen) == 1
    assert statuses(factory) == [("sent", 1)] * 6
