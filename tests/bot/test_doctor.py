"""`python -m bot doctor`: one line per check, what to do for each failure, exit 0 only when
every check passes. Each failure mode has its test."""

from __future__ import annotations

import base64
import os
import sqlite3
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest

from bot.cli import main
from bot.cli.doctor import roles_check, term_dates_check
from handlers import admin, people
from handlers.context import Context
from handlers.settings import SchoolSettings, Term
from storage import crypto
from storage.database import transaction
from storage.models import School
from tests.conftest import PG_URL, TEST_KEYS
from tests.drivers.fake_slack_api import FakeSlack
from tests.drivers.program import strip_own_settings
from tests.drivers.slack import BOT_TOKEN, ServerThread, demo_workspace

TEST_KEY_SPEC = f"test:{base64.b64encode(TEST_KEYS.keys[0].secret).decode()}"


@dataclass
class Report:
    code: int
    lines: list[str]

    def line(self, name: str) -> str:
        found = [line for line in self.lines if line[2:].startswith(name)]
        assert found, f"no {name!r} line in:\n" + "\n".join(self.lines)
        return found[0]


@pytest.fixture
def doctor(monkeypatch, capsys, database_url, clock):
    """Run `python -m bot doctor` in this process, on the test database and the frozen clock."""
    strip_own_settings(monkeypatch, DATABASE_URL=database_url, SAFEKEEP_DATA_KEYS=TEST_KEY_SPEC)

    def run() -> Report:
        capsys.readouterr()
        code = main(["doctor"], clock=clock)
        return Report(code, capsys.readouterr().out.splitlines())

    yield run
    crypto.use_keys(TEST_KEYS)


@pytest.fixture
def fake_slack():
    fake = FakeSlack()
    demo_workspace(fake)
    server = ServerThread()
    try:
        yield fake, f"http://127.0.0.1:{server.serve(fake.make_app())}/api/"
    finally:
        server.stop()


def test_a_complete_set_up_passes_every_check_and_exits_0(doctor, console):
    console.say(
        "/aup", "question", "May I use the visitor Wi-Fi on my phone?"
    )  # some encrypted data
    report = doctor()
    assert report.code == 0, "\n".join(report.lines)
    assert report.lines[-1] == "All checks passed."
    checks = report.lines[:-1]
    assert all(line.startswith("✓ ") for line in checks), checks
    for name in ("database", "schema", "data keys", "encrypted data", "Slack"):
        report.line(name)
    assert "holds every key in use (test)" in report.line("data keys")
    assert "cover today and the next 60 school days" in report.line("term dates 'Demo Primary")
    assert "every required role is filled" in report.line("roles 'Demo Primary")


@pytest.mark.skipif(bool(PG_URL), reason="a SQLite file")
def test_a_missing_database_file_is_reported_and_not_made(doctor, monkeypatch, tmp_path):
    missing = tmp_path / "elsewhere" / "safekeep.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    report = doctor()
    assert report.code == 1
    assert report.line("database").startswith(f"✗ database: there is no database file {missing}")
    assert report.line("schema").startswith("- schema: not checked")
    assert not missing.exists()


