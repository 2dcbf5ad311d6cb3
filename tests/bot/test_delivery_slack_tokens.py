"""A workspace's bot token is kept by the Slack sender rather than read for every DM, and a kept
token Slack refuses (the app was reinstalled) is read again, never failing the DM."""

from __future__ import annotations

from sqlalchemy import select

from handlers import people
from handlers.replies import Notice
from storage import outbox
from storage.database import transaction
from storage.models import OutboxMessage, School
from tests.slack.test_slack_oauth import install, oauth_slack  # noqa: F401  (the fixture)


def queue(factory, clock, text: str) -> None:
    with transaction(factory) as session:
        school = session.scalars(select(School).where(School.slack_team_id == "T0TWO")).one()
        person, _ = people.upsert_person(session, school, "head@t0two.example.org", "Head", clock())
        outbox.enqueue(session, school.id, [person.id], Notice(text).to_json(), now=clock())


def test_a_kept_token_slack_refuses_is_read_again_and_the_dm_still_goes(
    oauth_slack,  # noqa: F811
    factory,
    clock,
):
    install(oauth_slack, "T0TWO")
    oauth_slack.team_id = "T0TWO"
    oauth_slack.command("/safekeep", as_="head@t0two.example.org")  # the school is made
    queue(factory, clock, "Reminder #1")
    queue(factory, clock, "Reminder #2")
    assert oauth_slack.deliver() == 2
    sender = oauth_slack.adapter.dispatcher.senders["slack"]
    assert len(sender._tokens) == 1  # read once for both DMs

    # The app is reinstalled: Slack hands out a new token and refuses the old one.
    fake = oauth_slack.fake
    del fake.teams["xoxb-two-secret"]
    fake.add_team("T0TWO", "Two Primary School", "xoxb-two-renewed")
    fake.oauth_codes["code-T0TWO"]["access_token"] = "xoxb-two-renewed"
    install(oauth_slack, "T0TWO")
    queue(factory, clock, "Reminder #3")
    assert oauth_slack.deliver() == 0  # refused with the kept token: nothing was posted
    clock.advance(seconds=6)
    assert oauth_slack.deliver() == 1
    with factory() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [(r.status, r.attempts) for r in rows] == [("sent", 1), ("sent", 1), ("sent", 2)]
    posts = [c["token"] for c in fake.calls if c["method"] == "chat.postMessage"]
    # The third asked with the kept token first (the recipient kept too, so no lookup came
    # before it), which Slack refused without posting; then with the new one.
    assert posts == ["xoxb-two-secret"] * 3 + ["xoxb-two-renewed"]
