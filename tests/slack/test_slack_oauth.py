"""Multi-workspace installs: OAuth install and redirect, tokens encrypted at rest, each workspace
answered with its own token, and uninstalling removes the tokens."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select, text

from handlers.replies import Notice
from storage import outbox
from storage.database import transaction
from storage.models import School, slack_bots, slack_installations
from tests.drivers.fake_slack_api import FakeSlack, FakeUser
from tests.drivers.slack import APP_ID, start

WORKSPACES = {
    "T0ONE": ("One Primary School", "xoxb-one-secret"),
    "T0TWO": ("Two Primary School", "xoxb-two-secret"),
}


def grant(team_id: str) -> dict:
    name, token = WORKSPACES[team_id]
    return {
        "ok": True,
        "app_id": APP_ID,
        "authed_user": {"id": f"UADMIN{team_id}"},
        "scope": "commands,chat:write,im:write,users:read,users:read.email",
        "token_type": "bot",
        "access_token": token,
        "bot_user_id": f"UBOT{team_id}",
        "team": {"id": team_id, "name": name},
        "enterprise": None,
        "is_enterprise_install": False,
    }


@pytest.fixture
def oauth_slack(factory, engine, clock, database_url):
    fake = FakeSlack()
    for team_id, (name, token) in WORKSPACES.items():
        fake.add_team(team_id, name, token)
        fake.add_user(
            FakeUser(f"UHEAD{team_id}", team_id, f"head@{team_id.lower()}.example.org", "Head")
        )
        fake.oauth_codes[f"code-{team_id}"] = grant(team_id)
    bot = start(
        factory,
        engine,
        clock,
        database_url,
        fake,
        slack_bot_token=None,
        slack_client_id="1111.2222",
        slack_client_secret="client-secret",
    )
    try:
        yield bot
    finally:
        bot.server.call(bot.adapter.dispatcher.close())
        bot.server.stop()


def get(url: str, cookie: str | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode(), answer.headers.get("Set-Cookie", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers.get("Set-Cookie", "")


def install(bot, team_id: str) -> str:
    """Visit /slack/install, then come back from Slack to /slack/oauth_redirect."""
    status, page, cookie = get(f"{bot.app_url}/slack/install")
    assert status == 200 and "slack.com/oauth/v2/authorize" in page
    state = re.search(r"state=([\w-]+)", page).group(1)
    # The state cookie is Secure: a browser sends it back over https; the test sends it itself.
    assert "Secure" in cookie
    pair = cookie.split(";")[0]
    status, done, _ = get(
        f"{bot.app_url}/slack/oauth_redirect?code=code-{team_id}&state={state}", pair
    )
    assert status == 200, done
    return done


def test_installing_stores_the_bot_token_encrypted(oauth_slack, engine):
    install(oauth_slack, "T0ONE")
    with engine.connect() as conn:
        stored = conn.execute(select(slack_bots.c.team_id, text("slack_bots.bot_token"))).all()
        raw_installation = conn.execute(text("SELECT bot_token FROM slack_installations")).scalar()
        decrypted = conn.execute(select(slack_bots.c.bot_token)).scalar()
    assert [row[0] for row in stored] == ["T0ONE"]
    assert stored[0][1].startswith("sk1:") and "xoxb-one-secret" not in stored[0][1]
    assert raw_installation.startswith("sk1:")
    assert decrypted == "xoxb-one-secret"
    [exchange] = oauth_slack.calls("oauth.v2.access")
    assert exchange["code"] == "code-T0ONE"


def test_a_redirect_without_the_state_cookie_installs_nothing(oauth_slack, engine):
    _, page, _ = get(f"{oauth_slack.app_url}/slack/install")
    state = re.search(r"state=([\w-]+)", page).group(1)
    status, _, _ = get(f"{oauth_slack.app_url}/slack/oauth_redirect?code=code-T0ONE&state={state}")
    assert status == 400
    with engine.connect() as conn:
        assert conn.execute(select(slack_installations.c.id)).all() == []


def test_two_workspaces_are_two_schools_each_answered_with_its_own_token(
    oauth_slack, factory, clock
):
    install(oauth_slack, "T0ONE")
    install(oauth_slack, "T0TWO")
    for team_id in WORKSPACES:
        oauth_slack.team_id = team_id
        reply = oauth_slack.command("/safekeep", as_=f"head@{team_id.lower()}.example.org")
        assert "not on Safekeep's staff list" in reply.json["text"]
    with factory() as session:
        schools = {s.slack_team_id: s.name for s in session.scalars(select(School))}
    assert schools == {"T0ONE": "One Primary School", "T0TWO": "Two Primary School"}
    for call in oauth_slack.fake.calls:
        if call["method"] == "users.info":
            team = call["args"]["user"].removeprefix("UHEAD")
            assert call["token"] == WORKSPACES[team][1]

    # A DM to someone at school two goes out with school two's token.
    with transaction(factory) as session:
        school = session.scalars(select(School).where(School.slack_team_id == "T0TWO")).one()
        from handlers import people

        person, _ = people.upsert_person(session, school, "head@t0two.example.org", "Head", clock())
        outbox.enqueue(session, school.id, [person.id], Notice("Reminder").to_json(), now=clock())
    assert oauth_slack.deliver() == 1
    [dm] = [c for c in oauth_slack.fake.calls if c["method"] == "chat.postMessage"]
    assert dm["token"] == "xoxb-two-secret"


def test_uninstalling_removes_the_workspaces_tokens(oauth_slack, engine):
    install(oauth_slack, "T0ONE")
    install(oauth_slack, "T0TWO")
    oauth_slack.team_id = "T0ONE"
    response = oauth_slack.event({"type": "app_uninstalled", "event_ts": "1790000000.000100"})
    assert response.status == 200
    with engine.connect() as conn:
        bots = conn.execute(select(slack_bots.c.team_id)).scalars().all()
        installs = conn.execute(select(slack_installations.c.team_id)).scalars().all()
    assert bots == ["T0TWO"] and installs == ["T0TWO"]


def test_the_oauth_sender_reads_installations_through_the_processs_own_engine(
    engine, factory, clock, database_url
):
    """One connection pool per process: the outbox's sender shares the runtime's engine."""
    from bot.runtime import Runtime
    from bot.settings import Settings
    from bot.worker import platform_senders

    settings = Settings(
        database_url=database_url,
        slack_client_id="1111.2222",
        slack_client_secret="client-secret",
        slack_signing_secret="signing-secret",
    )
    sender = platform_senders(Runtime(settings, engine, factory, clock))["slack"]
    assert sender.installation_store.store.engine is engine


def test_a_lead_in_one_workspace_pressing_the_other_schools_breach_is_refused_and_audited(
    oauth_slack, factory, clock
):
    """Two schools on one deployment: school two's DPO, sending buttons that carry school
    one's breach id, is refused, audited on school two, and shown nothing of school one."""
    from handlers import admin, people
    from handlers.context import Context
    from storage.models import AuditEvent, Incident
    from tests.handlers.breach_steps import LOST_LAPTOP
    from tests.handlers.breach_steps import report as report_breach

    install(oauth_slack, "T0ONE")
    install(oauth_slack, "T0TWO")
    for team_id in WORKSPACES:  # each school made on first use
        oauth_slack.team_id = team_id
        oauth_slack.command("/safekeep", as_=f"head@{team_id.lower()}.example.org")
    schools: dict[str, School] = {}
    with transaction(factory) as session:
        for row in session.scalars(select(School)):
            schools[row.slack_team_id or ""] = row
            email = f"head@{(row.slack_team_id or '').lower()}.example.org"
            person, _ = people.upsert_person(session, row, email, "Head", clock())
            for role in ("dpo", "headteacher", "dsl"):
                admin.grant_role(Context(session, row, None, clock), person, role)
    report_breach(factory, clock, schools["T0ONE"], "head@t0one.example.org", LOST_LAPTOP)
    with factory() as session:
        theirs = session.scalars(select(Incident)).one()
        before = session.scalars(
            select(AuditEvent.id).where(AuditEvent.school_id == theirs.school_id)
        ).all()

    oauth_slack.team_id = "T0TWO"
    shown_before = len(oauth_slack.fake.calls)
    for action in ("breach.details", "breach.triage", "breach.acknowledge"):
        answer = oauth_slack.press(action, str(theirs.id), as_="head@t0two.example.org")
        assert answer.status == 200
    said = json_dump(oauth_slack.fake.calls[shown_before:]) + str(answer.text)
    assert "One Primary" not in said and "LT-0042" not in said and "#1" not in said
    assert "no breach report" in said
    with factory() as session:
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.refused")
        ).all()
        after = session.scalars(
            select(AuditEvent.id).where(AuditEvent.school_id == theirs.school_id)
        ).all()
        still = session.get_one(Incident, theirs.id)
    assert [e.school_id for e in refused] == [schools["T0TWO"].id] * 3
    assert {e.subject for e in refused} == {f"incidents:{theirs.id}"}
    assert after == before and still.acknowledged_at is None


def json_dump(calls: list) -> str:
    import json

    return json.dumps(calls, default=str)
