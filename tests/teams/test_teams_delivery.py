"""Teams DMs from the outbox: sent proactively from the conversation reference stored in our
database (so they survive a restart), 429s waited out, 5xx answers retried, and a person the
bot cannot reach reported to the school's admins, never dropped."""

from __future__ import annotations

import json

from sqlalchemy import select, text

from bot.delivery import Dispatcher
from bot.settings import Settings
from bot.teams.delivery import make_sender
from handlers.replies import Button, Notice
from storage import outbox
from storage.database import transaction
from storage.models import OutboxMessage, Person, TeamsConversation
from tests.drivers.teams import APP_ID, TeamsBot, card_of
from tests.journeys.teams_chat import TeamsChat

DSL = "dsl@example.org"


def queue_dm(factory, school, person, clock, text="Breach #1 · child at risk: yes") -> int:
    with transaction(factory) as session:
        outbox.enqueue(
            session,
            school.id,
            [person.id],
            Notice(text, (Button("Acknowledge", "breach.acknowledge", "1"),)).to_json(),
            now=clock(),
            urgent=True,
        )
        return session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())).first()


def row(factory, outbox_id: int) -> OutboxMessage:
    with factory() as session:
        return session.get_one(OutboxMessage, outbox_id)


def test_installing_the_app_stores_an_encrypted_conversation_reference(
    teams: TeamsBot, factory, dsl
):
    with factory() as session:
        stored = session.scalars(
            select(TeamsConversation).where(TeamsConversation.person_id == dsl.id)
        ).one()
        raw = session.execute(
            text("SELECT reference FROM teams_conversations WHERE person_id = :id"),
            {"id": dsl.id},
        ).scalar_one()
    reference = json.loads(stored.reference)
    assert reference["conversation"]["id"] == teams.user(DSL).conversation_id
    assert reference["serviceUrl"] == teams.service_url
    assert teams.user(DSL).conversation_id not in raw  # encrypted at rest


def test_a_dm_reaches_the_person_after_a_restart_from_the_stored_reference(
    teams: TeamsBot, factory, school, dsl, clock, engine
):
    outbox_id = queue_dm(factory, school, dsl, clock)
    # A new process: nothing in memory but the settings, the database and a fresh msal provider.
    settings = Settings(
        teams_client_id=APP_ID, teams_client_secret="s", teams_tenant_id=teams.tenant_id
    )
    fresh = Dispatcher(factory, {"teams": make_sender(settings, engine)}, clock)
    assert teams.server.call(fresh.deliver_due()) == 1
    (dm,) = teams.proactive(DSL)
    card = card_of(dm.current)
    assert card["body"][0]["text"] == "Breach #1 · child at risk: yes"
    assert [a["title"] for a in card["actions"]] == ["Acknowledge"]
    assert row(factory, outbox_id).status == "sent"
    post = [c for c in teams.fake.calls if c["method"] == "POST"][-1]
    assert post["path"] == f"/v3/conversations/{teams.user(DSL).conversation_id}/activities"
    assert post["authorization"] == "Bearer fake-bot-token"


def test_a_429_is_retried_after_the_bot_connectors_wait_and_posted_once(
    teams: TeamsBot, factory, school, dsl, clock
):
    outbox_id = queue_dm(factory, school, dsl, clock)
    teams.fake.fail_next(429, retry_after=7)
    assert teams.deliver() == 0
    waiting = row(factory, outbox_id)
    assert waiting.status == "pending" and waiting.in_doubt_since is None
    assert (waiting.next_attempt_at - clock()).total_seconds() == 7
    assert teams.proactive(DSL) == []
    clock.advance(seconds=7)
    assert teams.deliver() == 1
    assert len(teams.proactive(DSL)) == 1


def test_a_5xx_leaves_the_dm_in_doubt_and_it_is_sent_on_the_retry(
    teams: TeamsBot, factory, school, dsl, clock
):
    outbox_id = queue_dm(factory, school, dsl, clock)
    teams.fake.fail_next(503, retry_after=None)
    assert teams.deliver() == 0
    doubtful = row(factory, outbox_id)
    assert doubtful.status == "pending" and doubtful.in_doubt_since is not None
    clock.advance(minutes=5)
    assert teams.deliver() == 1
    assert len(teams.proactive(DSL)) == 1
    assert row(factory, outbox_id).status == "sent"


def test_someone_the_bot_cannot_reach_is_reported_to_the_admins_not_dropped(
    teams: TeamsBot, factory, school, clock
):
    with transaction(factory) as session:
        newcomer = Person(
            school_id=school.id,
            email="newcomer@example.org",
            display_name="New Starter",
            created_at=clock(),
        )
        session.add(newcomer)
    outbox_id = queue_dm(factory, school, newcomer, clock)
    teams.deliver()
    failed = row(factory, outbox_id)
    assert failed.status == "failed" and "no Teams chat" in failed.last_error
    teams.deliver()  # the alert to the admins and IT lead
    chat = TeamsChat(teams)
    for email in ("head@example.org", "it@example.org"):  # the admins and the IT lead
        alerts = [dm for dm in chat.dms(email) if f"outbox #{outbox_id}" in dm.text]
        assert len(alerts) == 1, email
        assert "New Starter" not in alerts[0].text and "newcomer" not in alerts[0].text
