"""`python -m bot sweep` (every sweep once, now, then delivery, on the clock it is given) and
`python -m bot school apply` (a changed school.toml reaches a running school, with what changed
printed and audited)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from bot.cli import main
from handlers.clock import FrozenClock
from handlers.settings import SchoolSettings
from storage import crypto
from storage.database import transaction
from storage.models import AuditEvent, AupCampaign, AupVersion, OutboxMessage, School
from tests.conftest import TEST_KEYS, london
from tests.drivers.fake_slack_api import FakeSlack
from tests.drivers.program import strip_own_settings
from tests.drivers.signing import SIGNING_SECRET
from tests.drivers.slack import BOT_TOKEN, TEAM_ID, ServerThread, demo_workspace

TEST_KEY_SPEC = f"test:{base64.b64encode(TEST_KEYS.keys[0].secret).decode()}"


@dataclass
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(monkeypatch, capsys, database_url):
    """Run `python -m bot ARGS` in this process against the test database, at a given time."""
    strip_own_settings(monkeypatch, DATABASE_URL=database_url, SAFEKEEP_DATA_KEYS=TEST_KEY_SPEC)
    active = crypto.active_keys()

    def run(*argv: str, at=None) -> Ran:
        capsys.readouterr()
        try:
            code = main(
                list(argv),
                clock=FrozenClock(at) if at else FrozenClock(london(2026, 11, 24, 10, 0)),
            )
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    yield run
    crypto.use_keys(active)


def outbox_rows(factory) -> list[OutboxMessage]:
    with factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- sweep -------------------------------------------------------------------------------------


def test_sweep_under_a_moved_clock_runs_the_campaign_as_on_that_date_and_only_once(
    cli, factory, school
):
    before = cli("sweep", at=london(2027, 1, 4, 8, 0))  # a holiday: nothing yet
    assert before.code == 0, before.err
    assert "0 message(s) queued" in before.out
    assert outbox_rows(factory) == []

    ran = cli("sweep", at=london(2027, 1, 5, 8, 5))
    assert ran.code == 0, ran.err
    # The yearly AUP round opens (11 people) and the Autumn term's report goes to the
    # Headteacher and the Online Safety lead on the first school day after it ended.
    assert "for 1 school(s) at 2027-01-05 08:05 UTC: 13 message(s) queued." in ran.out
    assert "aup_campaign" in ran.out and "governors_report" in ran.out
    assert "13 message(s) wait in the outbox: no Slack or Teams credentials are set here" in (
        ran.out
    )
    with factory() as session:
        assert session.scalars(select(AupCampaign.cycle)).all() == ["2026/27 Spring"]
    again = cli("sweep", at=london(2027, 1, 5, 8, 10))
    assert "0 message(s) queued" in again.out
    assert len(outbox_rows(factory)) == 13


@pytest.fixture
def fake_slack(factory, school):
    """The demo school as a Slack workspace, with the fake Slack Web API serving it."""
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.platform, row.slack_team_id = "slack", TEAM_ID
    fake = FakeSlack()
    demo_workspace(fake)
    server = ServerThread()
    port = server.serve(fake.make_app())
    try:
        yield fake, f"http://127.0.0.1:{port}/api/"
    finally:
        server.stop()


def test_sweep_delivers_what_it_queued_through_slack(cli, monkeypatch, factory, fake_slack):
    fake, url = fake_slack
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", url)
    ran = cli("sweep", at=london(2027, 1, 5, 8, 0))
    assert ran.code == 0, ran.err
    assert "13 message(s) queued" in ran.out  # the AUP round's 11 and the report's 2
    assert "Delivered 13 message(s) through slack." in ran.out
    assert "wait in the outbox" not in ran.out
    posted = [c for c in fake.calls if c["method"] == "chat.postMessage"]
    assert len(posted) == 11
    assert {row.status for row in outbox_rows(factory)} == {"sent"}


# --- school apply ------------------------------------------------------------------------------

SCHOOL_TOML = """
[school]
name = "Demo Primary School"

[[terms]]
name = "Spring 2027"
start = 2027-01-04
end = 2027-03-26
half_term = [2027-02-15, 2027-02-19]

[reminders]
morning = "08:00"

[roles]
headteacher = "head@example.org"
online_safety_lead = ["onlinesafety@example.org", "dsl@example.org"]

