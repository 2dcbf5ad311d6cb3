"""Teams requests over HTTP: the JWT checks, commands with and without a slash, form cards
re-shown with errors beside their fields, answered cards updated in place, and people and
schools matched by tenant, Entra object id and email."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import func, select

from handlers import people
from storage.database import transaction
from storage.models import (
    AuditEvent,
    Incident,
    Person,
    PlatformIdentity,
    School,
    TeamsConversation,
)
from tests.drivers.teams import APP_ID, TeamsBot, card_of, new_key
from tests.handlers.breach_steps import LOST_LAPTOP
from tests.journeys.teams_chat import TeamsChat, card_text

TEACHER = "teacher@example.org"


def counts(factory) -> tuple[int, int, int]:
    with factory() as session:
        return (
            session.scalar(select(func.count(AuditEvent.id))),
            session.scalar(select(func.count(TeamsConversation.id))),
            session.scalar(select(func.count(Incident.id))),
        )


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}


# --- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda t: t.token(key=new_key()), id="forged"),
        pytest.param(lambda t: t.token(exp=int(time.time()) - 3600), id="expired"),
        pytest.param(lambda t: t.token(aud="another-bot"), id="wrong-audience"),
        pytest.param(lambda t: t.token(iss="https://sts.example.net/"), id="wrong-issuer"),
        pytest.param(lambda t: None, id="missing"),
        pytest.param(lambda t: "not.a.jwt", id="garbage"),
    ],
)
def test_a_request_without_a_valid_bot_connector_token_is_refused_and_changes_nothing(
    teams: TeamsBot, factory, token
):
    before, sent = counts(factory), len(teams.fake.calls)
    submit = teams.activity("message", TEACHER, value={"safekeep": "submit", "f": "breach.report"})
    for activity in (teams.activity("message", TEACHER, text="breach"), submit):
        response = teams.post(activity, token=token(teams))
        assert response.status == 401, response.text
    assert counts(factory) == before
    assert len(teams.fake.calls) == sent


def test_a_valid_token_is_accepted_and_the_bot_answers_with_its_own_token(teams: TeamsBot):
    assert teams.message("help").status in (200, 202)
    reply = teams.fake.calls[-1]
    assert reply["authorization"] == "Bearer fake-bot-token"
    assert reply["path"].startswith(f"/v3/conversations/{teams.user(TEACHER).conversation_id}/")


def test_anonymous_requests_are_accepted_only_when_allowed_and_start_up_says_so_loudly(
    factory, engine, clock, school, database_url, monkeypatch, caplog
):
    from storage.database import transaction
    from tests.drivers.fake_bot_connector import FakeBotConnector
    from tests.drivers.teams import TENANT_ID, demo_tenant, patch_platform, start

    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.platform, row.teams_tenant_id = "teams", TENANT_ID
    with caplog.at_level("WARNING"):
        bot = start(
            factory,
            engine,
            clock,
            database_url,
            FakeBotConnector(),
            teams_client_id=None,
            teams_client_secret=None,
            teams_anonymous_allowed=True,
        )
    try:
        assert "NOT authenticated" in caplog.text
        patch_platform(monkeypatch, bot.key)
        bot.anonymous = True
        demo_tenant(bot, installed=False)
        assert bot.message("offsite", as_=TEACHER).status in (200, 202)
        (card,) = bot.chat(TEACHER)
        assert inputs(card_of(card.current) or {})
        assert bot.fake.calls[-1]["authorization"] is None  # anonymous both ways
    finally:
        bot.server.stop()


# --- commands and cards -----------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["breach", "/breach", "<at>Safekeep</at> breach", "Breach"])
def test_a_command_works_with_or_without_a_slash_and_opens_a_form_card(teams: TeamsBot, typed):
    teams.message(typed)
    (posted,) = teams.chat(TEACHER)
    card = card_of(posted.current)
    assert card is not None
    assert {"kind", "media", "categories"} <= set(inputs(card))
    (submit,) = card["actions"]
    assert submit["type"] == "Action.Submit"
    assert submit["data"]["safekeep"] == "submit" and submit["data"]["f"]


def test_a_form_with_problems_is_shown_again_with_each_message_beside_its_field(
    teams: TeamsBot, factory
):
    chat = TeamsChat(teams)
    chat.command("breach")
    shown = chat.fill({**LOST_LAPTOP, "categories": [], "asset_tag": "LT-0042"})
    assert "Choose at least one." in shown
    (posted,) = teams.chat(TEACHER)
    assert posted.updates, "the card was updated in place, not sent again"
    body = card_of(posted.current)["body"]
    at = next(i for i, e in enumerate(body) if e.get("id") == "categories")
    assert body[at + 1]["id"] == "categories__error"
    assert body[at + 1]["color"] == "attention"
    # What was typed is still there.
    assert inputs(card_of(posted.current))["asset_tag"]["value"] == "LT-0042"
    assert counts(factory)[2] == 0


def test_an_answered_card_is_updated_in_place_without_its_button(teams: TeamsBot, factory):
    chat = TeamsChat(teams)
    chat.command("aup")
    done = chat.fill({"response": "agree"})
    assert "was recorded on Tue 24 Nov 10:00" in done
    (posted,) = teams.chat(TEACHER)
    assert posted.updates and "actions" not in card_of(posted.current)
    puts = [c for c in teams.fake.calls if c["method"] == "PUT"]
    assert [c["path"].rsplit("/", 1)[-1] for c in puts] == [posted.id]


def test_a_dm_button_is_taken_off_the_dm_once_its_action_is_done(teams: TeamsBot, factory):
    chat = TeamsChat(teams)
    chat.command("breach")
    chat.fill(LOST_LAPTOP)
    chat.fill(
        {
            "discovered_at": "2026-11-24 09:45",
            "location": "transport",
            "description": "Left on the bus.",
        }
    )
    chat.deliver()
    chat.as_person("dpo@example.org")
    (alert,) = chat.dms("dpo@example.org")
    assert "Acknowledge" in alert.buttons
    assert "acknowledged Breach #1" in chat.press("Acknowledge")
    (alert,) = chat.dms("dpo@example.org")
    assert alert.buttons == () and "✅ Acknowledge · Tue 24 Nov 10:00" in alert.text


# --- schools and people -----------------------------------------------------------------------


def test_an_activity_from_another_tenant_is_refused_audited_and_creates_nothing(
    teams: TeamsBot, factory
):
    before = counts(factory)
    with factory() as session:
        schools = session.scalars(select(School.id)).all()
        identities = session.scalar(select(func.count(PlatformIdentity.id)))
    sent = len(teams.fake.calls)
    teams.tenant_id = "0b0e8f3a-5c6d-4e7f-8a9b-0c1d2e3f4a5b"
    for activity in (
        teams.activity("message", TEACHER, text="breach"),
        teams.activity("installationUpdate", TEACHER, action="add"),
        teams.activity("message", TEACHER, value={"safekeep": "submit", "f": "breach.report"}),
    ):
        assert teams.post(activity).status == 401
    assert len(teams.fake.calls) == sent  # nothing said, nobody looked up
    with factory() as session:
        assert session.scalars(select(School.id)).all() == schools
        assert session.scalar(select(func.count(PlatformIdentity.id))) == identities
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.foreign_workspace")
        ).all()
    assert [(e.school_id, e.subject) for e in refused] == [
        (schools[0], f"workspace:{teams.tenant_id}")
    ] * 3
    audits, conversations, incidents = counts(factory)
    assert (audits - 3, conversations, incidents) == before


def test_the_configured_tenant_becomes_a_school_on_first_use(
    factory, engine, clock, school, database_url, monkeypatch
):
    from tests.drivers.fake_bot_connector import FakeBotConnector
    from tests.drivers.teams import patch_platform, start

    tenant = "0b0e8f3a-5c6d-4e7f-8a9b-0c1d2e3f4a5b"
    bot = start(factory, engine, clock, database_url, FakeBotConnector(), teams_tenant_id=tenant)
    try:
        patch_platform(monkeypatch, bot.key)
        bot.tenant_id = tenant
        bot.add_user(TEACHER, "Alex Teacher")
        bot.message("help")
        with factory() as session:
            made = session.scalars(select(School).where(School.teams_tenant_id == tenant)).one()
        assert (made.platform, made.name) == ("teams", "Microsoft Teams tenant")
        (reply,) = bot.chat(TEACHER)
        assert "not on Safekeep's staff list" in card_text(card_of(reply.current))
    finally:
        bot.server.stop()


def test_a_person_is_linked_once_by_the_email_the_bot_connector_gives(teams: TeamsBot, factory):
    def lookups() -> list[str]:
        return [c["path"] for c in teams.fake.calls if "/members/" in c["path"]]

    # Installing the app for everyone looked each of them up once, by their Teams user id.
    assert sorted(lookups()) == sorted(
        f"/v3/conversations/{u.conversation_id}/members/{u.user_id}" for u in teams.users.values()
    )
    teams.message("help")
    teams.message("help")
    assert len(lookups()) == len(teams.users)
    with factory() as session:
        linked = session.scalars(
            select(PlatformIdentity).where(PlatformIdentity.platform == "teams")
        ).all()
        audited = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "identity.linked")
        ).all()
    assert {i.external_id for i in linked} == {u.aad_object_id for u in teams.users.values()}
    assert len(audited) == len(teams.users)


def test_someone_not_on_the_staff_list_is_told_and_nothing_is_stored(teams: TeamsBot, factory):
    teams.add_user("visitor@elsewhere.org", "A Visitor")
    before = counts(factory)
    teams.message("breach", as_="visitor@elsewhere.org")
    (reply,) = teams.chat("visitor@elsewhere.org")
    assert "not on Safekeep's staff list" in card_text(card_of(reply.current))
    assert counts(factory) == before


def test_the_bot_answers_nothing_but_its_own_cards(teams: TeamsBot, factory):
    """A submit with data that is not one of Safekeep's cards is treated as typed text."""
    teams.post(teams.activity("message", TEACHER, value={"something": "else"}, text=""))
    (reply,) = teams.chat(TEACHER)
    assert APP_ID not in card_text(card_of(reply.current))


