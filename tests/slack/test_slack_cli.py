"""`python -m bot manifest slack` and `python -m bot staff sync` (Slack)."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import select

from bot.cli import main
from handlers import routes
from storage import crypto
from storage.models import Person, RoleAssignment, School
from tests.conftest import TEST_KEYS
from tests.drivers.fake_slack_api import FakeSlack
from tests.drivers.program import strip_own_settings
from tests.drivers.slack import BOT_TOKEN, ServerThread, demo_workspace

TEST_KEY_SPEC = f"test:{base64.b64encode(TEST_KEYS.keys[0].secret).decode()}"


def manifest(capsys, *args: str) -> dict:
    assert main(["manifest", "slack", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_http_manifest_lists_every_registered_command_at_our_url(capsys):
    app = manifest(capsys, "--url", "https://safekeep.example.org/")
    commands = {c["command"]: c for c in app["features"]["slash_commands"]}
    assert set(commands) == {f"/{name}" for name in routes.COMMANDS}
    assert {"/aup", "/safekeep"} <= set(commands)
    events = "https://safekeep.example.org/slack/events"
    assert all(c["url"] == events for c in commands.values())
    settings = app["settings"]
    assert settings["interactivity"] == {"is_enabled": True, "request_url": events}
    assert settings["event_subscriptions"]["request_url"] == events
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_uninstalled",
        "tokens_revoked",
    }
    assert settings["socket_mode_enabled"] is False
    assert app["oauth_config"]["redirect_urls"] == [
        "https://safekeep.example.org/slack/oauth_redirect"
    ]
    assert "users:read.email" in app["oauth_config"]["scopes"]["bot"]
    assert app["features"]["app_home"]["home_tab_enabled"] is True
    shortcuts = app["features"]["shortcuts"]
    assert [(s["type"], s["callback_id"]) for s in shortcuts] == [
        ("global", "report_breach"),
        ("global", "report_concern"),
    ]
    assert 175 <= len(app["display_information"]["long_description"]) <= 4000


def test_the_socket_mode_manifest_has_no_urls(capsys):
    app = manifest(capsys, "--socket")
    assert app["settings"]["socket_mode_enabled"] is True
    assert "https://" not in json.dumps(app)


def test_the_manifest_needs_an_https_url_or_socket_mode(capsys):
    assert main(["manifest", "slack"]) == 2
    assert main(["manifest", "slack", "--url", "http://example.org"]) == 2
    assert "https://" in capsys.readouterr().err


def test_staff_sync_adds_members_with_an_email_and_skips_bots_and_deactivated(
    slack, monkeypatch, factory, school, capsys, clock
):
    slack.add_user("newteacher@example.org", "Nia Newteacher")
    slack.add_user(None, "Guest Without Email")
    slack.add_user("bot@example.org", "Some Bot", is_bot=True)
    slack.add_user("leaver@example.org", "Lee Leaver", deleted=True)
    settings = slack.adapter.rt.settings
    strip_own_settings(
        monkeypatch,
        DATABASE_URL=settings.database_url,
        SAFEKEEP_DATA_KEYS=TEST_KEY_SPEC,
        SLACK_BOT_TOKEN=settings.slack_bot_token,
        SLACK_SIGNING_SECRET=settings.slack_signing_secret,
        SLACK_API_URL=settings.slack_api_url,
    )
    assert main(["staff", "sync"], clock=clock) == 0
    assert "1 added, 11 already known, 0 back again, 0 marked as leavers" in (
        capsys.readouterr().out
    )
    with factory() as session:
        newcomer = session.scalars(
            select(Person).where(Person.email == "newteacher@example.org")
        ).one()
        emails = set(session.scalars(select(Person.email)))
    assert newcomer.identity("slack") == slack.user_id("newteacher@example.org")
    assert newcomer.display_name == "Nia Newteacher"
    assert "leaver@example.org" not in emails and "bot@example.org" not in emails


def test_staff_sync_reads_every_page_and_marks_a_leaver_inactive_between_two_syncs(
    slack, monkeypatch, factory, school, capsys, clock
):
    slack.fake.users_page_size = 3  # ten demo staff: four pages
    settings = slack.adapter.rt.settings
    strip_own_settings(
        monkeypatch,
        DATABASE_URL=settings.database_url,
        SAFEKEEP_DATA_KEYS=TEST_KEY_SPEC,
        SLACK_BOT_TOKEN=settings.slack_bot_token,
        SLACK_SIGNING_SECRET=settings.slack_signing_secret,
        SLACK_API_URL=settings.slack_api_url,
    )
    assert main(["staff", "sync", "--from", "slack"], clock=clock) == 0
    assert "0 added, 11 already known, 0 back again, 0 marked" in capsys.readouterr().out
    assert len(slack.fake.calls_to("users.list")) == 4
    slack.add_user("joiner@example.org", "Jo Joiner")
    del slack.fake.users[slack.user_id("teacher@example.org")]
    assert main(["staff", "sync"], clock=clock) == 0
    out = capsys.readouterr().out
    assert "1 added, 10 already known, 0 back again, 1 marked as leavers" in out
    with factory() as session:
        active = dict(session.execute(select(Person.email, Person.active)).all())
    assert active["joiner@example.org"] is True
    assert active["teacher@example.org"] is False  # kept, inactive


def test_staff_sync_leaves_out_slack_guests_unless_the_school_includes_them(
    slack, monkeypatch, factory, school, capsys, clock
):
    slack.add_user("visitor@example.org", "Vic Visitor", is_restricted=True)
    slack.add_user("single@example.org", "Sol Single", is_ultra_restricted=True)
    settings = slack.adapter.rt.settings
    strip_own_settings(
        monkeypatch,
        DATABASE_URL=settings.database_url,
        SAFEKEEP_DATA_KEYS=TEST_KEY_SPEC,
        SLACK_BOT_TOKEN=settings.slack_bot_token,
        SLACK_SIGNING_SECRET=settings.slack_signing_secret,
        SLACK_API_URL=settings.slack_api_url,
    )
    assert main(["staff", "sync"], clock=clock) == 0
    assert "2 guest account(s) left out" in capsys.readouterr().out
    with factory() as session:
        assert "visitor@example.org" not in set(session.scalars(select(Person.email)))
        stored = session.get_one(School, school.id)
        stored.settings = {**stored.settings, "include_guests": True}
        session.commit()
    assert main(["staff", "sync"], clock=clock) == 0
    assert "2 added, 11 already known" in capsys.readouterr().out
    with factory() as session:
        groups = dict(session.execute(select(Person.email, Person.role_group)).all())
    assert groups["visitor@example.org"] == groups["single@example.org"] == "visitor"


@pytest.fixture
def fake_slack_api():
    """The fake Slack Web API alone (workspace T0DEMO, the demo staff as members); its URL."""
    fake = FakeSlack()
    demo_workspace(fake)
    server = ServerThread()
    try:
        yield f"http://127.0.0.1:{server.serve(fake.make_app())}/api/"
    finally:
        server.stop()


def test_on_a_new_database_staff_sync_makes_the_school_so_roles_can_be_granted_at_once(
    fake_slack_api, monkeypatch, capsys, factory, database_url, clock
):
    """The README's first-use steps, in its order, before anyone has used Safekeep in Slack."""
    strip_own_settings(
        monkeypatch,
        DATABASE_URL=database_url,
        SAFEKEEP_DATA_KEYS=TEST_KEY_SPEC,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN="xapp-1-test",
        SLACK_API_URL=fake_slack_api,
    )
    active = crypto.active_keys()
    try:
        assert main(["staff", "sync"], clock=clock) == 0
        assert "11 added, 0 already known" in capsys.readouterr().out
        assert main(["roles", "grant", "dsl", "dsl@example.org"], clock=clock) == 0
        assert main(["staff", "sync"], clock=clock) == 0  # the same school the second time
    finally:
        crypto.use_keys(active)
    assert "Granted dsl to dsl@example.org." in capsys.readouterr().out
    with factory() as session:
        (school,) = session.scalars(select(School)).all()
        roles = session.scalars(select(RoleAssignment.role)).all()
    assert (school.name, school.platform, school.slack_team_id) == (
        "Demo Primary School",
        "slack",
        "T0DEMO",
    )
    assert roles == ["dsl"]