[aup]
version = "2025.1"
title = "Staff Acceptable Use Policy"
file = "aup.txt"
effective = 2025-09-01
"""


def write_config(tmp_path, monkeypatch, text: str, aup_text: str) -> None:
    from bot.demo import DEMO_AUP

    (tmp_path / "aup.txt").write_text(aup_text or DEMO_AUP, encoding="utf-8")
    (tmp_path / "school.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("SAFEKEEP_SCHOOL_CONFIG", str(tmp_path / "school.toml"))


def test_school_apply_shows_and_audits_what_changed_and_then_that_nothing_did(
    cli, monkeypatch, tmp_path, factory, school
):
    toml = SCHOOL_TOML.replace('morning = "08:00"', 'morning = "08:15"')
    write_config(tmp_path, monkeypatch, toml, "")
    ran = cli("school", "apply")
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[0] == f"Demo Primary School (school {school.id}):"
    assert "Settings:" in lines
    assert "  reminders.morning: 08:00 → 08:15" in lines
    assert "  terms: added Spring 2027 4 Jan 2027 to 26 Mar 2027 (half-term 15 Feb to 19 Feb)" in (
        lines
    )
    assert any(line.startswith("  terms: removed Autumn 2025") for line in lines)
    assert "Roles granted:" in lines and "  online_safety_lead: dsl@example.org" in lines
    assert "Roles removed:" not in lines  # the roles it names were already held as it says
    with factory() as session:
        row = session.scalars(select(School)).one()
        settings = SchoolSettings.from_json(row.settings)
        audit = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "school.applied")
        ).one()
    assert settings.morning_hour.strftime("%H:%M") == "08:15"
    assert [t.name for t in settings.terms] == ["Spring 2027"]
    assert audit.details["roles_granted"] == ["online_safety_lead: dsl@example.org"]
    assert "reminders.morning" in audit.details["settings"]

    again = cli("school", "apply")
    assert again.code == 0, again.err
    assert again.out.splitlines()[1:] == [
        "Nothing changed: the school already matches its school.toml."
    ]


def test_school_apply_publishes_a_new_version_and_takes_away_a_role_the_toml_moved(
    cli, monkeypatch, tmp_path, factory, school
):
    toml = (
        SCHOOL_TOML.replace('version = "2025.1"', 'version = "2027.1"')
        .replace("effective = 2025-09-01", "effective = 2027-01-04")
        .replace('headteacher = "head@example.org"', 'headteacher = "deputy@example.org"')
    )
    write_config(tmp_path, monkeypatch, toml, "1. A new wording for 2027.")
    ran = cli("school", "apply")
    assert ran.code == 0, ran.err
    assert "AUP versions published:" in ran.out
    assert (
        "  2027.1 · Staff Acceptable Use Policy · for teaching, support, governor, volunteer, "
        "contractor, visitor · effective 4 Jan 2027"
    ) in ran.out.splitlines()
    assert "  headteacher: head@example.org" in ran.out.splitlines()  # under Roles removed
    assert "  headteacher: deputy@example.org" in ran.out.splitlines()
    with factory() as session:
        versions = session.scalars(select(AupVersion.version).order_by(AupVersion.id)).all()
    assert versions == ["2025.1", "2027.1"]


def test_school_apply_refuses_new_wording_under_an_old_version_number(
    cli, monkeypatch, tmp_path, school
):
    write_config(tmp_path, monkeypatch, SCHOOL_TOML, "1. Quietly changed wording.")
    ran = cli("school", "apply")
    assert ran.code == 2
    assert "AUP version 2025.1 is already published with different wording" in ran.err


def test_school_apply_without_a_school_toml_says_what_to_set(cli, school):
    ran = cli("school", "apply")
    assert ran.code == 2
    assert "school apply needs SAFEKEEP_SCHOOL_CONFIG" in ran.err


def test_settings_default_dates_come_from_the_applied_terms(
    cli, monkeypatch, tmp_path, factory, school
):
    write_config(tmp_path, monkeypatch, SCHOOL_TOML, "")
    assert cli("school", "apply").code == 0
    ran = cli("sweep", at=london(2027, 1, 4, 8, 0))  # the first school day of the applied term
    assert "11 message(s) queued" in ran.out
    with factory() as session:
        round_ = session.scalars(select(AupCampaign)).one()
    assert (round_.opens_on, round_.due_on) == (date(2027, 1, 4), date(2027, 2, 12))


@pytest.mark.parametrize(
    ("argv", "words"),
    [(["sweep"], "run every scheduled sweep once"), (["school"], "apply a changed school.toml")],
)
def test_the_new_commands_have_help(cli, argv, words):
    ran = cli(*argv, "--help")
    assert ran.code == 0
    assert f"usage: python -m bot {argv[0]}" in ran.out
    assert words in " ".join(ran.out.split())
