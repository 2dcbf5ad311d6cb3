"""Slack DMs are delivered once in effect: an attempt whose answer was lost is checked against the
DM's history (by the outbox id in the message metadata) before anything is posted again, and a
failure Slack says posted nothing is simply retried."""

from __future__ import annotations

import asyncio
import socket

import pytest
from sqlalchemy import select

from bot.delivery.pacing import Pacer
from bot.settings import Settings, load_settings
from bot.slack import delivery as delivery_module
from bot.slack.delivery import (
    METADATA_TYPE,
    NOT_IN_MARKETPLACE,
    PROCESSING_WINDOW,
    TIER_3,
    HistoryLimits,
    history_limits,
)
from bot.slack.manifest import slack_manifest
from handlers.replies import Notice
from handlers.school_config import ConfigError
from storage import outbox
from storage.database import transaction
from storage.models import OutboxMessage, Person, PlatformIdentity
from tests.drivers.paced import Paced
from tests.handlers.breach_steps import LOST_SAFEGUARDING_PAPER, report

CLIENT_TIMEOUT = (
    2.0  # seconds: a hung request costs a test this much; shorter timed out on busy CI hosts
)
# A row in doubt is looked for again once Slack's processing window has passed.
PAST_THE_WINDOW = PROCESSING_WINDOW.total_seconds() + 1
ALERTED = ("dpo@example.org", "head@example.org", "it@example.org", "dsl@example.org")


@pytest.fixture
def slack(slack, clock):
    """The Slack test bot, with Slack's clock the test's own and a client that gives up fast."""
    slack.fake.clock = clock
    sender = slack.adapter.dispatcher.senders["slack"]
    sender.timeout = CLIENT_TIMEOUT
    sender.pacer = Pacer(60_000)  # history reads unspaced in real time (spacing: its own tests)
    return slack


def queue_dm(factory, school, person, clock, text="Breach #1 · child at risk: yes") -> int:
    with transaction(factory) as session:
        outbox.enqueue(
            session, school.id, [person.id], Notice(text).to_json(), now=clock(), urgent=True
        )
    return row_for(factory, person.email).id


def row_for(factory, email: str) -> OutboxMessage:
    with factory() as session:
        return session.scalars(
            select(OutboxMessage)
            .join(Person, Person.id == OutboxMessage.recipient_id)
            .where(Person.email == email)
        ).one()


def history(slack, email: str) -> list[dict]:
    """What Slack really holds in this person's DM with Safekeep."""
    return slack.fake.dm_history(slack.user_id(email))


def tagged(message: dict) -> int | None:
    metadata = message.get("metadata") or {}
    assert metadata.get("event_type") == METADATA_TYPE, message
    return metadata["event_payload"]["outbox_id"]


@pytest.mark.parametrize("lost", ["drop", "hang", "answer"])
def test_the_dsls_breach_alert_whose_answer_was_lost_arrives_exactly_once(
    slack, factory, clock, school, lost
):
    report(factory, clock, school, what=LOST_SAFEGUARDING_PAPER)
    # Slack posts every first alert, then the connection drops / nothing comes back / a 500.
    slack.fake.lose_response("chat.postMessage", how=lost, times=5)
    assert slack.deliver() == 0
    dsl = row_for(factory, "dsl@example.org")
    assert dsl.status == "pending" and dsl.in_doubt_since == clock()
    assert len(history(slack, "dsl@example.org")) == 1  # Slack did post it

    clock.advance(seconds=6)  # past the first back-off, but Slack may still be posting
    assert slack.deliver() == 0
    assert slack.calls("conversations.history") == []  # nobody looked too early
    clock.advance(seconds=PAST_THE_WINDOW)
    assert slack.deliver() == 5
    assert slack.deliver() == 0

    [alert] = history(slack, "dsl@example.org")
    assert alert["text"].startswith("Breach #1") and "child at risk: yes" in alert["text"]
    dsl = row_for(factory, "dsl@example.org")
    assert tagged(alert) == dsl.id
    assert (
        dsl.status == "sent"
        and dsl.platform_ref == f"D{slack.user_id('dsl@example.org')[1:]}:{alert['ts']}"
    )
    for email in (*ALERTED, "deputy@example.org"):
        assert len(history(slack, email)) == 1, email
    assert len(slack.calls("chat.postMessage")) == 5  # nothing was posted a second time
    assert len(slack.calls("conversations.history")) == 5  # each looked once


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500},  # a 5xx: it may have posted, but here it did not
        {"status": 502, "how": "drop"},  # the connection dropped before Slack did anything
        {"status": 504, "how": "hang"},  # no answer, and nothing was posted
    ],
)
def test_an_attempt_in_doubt_where_slack_posted_nothing_is_posted_on_the_retry(
    slack, factory, school, dsl, clock, failure
):
    outbox_id = queue_dm(factory, school, dsl, clock)
    slack.fake.fail_next("chat.postMessage", retry_after=None, **failure)
    assert slack.deliver() == 0
    assert row_for(factory, dsl.email).in_doubt_since is not None
    assert history(slack, dsl.email) == []

    clock.advance(seconds=PAST_THE_WINDOW)
    assert slack.deliver() == 1
    [dm] = history(slack, dsl.email)
    assert tagged(dm) == outbox_id
    [looked] = slack.calls("conversations.history")
    assert looked["channel"] == f"D{slack.user_id(dsl.email)[1:]}"
    assert float(looked["oldest"]) < float(dm["ts"]) < float(looked["latest"])
    assert int(looked["limit"]) == TIER_3.page  # a single workspace's own app: Tier 3
    assert row_for(factory, dsl.email).status == "sent"


