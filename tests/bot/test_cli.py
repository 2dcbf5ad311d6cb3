"""`python -m bot ...`: migrate, roles, audit verify, keys, export, and the refusals at start-up.

Most tests call ``bot.cli.main`` in this process (fast); a few run the real program.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.cli import COMMANDS, main
from handlers import admin
from storage import crypto
from storage.database import check_schema, head_revision, make_engine, transaction, upgrade
from storage.models import AuditEvent, AupQuestion, RoleAssignment
from storage.models.school import ROLES
from tests.conftest import PG_URL, TEST_KEYS
from tests.drivers.program import ROOT, program_env, run_bot, strip_own_settings

TEST_KEY_SPEC = f"test:{base64.b64encode(TEST_KEYS.keys[0].secret).decode()}"


@dataclass
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(monkeypatch, capsys, database_url):
    """Run `python -m bot ARGS` in this process against the test database; returns Ran."""
    strip_own_settings(monkeypatch, DATABASE_URL=database_url, SAFEKEEP_DATA_KEYS=TEST_KEY_SPEC)
    active = crypto.active_keys()

    def run(*argv: str) -> Ran:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse: --help and usage errors
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    yield run
    crypto.use_keys(active)  # commands install the key ring they were given


# --- help and usage ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["migrate", "roles", "audit", "keys", "export", "console", "worker"]
)
def test_every_command_has_help(cli, name):
    ran = cli(name, "--help")
    assert ran.code == 0
    assert f"usage: python -m bot {name}" in ran.out
    assert COMMANDS[name][1].__doc__.split("(")[0].strip() in " ".join(ran.out.split())


def test_the_program_lists_its_commands_and_rejects_unknown_ones(cli):
    shown = cli("--help")
    assert shown.code == 0
    for name in ("console", "migrate", "roles", "audit", "keys", "export", "worker"):
        assert name in shown.out
    wrong = cli("tea")
    assert wrong.code == 2
    assert "invalid choice: 'tea'" in wrong.err


# --- migrate and the schema check --------------------------------------------------------------


def test_migrate_says_it_created_the_database_then_that_it_is_already_up_to_date(
    cli, monkeypatch, tmp_path
):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    head = head_revision()
    first = cli("migrate")
    assert (first.code, first.out) == (0, f"Created the database at the newest schema ({head}).\n")
    again = cli("migrate")
    assert (again.code, again.out) == (0, f"The database was already up to date ({head}).\n")
    check_schema(make_engine(url))


def test_migrate_says_which_revisions_it_upgraded_between(cli, monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(make_engine(url), "0001")
    monkeypatch.setenv("DATABASE_URL", url)
    ran = cli("migrate")
    assert (ran.code, ran.out) == (0, f"Upgraded the database from 0001 to {head_revision()}.\n")
    check_schema(make_engine(url))


def test_commands_refuse_an_out_of_date_database_and_say_to_migrate(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    for argv in (("roles", "list"), ("audit", "verify"), ("export", "aup"), ("keys", "rotate")):
        ran = cli(*argv)
        assert ran.code == 2, argv
        assert "The database is empty" in ran.err
        assert "Run: python -m bot migrate" in ran.err


def test_a_database_at_an_old_revision_is_refused(cli, monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    ran = cli("roles", "list")
    assert ran.code == 2
    assert "is at revision 0000_older" in ran.err and "python -m bot migrate" in ran.err


# --- roles -------------------------------------------------------------------------------------


def test_roles_list_shows_every_role_and_its_holders(cli, school):
    ran = cli("roles", "list")
    assert ran.code == 0
    lines = ran.out.splitlines()
    assert [line.split()[0] for line in lines] == list(ROLES)
    dsl_line = next(line for line in lines if line.startswith("dsl "))
    assert "Designated Safeguarding Lead" in dsl_line and "<dsl@example.org>" in dsl_line


def test_roles_grant_and_revoke_change_the_role_and_are_audited(cli, school, factory):
    granted = cli("roles", "grant", "dsl", "Teacher@Example.org")
    assert (granted.code, granted.out) == (0, "Granted dsl to teacher@example.org.\n")
    assert cli("roles", "grant", "dsl", "teacher@example.org").out == (
        "teacher@example.org already has dsl.\n"
    )
    listed = cli("roles", "list").out
    assert "<teacher@example.org>" in next(ln for ln in listed.splitlines() if ln.startswith("dsl"))

    revoked = cli("roles", "revoke", "dsl", "teacher@example.org")
    assert (revoked.code, revoked.out) == (0, "Revoked dsl from teacher@example.org.\n")
    assert cli("roles", "revoke", "dsl", "teacher@example.org").out == (
        "teacher@example.org did not have dsl.\n"
    )
    with factory() as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(["role.granted", "role.revoked"]))
            .order_by(AuditEvent.seq)
        ).all()
    assert [(e.action, e.actor_id, e.details) for e in events][-2:] == [
        ("role.granted", None, {"role": "dsl"}),
        ("role.revoked", None, {"role": "dsl"}),
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("roles", "grant", "wizard", "teacher@example.org"), "'wizard' is not a role; roles are:"),
        (("roles", "grant", "dsl"), "usage: python -m bot roles grant ROLE EMAIL"),
        (("roles", "revoke"), "usage: python -m bot roles revoke ROLE EMAIL"),
        (("roles", "grant", "dsl", "nobody@example.org"), "nobody with the email"),
        (("roles", "list", "--school", "999"), "there is no school with id 999"),
    ],
)
def test_bad_roles_commands_exit_2_with_a_clear_message_and_change_nothing(
    cli, school, factory, argv, message
):
    with factory() as session:
        before = session.scalars(select(RoleAssignment.id).order_by(RoleAssignment.id)).all()
    ran = cli(*argv)
    assert ran.code == 2
    assert ran.err.startswith("safekeep: ") and message in ran.err
    assert "Traceback" not in ran.err
    with factory() as session:
        assert (
            session.scalars(select(RoleAssignment.id).order_by(RoleAssignment.id)).all() == before
        )


def test_a_misspelt_roles_action_is_a_usage_error(cli, school):
    ran = cli("roles", "give", "dsl", "teacher@example.org")
    assert ran.code == 2
    assert "invalid choice: 'give'" in ran.err


def test_roles_needs_a_school(cli):
    ran = cli("roles", "list")
    assert (ran.code, ran.err) == (2, "safekeep: there is no school yet\n")


def test_with_several_schools_roles_asks_which(cli, school, factory, clock):
    with transaction(factory) as session:
        other = admin.create_school(session, "Second Primary", "console", clock())
        other_id = other.id
    ran = cli("roles", "list")
    assert ran.code == 2
    assert f"there are several schools ({school.id}, {other_id}): add --school ID" in ran.err
    chosen = cli("roles", "list", "--school", str(school.id))
    assert chosen.code == 0 and "<head@example.org>" in chosen.out


# --- audit verify ------------------------------------------------------------------------------


def _event_count(factory) -> int:  # type: ignore[no-untyped-def]
    with factory() as session:
        return len(session.scalars(select(AuditEvent.id)).all())


def test_audit_verify_passes_an_intact_chain(cli, school, factory):
    ran = cli("audit", "verify")
    assert ran.code == 0
    assert ran.out == f"Audit chain intact: {_event_count(factory)} events across 1 school(s).\n"


def test_audit_verify_names_the_first_edited_event(cli, school, factory):
    with transaction(factory) as session:
        second, third = session.execute(
            text("SELECT id FROM audit_events ORDER BY seq LIMIT 2 OFFSET 1")
        ).scalars()
        for target in (third, second):  # edit two; the earlier one is reported
            session.execute(
                text("UPDATE audit_events SET subject = 'nothing to see' WHERE id = :id"),
                {"id": target},
            )
    ran = cli("audit", "verify")
    assert ran.code == 1
    assert ran.out == ""
    assert ran.err == (
        f"Audit chain broken at school {school.id}, sequence 2 (event #{second}): "
        "its contents were changed\n"
    )


def test_audit_verify_names_where_an_event_was_deleted(cli, school, factory):
    with transaction(factory) as session:
        session.execute(text("DELETE FROM audit_events WHERE seq = 3"))
        after = session.execute(text("SELECT id FROM audit_events WHERE seq = 4")).scalar_one()
    ran = cli("audit", "verify")
    assert ran.code == 1
    assert f"sequence 3 (event #{after}): an event is missing before this one" in ran.err


def test_audit_verify_notices_the_newest_event_deleted(cli, school, factory):
    with transaction(factory) as session:
        session.execute(
            text("DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)")
        )
    ran = cli("audit", "verify")
    assert ran.code == 1
    assert "the chain's end): the newest events were deleted" in ran.err


# --- keys --------------------------------------------------------------------------------------


def test_keys_new_prints_a_usable_key(cli):
    ran = cli("keys", "new")
    assert ran.code == 0
    ring = crypto.KeyRing.parse(ran.out.strip())
    assert ring.newest_id.startswith("key-")
    assert ring.open(ring.seal("x")) == "x"
    another = crypto.KeyRing.parse(cli("keys", "new").out.strip())
    assert another.newest_id != ring.newest_id  # every new key has an id of its own
    named = crypto.KeyRing.parse(cli("keys", "new", "--id", "k2").out.strip())
    assert named.newest_id == "k2" and named.keys[0].secret != ring.keys[0].secret


@pytest.mark.parametrize("key_id", ["my key", "k:1", "k,1", "_k"])
def test_keys_new_refuses_an_id_that_could_not_be_stored(cli, key_id):
    ran = cli("keys", "new", "--id", key_id)
    assert ran.code == 2
    assert ran.err.startswith("safekeep: a key id is letters, digits, '-' or '_'")


def test_keys_rotate_reseals_everything_under_the_newest_key(cli, console, factory, monkeypatch):
    console.say("/aup", "question", "May I use the visitor Wi-Fi on my phone?")
    new = crypto.new_key_spec("k2")
    monkeypatch.setenv("SAFEKEEP_DATA_KEYS", f"{new},{TEST_KEY_SPEC}")
    ran = cli("keys", "rotate")
    assert (ran.code, ran.out) == (0, "Re-encrypted 1 value(s) under key 'k2'.\n")
    assert cli("keys", "rotate").out == "Re-encrypted 0 value(s) under key 'k2'.\n"
    with factory() as session:
        raw = session.execute(text("SELECT question FROM aup_questions")).scalar_one()
    assert raw.startswith("sk1:k2:")
    # The old key can now be retired: everything opens with the new key alone.
    crypto.use_keys(crypto.KeyRing.parse(new))
    with factory() as session:
        assert session.scalars(select(AupQuestion.question)).one() == (
            "May I use the visitor Wi-Fi on my phone?"
        )


# --- export ------------------------------------------------------------------------------------


def test_export_aup_as_csv_lists_every_member_of_staff(cli, school, factory):
    ran = cli("export", "aup")
    assert ran.code == 0
    rows = list(csv.DictReader(io.StringIO(ran.out)))
    assert len(rows) == 11
    teacher = next(r for r in rows if r["person_email"] == "teacher@example.org")
    assert (teacher["version"], teacher["status"]) == ("2025.1", "to_sign")
    with factory() as session:
        exported = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "register.exported")
        ).one()
    assert exported.subject == "export:aup" and exported.details == {"rows": 11}


def test_export_audit_as_json_to_a_file(cli, school, factory, tmp_path):
    out = tmp_path / "audit.json"
    ran = cli("export", "audit", "--format", "json", "--out", str(out))
    assert ran.code == 0
    events = json.loads(out.read_text(encoding="utf-8"))
    assert ran.err.startswith(f"Wrote {len(events)} row(s) to {out}, readable only by you")
    assert events[0]["seq"] == 1
    assert {"seq", "at", "actor_id", "action", "subject", "details", "hash"} == set(events[0])
    assert "role.granted" in {e["action"] for e in events}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_export_files_are_readable_only_by_their_owner_and_say_so(cli, school, tmp_path):
    new = tmp_path / "breaches.csv"
    ran = cli("export", "breaches", "--out", str(new))
    assert ran.code == 0
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert "readable only by you (mode 600)" in ran.err
    # An existing file someone made world-readable is tightened, not just overwritten.
    old = tmp_path / "old.csv"
    old.write_text("stale\n")
    old.chmod(0o644)
    assert cli("export", "aup", "--out", str(old)).code == 0
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    assert "stale" not in old.read_text()


def test_export_audit_as_csv_keeps_details_as_json(cli, school):
    ran = cli("export", "audit", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(ran.out)))
    granted = next(r for r in rows if r["action"] == "role.granted")
    assert json.loads(granted["details"])["role"] in ROLES


def test_export_aup_as_json(cli, school):
    ran = cli("export", "aup", "--format", "json")
    rows = json.loads(ran.out)
    assert {r["status"] for r in rows} == {"to_sign"}
    assert {r["person_email"] for r in rows} >= {"head@example.org", "dsl@example.org"}


def test_export_concerns_as_json_lists_the_incident_log_without_the_note(cli, console):
    console.say("/concern", "device", "A Y6 pupil used a friend's login.")
    ran = cli("export", "concerns", "--format", "json")
    assert ran.code == 0
    (row,) = json.loads(ran.out)
    assert (row["reference"], row["status"]) == ("Concern #1", "open")
    assert row["kind"] == "Misuse of school devices or accounts by a pupil"
    assert "login" not in ran.out  # the reporter's note is for the lead, not the log


def test_export_of_an_unknown_register_or_format_is_a_usage_error(cli, school):
    assert cli("export", "pupils").code == 2
    assert cli("export", "aup", "--format", "xlsx").code == 2


# --- servers refuse to start without data keys -------------------------------------------------

SERVERS = ("worker", "web", "socket")


@pytest.mark.parametrize("name", SERVERS)
def test_servers_refuse_to_start_without_data_keys_even_beside_a_demo_key_file(
    tmp_path, migrated_template, name
):
    if name not in COMMANDS:
        pytest.skip(f"`{name}` is not in this build yet")
    if PG_URL:
        database_url = PG_URL
    else:
        db = tmp_path / "safekeep.db"
        db.write_bytes(Path(migrated_template).read_bytes())
        (tmp_path / "safekeep.key").write_text(crypto.new_key_spec("local") + "\n")
        database_url = f"sqlite:///{db}"
    env = program_env(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="test-secret",
        SLACK_APP_TOKEN="xapp-test",
        SLACK_API_URL="http://127.0.0.1:9/api/",
    )
    done = run_bot(name, cwd=tmp_path, env=env)
    assert done.returncode == 2, done.stderr
    assert "safekeep: SAFEKEEP_DATA_KEYS is not set" in done.stderr
    assert "python -m bot keys new" in done.stderr
    assert "Traceback" not in done.stderr


def test_shell_tools_on_sqlite_may_use_the_demo_key_file(cli, monkeypatch, tmp_path):
    monkeypatch.delenv("SAFEKEEP_DATA_KEYS")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    assert cli("migrate").code == 0
    ran = cli("audit", "verify")
    assert ran.code == 0, ran.err
    assert (tmp_path / "demo.key").exists()


def test_bad_settings_stop_every_command_with_the_setting_named(cli, monkeypatch):
    monkeypatch.setenv("PORT", "eighty")
    ran = cli("audit", "verify")
    assert (ran.code, ran.err) == (
        2,
        "safekeep: PORT must be a port number (1-65535), not 'eighty'.\n",
    )


def test_the_console_refuses_an_unknown_person(cli, school):
    ran = cli("console", "--as", "stranger@example.org")
    assert ran.code == 2
    assert "nobody with the email 'stranger@example.org' is on the staff list" in ran.err


# --- what IT staff see when something outside Safekeep is wrong ---------------------------------

UNREACHABLE = (
    "postgresql://safekeep:s3cret-pw@127.0.0.1:9/safekeep",  # nothing listens on port 9
    "sqlite:////nonexistent-folder/safekeep.db",
)


@pytest.mark.parametrize("url", UNREACHABLE)
def test_an_unreachable_database_is_one_line_without_the_password(cli, monkeypatch, url):
    monkeypatch.setenv("DATABASE_URL", url)
    for argv in (("migrate",), ("roles", "list"), ("audit", "verify"), ("export", "aup")):
        ran = cli(*argv)
        assert ran.code == 2, argv
        assert ran.err.startswith("safekeep: cannot reach the database "), ran.err
        assert "(DATABASE_URL): " in ran.err and ran.err.count("\n") == 1
        assert "s3cret-pw" not in ran.err
    if url.startswith("postgresql"):
        assert "postgresql://safekeep:***@127.0.0.1:9/safekeep" in ran.err


def test_output_piped_to_a_reader_that_went_away_ends_quietly(tmp_path):
    """`python -m bot keys new | head -c0`: no BrokenPipeError trace."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the program writes anything
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot", "keys", "new"],
            cwd=ROOT,
            env=program_env(DATABASE_URL=f"sqlite:///{tmp_path / 'safekeep.db'}"),
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 1


def test_teams_credentials_alone_start_the_web_server_with_the_teams_endpoint(cli, monkeypatch):
    from bot import web

    prefix = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
    for name, value in (("CLIENTID", "app"), ("CLIENTSECRET", "s"), ("TENANTID", "t")):
        monkeypatch.setenv(prefix + name, value)
    served: dict[str, object] = {}

    async def serve(rt, senders, host="0.0.0.0"):
        served.update(teams=rt.settings.has_teams, senders=sorted(senders))

    monkeypatch.setattr(web, "serve", serve)
    ran = cli()
    assert ran.code == 0, ran.err
    assert served == {"teams": True, "senders": ["teams"]}
    assert "Safekeep console" not in ran.out
