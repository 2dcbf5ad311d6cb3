"""The process that stored a breach report sends its alerts the moment it commits, claimed in
the report's own transaction: no delivery round, no second claim (issue #15, time to alert)."""

from __future__ import annotations

from sqlalchemy import event, select

from bot.delivery.claims import LEASE
from handlers import people, routes
from handlers.errors import UserError
from handlers.replies import Notice
from storage.models import OutboxMessage
from tests.drivers.statements import statements
from tests.e2e.test_slack_breach import LEADS
from tests.handlers.breach_steps import LOST_LAPTOP


def test_a_reports_alerts_are_sent_by_the_request_that_stored_it(slack, engine, factory):
    rounds: list[str] = []  # a delivery round would select due rows to claim them
    event.listen(
        engine,
        "before_cursor_execute",
        lambda _c, _cur, sql, *_: (
            rounds.append(sql) if "outbox.next_attempt_at <=" in sql else None
        ),
    )
    slack.command("/breach")
    reply = slack.submit(slack.open_view(), LOST_LAPTOP)
    assert reply.json["response_action"] == "update"

    assert slack.server.call(slack.adapter.dispatcher.settle()) == len(LEADS)
    for email in LEADS:
        assert any("Breach #1" in dm["text"] for dm in slack.dms_to(email)), email
    with factory() as session:
        rows = session.scalars(select(OutboxMessage)).all()
    assert {row.status for row in rows} == {"sent"} and all(r.attempts == 1 for r in rows)
    assert rounds == []
    assert slack.deliver() == 0  # nothing left for a round, and nothing sent twice


def test_messages_of_a_request_that_was_not_saved_are_never_handed_over(
    factory, clock, school, staff
):
    handed: list[int] = []

    def queue_then_refuse(ctx):
        ctx.notify([ctx.person], Notice("never sent"), urgent=True)
        ctx.session.flush()
        raise UserError("changed my mind")

    class Handover:
        def lease(self, session, row):
            return clock() + LEASE

        def __call__(self, session, rows):
            handed.extend(row["id"] for row in rows)
            return lambda: None

    reply = routes.run(
        factory,
        clock,
        "slack",
        lambda session: people.staff_member(session, school.id, staff.id),
        queue_then_refuse,
        None,
        Handover(),
    )
    assert reply.text == "changed my mind"
    assert handed == []
    with factory() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


def test_a_report_is_stored_alerted_and_handed_over_in_few_statements(slack, engine):
    """Time to alert is mostly statements while the write lock is held: the audit chain's head
    is read once and written once, the alerts' keys and rows take one statement each, the rows
    are claimed as they are written, and the people told are not read again to send to them."""
    slack.command("/breach")
    first = slack.open_view()
    slack.command("/breach")
    second = slack.open_view()
    slack.submit(first, LOST_LAPTOP)  # the reporter and the school are known from now on
    slack.server.call(slack.adapter.dispatcher.settle())

    with statements(engine) as seen:
        slack.submit(second, LOST_LAPTOP)
        assert slack.server.call(slack.adapter.dispatcher.settle()) == len(LEADS)
    stored, sent = seen[:-1], seen[-1]  # the alerts sent are recorded afterwards, in one
    assert sent.startswith("UPDATE outbox SET status")
    assert len(stored) <= 15, "\n".join(stored)
    assert sum("audit_seq" in s for s in stored) == 2  # the head: read, then written
    assert sum(s.startswith("INSERT INTO audit_events") for s in stored) == 1
    assert sum(s.startswith("INSERT INTO notification_ledger") for s in stored) == 1
    assert sum(s.startswith("INSERT INTO outbox") for s in stored) == 1
    assert not any(s.startswith("UPDATE outbox") for s in stored)  # claimed as written
    assert not any("FROM platform_identities" in s and "people.id" not in s for s in stored)