def test_a_429_is_retried_after_the_wait_and_posted_once_without_reading_history(
    slack, factory, school, dsl, clock
):
    outbox_id = queue_dm(factory, school, dsl, clock)
    slack.fail_next("chat.postMessage", status=429, retry_after=3)
    assert slack.deliver() == 0
    row = row_for(factory, dsl.email)
    assert row.in_doubt_since is None and (row.next_attempt_at - clock()).total_seconds() == 3
    clock.advance(seconds=3)
    assert slack.deliver() == 1
    [dm] = history(slack, dsl.email)
    assert tagged(dm) == outbox_id
    assert [c["_refused"] for c in slack.calls("chat.postMessage")] == [429, None]
    assert slack.calls("conversations.history") == []


def test_a_refused_connection_is_retried_without_doubt(slack, factory, school, dsl, clock):
    with transaction(factory) as session:  # the DSL has used Safekeep in Slack: no lookup first
        session.add(
            PlatformIdentity(
                school_id=school.id,
                person_id=dsl.id,
                platform="slack",
                external_id=slack.user_id(dsl.email),
            )
        )
    queue_dm(factory, school, dsl, clock)
    sender = slack.adapter.dispatcher.senders["slack"]
    real_url = sender.api_url
    with socket.socket() as closed:  # a port nobody listens on: Slack unreachable
        closed.bind(("127.0.0.1", 0))
        sender.api_url = f"http://127.0.0.1:{closed.getsockname()[1]}/api/"
    try:
        assert slack.deliver() == 0
    finally:
        sender.api_url = real_url
    row = row_for(factory, dsl.email)
    assert row.in_doubt_since is None and row.last_error == "could not connect to Slack"

    clock.advance(seconds=6)
    assert slack.deliver() == 1
    assert len(history(slack, dsl.email)) == 1
    assert slack.calls("conversations.history") == []


def test_a_5xx_before_the_post_is_retried_without_doubt(slack, factory, school, dsl, clock):
    queue_dm(factory, school, dsl, clock)
    slack.fail_next("users.lookupByEmail", status=503, retry_after=None)  # nothing posted yet
    assert slack.deliver() == 0
    row = row_for(factory, dsl.email)
    assert row.in_doubt_since is None and row.last_error == "Slack error: internal_error"
    assert slack.calls("chat.postMessage") == []

    clock.advance(seconds=6)
    assert slack.deliver() == 1
    assert len(history(slack, dsl.email)) == 1
    assert slack.calls("conversations.history") == []


def test_someone_found_by_email_is_looked_up_once_for_all_their_dms(
    slack, factory, school, dsl, clock
):
    """A lead who has never used Safekeep in Slack is alerted about every report: each alert is
    one call to Slack, not a lookup and then the post."""
    for text in ("Breach #1", "Breach #2"):
        with transaction(factory) as session:
            outbox.enqueue(
                session, school.id, [dsl.id], Notice(text).to_json(), now=clock(), urgent=True
            )
    assert slack.deliver() == 2
    clock.advance(seconds=1)
    assert slack.deliver() == 0
    assert len(slack.calls("users.lookupByEmail")) == 1
    assert len(history(slack, dsl.email)) == 2


