"""`python -m bot purge [--dry-run] [--school ID]` and the weekly retention sweep, on the
clock moved years ahead; `audit verify` still passes after a purge."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest
from sqlalchemy import func, inspect, select, text

from bot.cli import main
from handlers.clock import FrozenClock
from schedules import sweeps
from storage import crypto
from storage.models import AuditEvent, OffsiteDeclaration
from tests.conftest import TEST_KEYS, london
from tests.drivers.program import strip_own_settings
from tests.handlers.retention_seed import BREACH_TEXT, CONCERN_NOTE, QUESTION, seed

TEST_KEY_SPEC = f"test:{base64.b64encode(TEST_KEYS.keys[0].secret).decode()}"
SEVEN_YEARS_ON = london(2033, 11, 25, 10, 0)


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

    def run(*argv: str, at=SEVEN_YEARS_ON) -> Ran:
        capsys.readouterr()
        try:
            code = main(list(argv), clock=FrozenClock(at))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    yield run
    crypto.use_keys(active)


def _dump(engine) -> dict[str, list]:
    """Every row of every table (SQLite or PostgreSQL), in a stable order."""
    with engine.connect() as conn:
        return {
            name: sorted(conn.execute(text(f'SELECT * FROM "{name}"')).all(), key=repr)
            for name in inspect(engine).get_table_names()
        }


def _purges(factory) -> list[AuditEvent]:
    with factory() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "retention.purged")
                .order_by(AuditEvent.seq)
            )
        )


def test_the_dry_run_lists_kinds_ids_and_counts_and_changes_nothing(
    cli, factory, school, clock, engine
):
    made = seed(factory, school, clock())
    before = _dump(engine)
    ran = cli("purge", "--dry-run")
    assert ran.code == 0, ran.err
    assert _dump(engine) == before
    lines = ran.out.splitlines()
    assert lines[0] == (
        f"Demo Primary School (school {school.id}): Would remove (dry run: nothing was changed):"
    )
    breach_line = next(line for line in lines if "Closed breaches' details" in line)
    assert breach_line.split()[0] == "1" and breach_line.endswith(f": {made.closed_breach}")
    offsite = next(line for line in lines if "Off-site declarations" in line)
    assert offsite.split()[0] == "2"
    assert offsite.endswith(f": {made.returned_declaration}, {made.lost_declaration}")
    leaver = next(line for line in lines if "Leavers' AUP" in line)
    assert leaver.split()[0] == "3" and leaver.endswith(f": {made.leaver}")
    for private in (BREACH_TEXT, CONCERN_NOTE, QUESTION, "ta@example.org", "Sam Assistant"):
        assert private not in ran.out
    assert "audit trail" not in ran.out


def test_purge_removes_what_expired_audits_it_and_audit_verify_still_passes(
    cli, factory, school, clock
):
    made = seed(factory, school, clock())
    ran = cli("purge")
    assert ran.code == 0, ran.err
    assert "Removed:" in ran.out and "Recorded in the audit trail (counts only)." in ran.out
    with factory() as session:
        left = set(session.scalars(select(OffsiteDeclaration.id)))
    assert left == {made.out_declaration}
    [event] = _purges(factory)
    assert event.details["trigger"] == "cli"
    assert event.details["counts"]["offsite_declarations"] == 2
    verified = cli("audit", "verify")
    assert verified.code == 0 and verified.out.startswith("Audit chain intact")
    again = cli("purge")
    assert again.out.splitlines()[1:] == [
        "  Nothing has passed its retention period.",
        "  The purge is recorded in the audit trail.",
    ]
    assert len(_purges(factory)) == 2  # a purge that found nothing is recorded too


def test_purge_for_a_school_that_does_not_exist_says_so(cli, school):
    ran = cli("purge", "--school", "999")
    assert (ran.code, ran.err) == (2, "safekeep: there is no school with id 999\n")


def test_purge_with_no_school_yet_has_nothing_to_do(cli):
    ran = cli("purge", "--dry-run")
    assert (ran.code, ran.out) == (0, "There is no school yet: nothing to purge.\n")


def test_purge_has_help(cli):
    ran = cli("purge", "--help")
    assert ran.code == 0 and "--dry-run" in ran.out and "retention periods" in ran.out


def test_the_weekly_sweep_purges_once_a_week_at_night(factory, school, clock):
    made = seed(factory, school, clock())

    def run_at(*when: int) -> int:
        clock.set(london(*when))
        sweeps.run_all(factory, clock, only="retention")
        return len(_purges(factory))

    assert run_at(2033, 11, 24, 10, 0) == 0  # Thursday morning: not in the night window
    assert run_at(2033, 11, 25, 2, 0) == 1  # Friday night
    with factory() as session:
        assert session.get(OffsiteDeclaration, made.returned_declaration) is None
    assert run_at(2033, 11, 25, 3, 0) == 1  # later that night: already done this week
    assert run_at(2033, 11, 27, 2, 30) == 1  # Sunday: still the same ISO week
    assert run_at(2033, 11, 28, 2, 0) == 2  # Monday night: a new week
    with factory() as session:
        weekly = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "retention.purged")
        )
    assert weekly == 2
    assert [e.details["trigger"] for e in _purges(factory)] == ["weekly", "weekly"]


def test_the_sweep_command_runs_the_retention_sweep_too(cli, factory, school, clock):
    seed(factory, school, clock())
    ran = cli("sweep", at=london(2033, 11, 25, 2, 0))
    assert ran.code == 0, ran.err
    assert len(_purges(factory)) == 1