def test_someone_not_on_the_staff_list_is_looked_up_once_a_message(teams: TeamsBot):
    visitor = teams.add_user("visitor@elsewhere.org", "A Visitor")
    teams.message("help", as_="visitor@elsewhere.org")
    lookups = [c for c in teams.fake.calls if c["path"].endswith(f"/members/{visitor.user_id}")]
    assert len(lookups) == 1


def test_a_conversation_update_adding_the_bot_stores_the_persons_reference(
    teams: TeamsBot, factory
):
    newcomer = teams.add_user("newcomer@example.org", "New Starter")
    with transaction(factory) as session:
        school = session.scalars(select(School)).one()
        people.upsert_person(session, school, newcomer.email, newcomer.name, school.created_at)
    added = {"membersAdded": [{"id": f"28:{APP_ID}"}]}
    assert teams.post(teams.activity("conversationUpdate", newcomer.email, **added)).status in (
        200,
        202,
    )
    with factory() as session:
        stored = session.scalars(
            select(TeamsConversation)
            .join(Person, Person.id == TeamsConversation.person_id)
            .where(Person.email == newcomer.email)
        ).one()
    assert newcomer.conversation_id in stored.reference
    assert teams.chat(newcomer.email) == []  # installing says nothing


def test_a_form_card_sent_twice_records_one_report(teams: TeamsBot, factory):
    chat = TeamsChat(teams)
    chat.command("breach")
    chat.fill(LOST_LAPTOP)
    posted, card = chat._open_form()
    data = {
        **card["actions"][0]["data"],
        "discovered_at__date": "2026-11-24",
        "discovered_at__time": "09:45",
        "location": "transport",
        "description": "Left on the bus.",
    }
    teams.submit_card(posted, data)
    assert counts(factory)[2] == 1
    teams.submit_card(posted, data)  # a double click, or a client still showing the old card
    assert counts(factory)[2] == 1
    assert "no longer available" in card_text(card_of(teams.chat(TEACHER)[-1].current))


def test_when_a_submit_fails_the_card_keeps_what_was_typed_and_the_apology_is_a_message(
    teams: TeamsBot, factory, monkeypatch
):
    from handlers import routes
    from handlers.errors import SORRY

    chat = TeamsChat(teams)
    chat.command("breach")
    posted, card = chat._open_form()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    working = routes.submit
    monkeypatch.setattr(routes, "submit", broken)
    teams.submit_card(posted, {**card["actions"][0]["data"], **LOST_LAPTOP_INPUTS})
    assert posted.updates == []
    assert card_text(card_of(teams.chat(TEACHER)[-1].current)) == SORRY
    monkeypatch.setattr(routes, "submit", working)
    teams.submit_card(posted, {**card["actions"][0]["data"], **LOST_LAPTOP_INPUTS})
    assert posted.updates, "sent again, it goes through"


LOST_LAPTOP_INPUTS = {
    name: ",".join(value) if isinstance(value, list) else value
    for name, value in LOST_LAPTOP.items()
}