def test_a_kept_slack_user_slack_refuses_is_looked_up_again_and_the_dm_still_goes(
    slack, factory, school, dsl, clock
):
    with transaction(factory) as session:
        outbox.enqueue(session, school.id, [dsl.id], Notice("one").to_json(), now=clock())
    assert slack.deliver() == 1
    with transaction(factory) as session:
        outbox.enqueue(session, school.id, [dsl.id], Notice("two").to_json(), now=clock())
    # The account kept for the DSL's email is gone (replaced): Slack posts nothing to it.
    slack.fake.fail_next("chat.postMessage", 200, None, error="channel_not_found")
    assert slack.deliver() == 0
    clock.advance(seconds=6)
    assert slack.deliver() == 1
    assert len(slack.calls("users.lookupByEmail")) == 2
    assert [m["text"] for m in history(slack, dsl.email)] == ["one", "two"]
    with factory() as session:
        assert {r.status for r in session.scalars(select(OutboxMessage))} == {"sent"}


def test_a_rate_limited_history_check_waits_and_still_posts_nothing_twice(
    slack, factory, school, dsl, clock
):
    queue_dm(factory, school, dsl, clock)
    slack.fake.lose_response("chat.postMessage", how="drop")
    slack.deliver()
    clock.advance(seconds=PAST_THE_WINDOW)
    slack.fake.fail_next("conversations.history", status=429, retry_after=60)
    assert slack.deliver() == 0
    row = row_for(factory, dsl.email)
    assert row.in_doubt_since is not None and row.last_error == "rate limited by Slack"
    clock.advance(seconds=59)
    assert slack.deliver() == 0  # Slack asked for a minute
    clock.advance(seconds=1)
    assert slack.deliver() == 1
    assert len(history(slack, dsl.email)) == 1
    assert len(slack.calls("chat.postMessage")) == 1


def test_history_outside_the_window_of_doubt_is_not_mistaken_for_the_alert(
    slack, factory, school, dsl, clock
):
    """An older DM in the same conversation (another message, or a database restored from a
    backup reusing outbox ids) is outside the window and cannot stand in for this one."""
    outbox_id = queue_dm(factory, school, dsl, clock)
    channel = f"D{slack.user_id(dsl.email)[1:]}"
    old = clock().timestamp() - 3600
    slack.fake.messages[channel] = [
        {
            "type": "message",
            "ts": f"{int(old)}.000001",
            "text": "An hour-old DM",
            "metadata": {"event_type": METADATA_TYPE, "event_payload": {"outbox_id": outbox_id}},
        }
    ]
    slack.fake.fail_next("chat.postMessage", status=500, retry_after=None)
    slack.deliver()
    clock.advance(seconds=PAST_THE_WINDOW)
    assert slack.deliver() == 1
    assert [m["text"] for m in history(slack, dsl.email)][-1].startswith("Breach #1")
    assert len(history(slack, dsl.email)) == 2


def test_without_im_history_an_alert_in_doubt_is_sent_again_rather_than_never(
    slack, factory, school, dsl, clock, caplog
):
    queue_dm(factory, school, dsl, clock)
    slack.fake.lose_response("chat.postMessage", how="drop")
    slack.deliver()
    clock.advance(seconds=PAST_THE_WINDOW)
    slack.fake.fail_next(
        "conversations.history", status=200, retry_after=None, error="missing_scope"
    )
    assert slack.deliver() == 1
    assert len(history(slack, dsl.email)) == 2
    assert "im:history" in caplog.text and "posted twice" in caplog.text


def test_the_manifest_asks_for_im_history_to_check_before_sending_again():
    scopes = slack_manifest("https://safekeep.example.org")["oauth_config"]["scopes"]["bot"]
    assert "im:history" in scopes