def test_an_unreachable_database_is_reported_without_its_password(doctor, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://safekeep:s3cret@127.0.0.1:9/safekeep")
    report = doctor()
    assert report.code == 1
    line = report.line("database")
    assert line.startswith("✗ database: cannot reach postgresql://safekeep:***@127.0.0.1:9/")
    assert "s3cret" not in "\n".join(report.lines)


@pytest.mark.skipif(bool(PG_URL), reason="a SQLite file")
def test_an_out_of_date_schema_says_to_migrate(doctor, monkeypatch, tmp_path):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{empty}")
    report = doctor()
    assert report.code == 1
    assert report.line("schema").startswith("✗ schema: The database is empty")
    assert "python -m bot migrate" in report.line("schema")


def test_a_key_id_in_use_but_not_configured_is_named_with_its_columns(doctor, console, monkeypatch):
    console.say(
        "/aup", "question", "May I use the visitor Wi-Fi on my phone?"
    )  # sealed with key 'test'
    monkeypatch.setenv("SAFEKEEP_DATA_KEYS", crypto.new_key_spec("k2"))
    report = doctor()
    assert report.code == 1
    line = report.line("data keys")
    assert line.startswith("✗ data keys: the stored data needs key 'test' (in aup_questions")
    assert "SAFEKEEP_DATA_KEYS does not hold" in line
    assert report.line("encrypted data").startswith("✗ encrypted data: aup_questions.")


def test_a_different_key_under_the_right_id_fails_the_sample(doctor, console, monkeypatch):
    console.say(
        "/aup", "question", "May I use the visitor Wi-Fi on my phone?"
    )  # sealed with key 'test'
    monkeypatch.setenv("SAFEKEEP_DATA_KEYS", crypto.new_key_spec("test"))
    report = doctor()
    assert report.code == 1
    assert report.line("data keys").startswith("✓")  # the id is there...
    line = report.line("encrypted data")  # ...but it is not the key that sealed the data
    assert line.startswith("✗ encrypted data: aup_questions.question: ")
    assert "is a different one" in line


def test_valid_slack_credentials_with_every_scope_pass(doctor, monkeypatch, fake_slack, school):
    fake, url = fake_slack
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("SLACK_API_URL", url)
    report = doctor()
    assert report.code == 0, "\n".join(report.lines)
    assert "works for 'Demo Primary School' with every scope" in report.line("Slack")
    assert [c["method"] for c in fake.calls] == ["auth.test"]


def test_a_refused_slack_token_says_where_to_copy_the_right_one(doctor, monkeypatch, fake_slack):
    _, url = fake_slack
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("SLACK_API_URL", url)
    report = doctor()
    assert report.code == 1
    line = report.line("Slack")
    assert line.startswith("✗ Slack: Slack refused the bot token (invalid_auth)")
    assert "SLACK_BOT_TOKEN" in line


def test_missing_slack_scopes_are_named_against_the_manifest(doctor, monkeypatch, fake_slack):
    fake, url = fake_slack
    fake.scopes[BOT_TOKEN] = ("commands", "chat:write", "im:write", "users:read")
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("SLACK_API_URL", url)
    report = doctor()
    assert report.code == 1
    line = report.line("Slack")
    assert "lacks the scope(s) im:history, users:read.email" in line
    assert "reinstall" in line


def test_an_unreachable_slack_api_is_reported(doctor, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    report = doctor()
    assert report.code == 1
    assert report.line("Slack").startswith("✗ Slack: cannot reach Slack at http://127.0.0.1:9/")


def test_web_credentials_with_only_a_key_file_are_flagged(doctor, monkeypatch, fake_slack):
    """Slack is configured, so web and worker will run: they need SAFEKEEP_DATA_KEYS."""
    if PG_URL:
        pytest.skip("key files are for SQLite only")
    _, url = fake_slack
    monkeypatch.delenv("SAFEKEEP_DATA_KEYS")
    for name, value in (("SLACK_BOT_TOKEN", BOT_TOKEN), ("SLACK_SIGNING_SECRET", "s")):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SLACK_API_URL", url)
    report = doctor()
    assert report.code == 1
    assert "web, socket and worker need SAFEKEEP_DATA_KEYS" in report.line("data keys")


def test_a_teams_bot_identity_is_reported_and_anonymous_teams_fails(doctor, monkeypatch):
    prefix = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
    for name in ("CLIENTID", "CLIENTSECRET", "TENANTID"):
        monkeypatch.setenv(prefix + name, "x")
    report = doctor()
    assert report.code == 1  # the report's download links need the server's public address
    assert "SAFEKEEP_PUBLIC_URL is not set" in report.line("Teams file links")
    monkeypatch.setenv("SAFEKEEP_PUBLIC_URL", "https://safekeep.example.org")
    report = doctor()
    assert report.code == 0
    assert report.line("Microsoft Teams").startswith("✓ Microsoft Teams: bot identity set")
    monkeypatch.setenv(prefix + "ANONYMOUS_ALLOWED", "true")
    report = doctor()
    assert report.code == 1
    assert "for local testing only" in report.line("Microsoft Teams")


def test_term_dates_running_out_within_60_school_days_fail(doctor, school, factory, clock):
    short = SchoolSettings(terms=(Term("Autumn", date(2026, 9, 3), date(2026, 12, 18)),))
    with transaction(factory) as session:
        session.get_one(School, school.id).settings = short.to_json()
    report = doctor()
    assert report.code == 1
    line = report.line("term dates 'Demo Primary School'")
    assert line.startswith("✗ term dates 'Demo Primary School' (id 1): the terms end Fri 18 Dec")
    assert "school.toml" in line


@pytest.mark.parametrize(
    ("terms", "problem"),
    [
        ((), "no terms are configured"),
        ((Term("Spring", date(2027, 1, 5), date(2027, 7, 20)),), "the first term starts Tue 5"),
        ((Term("Year", date(2026, 9, 1), date(2027, 7, 20)),), None),
    ],
)
def test_term_dates_must_cover_today_and_the_next_60_school_days(clock, terms, problem):
    settings = replace(SchoolSettings(), terms=terms)
    check = term_dates_check("'School' (id 1)", settings, clock)
    assert check.ok is (problem is None)
    if problem:
        assert problem in check.detail


def test_a_required_role_nobody_holds_is_named_with_how_to_grant_it(doctor, school, factory, clock):
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        dpo = people.find_by_email(session, school.id, "dpo@example.org")
        assert dpo is not None
        admin.revoke_role(Context(session, row, None, clock), dpo, "dpo")
    report = doctor()
    assert report.code == 1
    line = report.line("roles 'Demo Primary School'")
    assert "nobody holds Data Protection Officer (dpo)" in line
    assert "python -m bot roles grant ROLE EMAIL" in line


def test_every_required_role_is_checked():
    check = roles_check("'School' (id 1)", {})
    for role in ("headteacher", "dsl", "dpo", "it_lead", "online_safety_lead"):
        assert f"({role})" in check.detail


def test_with_oauth_installs_each_workspaces_newest_bot_token_is_checked(
    doctor, monkeypatch, fake_slack, factory, clock
):
    from storage.models.slack import slack_bots

    _, url = fake_slack
    rows = [
        ("T0DEMO", "xoxb-revoked-long-ago", clock() - timedelta(days=30)),
        ("T0DEMO", BOT_TOKEN, clock()),  # the newest install of the demo workspace
        ("T0GONE", "xoxb-uninstalled", clock()),
    ]
    with transaction(factory) as session:
        for team_id, token, at in rows:
            session.execute(
                slack_bots.insert().values(
                    client_id="111.222",
                    app_id="A0SAFE",
                    team_id=team_id,
                    bot_token=token,
                    is_enterprise_install=False,
                    installed_at=at,
                )
            )
    monkeypatch.setenv("SLACK_CLIENT_ID", "111.222")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("SLACK_API_URL", url)
    report = doctor()
    assert report.line("Slack workspace T0DEMO").startswith("✓")
    assert "refused the bot token (invalid_auth)" in report.line("Slack workspace T0GONE")
    assert report.code == 1


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_an_env_file_anyone_can_read_is_flagged(doctor, monkeypatch, tmp_path, school):
    env_file = tmp_path / "safekeep.env"
    env_file.write_text("TZ_SCHOOL=Europe/London\n")
    env_file.chmod(0o644)
    monkeypatch.setenv("SAFEKEEP_ENV_FILE", str(env_file))
    report = doctor()
    assert report.code == 1
    assert report.line("env file") == (
        f"✗ env file: {env_file} holds keys or tokens and anyone on this machine can read it: "
        f"chmod 640 {env_file} (or 600)"
    )
    env_file.chmod(0o640)
    assert doctor().code == 0