def test_a_dm_posted_by_a_process_that_died_before_recording_it_is_not_posted_again(
    slack, factory, school, dsl, clock
):
    queue_dm(factory, school, dsl, clock)
    dispatcher = slack.adapter.dispatcher
    # The process claims the row, Slack accepts the DM, and the process dies before marking it.
    [claimed] = dispatcher._claim()
    slack.server.call(dispatcher.senders["slack"].send(claimed))
    assert len(history(slack, dsl.email)) == 1

    clock.advance(minutes=1)
    assert slack.deliver() == 0  # still leased to the dead process
    clock.advance(minutes=2)  # the lease has run out: another process picks the row up...
    assert slack.deliver() == 0  # ...and waits out Slack's processing window after it
    clock.advance(seconds=PAST_THE_WINDOW)
    assert slack.deliver() == 1

    [alert] = history(slack, dsl.email)
    row = row_for(factory, dsl.email)
    assert row.status == "sent" and tagged(alert) == row.id
    assert row.platform_ref == f"D{slack.user_id(dsl.email)[1:]}:{alert['ts']}"
    assert len(slack.calls("chat.postMessage")) == 1
    assert len(slack.calls("conversations.history")) == 1


def test_a_send_slack_accepted_but_not_recorded_spoils_nothing_else_and_is_not_repeated(
    slack, factory, school, dsl, head, clock, monkeypatch
):
    queue_dm(factory, school, dsl, clock)
    queue_dm(factory, school, head, clock)
    dispatcher = slack.adapter.dispatcher
    write = dispatcher._write

    def database_fails_for_the_dsl(outcomes):
        if any(o.delivery.recipient.email == dsl.email for o in outcomes):
            raise ConnectionError("the database went away")
        write(outcomes)

    monkeypatch.setattr(dispatcher, "_write", database_fails_for_the_dsl)
    assert slack.deliver() == 1  # the Headteacher's DM is recorded; the batch carried on
    monkeypatch.setattr(dispatcher, "_write", write)
    assert row_for(factory, head.email).status == "sent"

    clock.advance(minutes=3, seconds=PAST_THE_WINDOW)  # the lease, then Slack's window
    assert slack.deliver() == 1
    assert row_for(factory, dsl.email).status == "sent"
    assert len(history(slack, dsl.email)) == 1 and len(history(slack, head.email)) == 1
    assert len(slack.calls("chat.postMessage")) == 2


def lose_five_alerts(slack, factory, clock, school) -> None:
    report(factory, clock, school, what=LOST_SAFEGUARDING_PAPER)
    slack.fake.lose_response("chat.postMessage", how="drop", times=5)
    assert slack.deliver() == 0
    clock.advance(seconds=PAST_THE_WINDOW)


def test_history_reads_for_one_workspace_are_spaced_to_slacks_tier_3_limit(
    slack, factory, clock, school
):
    lose_five_alerts(slack, factory, clock, school)
    paced = Paced()
    sender = slack.adapter.dispatcher.senders["slack"]
    sender.pacer = Pacer(TIER_3.per_minute, monotonic=paced, sleep=paced.sleep)
    assert slack.deliver() == 5
    # Five checks at once: the first reads now, each other waits its slot, 1.2 s apart.
    assert sorted(paced.slept) == [1.2, 2.4, 3.6, 4.8]
    assert len(slack.calls("conversations.history")) == 5
    assert len(slack.calls("chat.postMessage")) == 5  # every alert found, none posted twice


def test_an_app_outside_the_marketplace_reads_one_page_a_minute_and_the_rest_wait_their_turn(
    slack, factory, clock, school
):
    lose_five_alerts(slack, factory, clock, school)
    paced = Paced()
    sender = slack.adapter.dispatcher.senders["slack"]
    sender.history = NOT_IN_MARKETPLACE
    sender.pacer = Pacer(NOT_IN_MARKETPLACE.per_minute, monotonic=paced, sleep=paced.sleep)
    assert slack.deliver() == 1  # one read now; the other four are put back for a minute
    [looked] = slack.calls("conversations.history")
    assert int(looked["limit"]) == 15
    with factory() as session:
        waiting = session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "pending")
        ).all()
    assert len(waiting) == 4
    assert all(r.attempts == 1 and r.in_doubt_since is not None for r in waiting)  # not counted
    assert {(r.next_attempt_at - clock()).total_seconds() for r in waiting} == {60}
    for _ in range(4):
        clock.advance(seconds=60)
        paced.now += 60
        assert slack.deliver() == 1
    assert len(slack.calls("conversations.history")) == 5
    assert len(slack.calls("chat.postMessage")) == 5


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"slack_bot_token": "xoxb-1"}, TIER_3),
        ({"slack_client_id": "1.2", "slack_client_secret": "s"}, NOT_IN_MARKETPLACE),
        (
            {
                "slack_client_id": "1.2",
                "slack_client_secret": "s",
                "slack_history_reads_per_minute": 50,
            },
            TIER_3,
        ),
        (
            {"slack_bot_token": "xoxb-1", "slack_history_reads_per_minute": 20},
            HistoryLimits(20, 15),
        ),
    ],
)
def test_the_history_limits_follow_how_the_app_is_distributed(settings, expected):
    assert history_limits(Settings(**settings)) == expected


def test_the_processing_window_and_history_rate_are_settings():
    settings = load_settings(
        {"SLACK_PROCESSING_WINDOW_SECONDS": "90", "SLACK_HISTORY_READS_PER_MINUTE": "25"}
    )
    assert settings.slack_processing_window_seconds == 90
    assert settings.slack_history_reads_per_minute == 25
    assert load_settings({}).slack_processing_window_seconds == PROCESSING_WINDOW.total_seconds()
    with pytest.raises(ConfigError, match="SLACK_PROCESSING_WINDOW_SECONDS"):
        load_settings({"SLACK_PROCESSING_WINDOW_SECONDS": "soon"})


def test_one_read_of_a_persons_history_answers_for_all_their_dms_in_doubt(
    slack, factory, school, dsl, clock
):
    """A lead alerted many times in a busy minute: the DMs whose answers were lost are all
    found with one read of their DM, made once Slack's window has passed for each of them."""
    first = queue_dm(factory, school, dsl, clock, text="Breach #1 · child at risk: yes")
    slack.fake.lose_response("chat.postMessage", how="drop")
    assert slack.deliver() == 0  # posted, answer lost
    clock.advance(seconds=10)
    with transaction(factory) as session:
        outbox.enqueue(
            session, school.id, [dsl.id], Notice("Breach #2").to_json(), now=clock(), urgent=True
        )
    slack.fake.fail_next("chat.postMessage", status=500, retry_after=None)
    assert slack.deliver() == 0  # nothing posted, but Slack cannot say so
    clock.advance(seconds=PAST_THE_WINDOW + 10)

    assert slack.deliver() == 2
    assert len(slack.calls("conversations.history")) == 1  # one read for both
    texts = [m["text"] for m in history(slack, dsl.email)]
    assert [t.split(" ·")[0] for t in texts] == ["Breach #1", "Breach #2"]
    assert tagged(history(slack, dsl.email)[0]) == first


def test_a_read_made_before_a_rows_window_had_passed_is_not_trusted_for_it(
    slack, factory, school, dsl, clock
):
    queue_dm(factory, school, dsl, clock)
    slack.fake.lose_response("chat.postMessage", how="drop")
    slack.deliver()
    clock.advance(seconds=PAST_THE_WINDOW)
    with transaction(factory) as session:  # a second alert, whose post Slack is slow with
        outbox.enqueue(
            session, school.id, [dsl.id], Notice("Breach #2").to_json(), now=clock(), urgent=True
        )
    slack.fake.lose_response("chat.postMessage", how="drop")
    assert slack.deliver() == 1  # the first is found; the second is in doubt
    clock.advance(seconds=PAST_THE_WINDOW)
    assert slack.deliver() == 1
    assert len(slack.calls("conversations.history")) == 2  # the first read was too early
    assert len(history(slack, dsl.email)) == 2 and len(slack.calls("chat.postMessage")) == 2


def test_a_check_that_cannot_finish_in_its_budget_is_put_back_without_counting_an_attempt(
    slack, factory, school, dsl, clock, monkeypatch
):
    queue_dm(factory, school, dsl, clock)
    slack.fake.lose_response("chat.postMessage", how="drop")
    slack.deliver()
    clock.advance(seconds=PAST_THE_WINDOW)
    sender = slack.adapter.dispatcher.senders["slack"]
    monkeypatch.setattr(delivery_module, "CHECK_BUDGET", 0.05)
    stuck = asyncio.Lock()

    async def held_elsewhere(*args):
        async with stuck:  # another check of the same DM that never ends
            await asyncio.sleep(1)

    monkeypatch.setattr(sender, "_already_posted", held_elsewhere)
    before = clock()
    assert slack.deliver() == 0
    row = row_for(factory, dsl.email)
    assert (row.attempts, row.last_error) == (1, "no answer from Slack: ServerDisconnectedError")
    assert (row.next_attempt_at - before).total_seconds() == pytest.approx(sender.pacer.interval)
    assert len(slack.calls("chat.postMessage")) == 1  # nothing posted again
