"""Breach reports in the console beyond the shared journeys (tests/journeys/): triage, refusals,
cancelling, and the export from the command line."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from bot.cli import main
from storage import crypto
from storage.models import AuditEvent, Incident
from tests.drivers.program import program_env, run_bot, strip_own_settings

# Step one, in the order the console asks (numbers pick from the lists).
LOST_ENCRYPTED_LAPTOP = (
    "1",  # what happened: lost
    "1",  # a device
    "LT-0042",  # asset tag
    "1",  # encrypted: yes
    "1,2",  # planning, marking
    "",  # safeguarding question: blank, which for planning and marking means no
    "3",  # a class
    "1",  # pupils
    "2",  # child at immediate risk: no
)
LOST_SAFEGUARDING_PAPER = (
    "1",  # lost
    "2",  # paper
    "",  # no asset tag
    "4",  # not applicable (paper)
    "7",  # safeguarding information (which answers the safeguarding question: yes)
    "1",  # one person
    "1,2",  # pupils, parents
    "1",  # child at immediate risk: yes
)
DETAILS = (
    "",  # discovered: now (Enter keeps it)
    "",  # when it happened: not known
    "3",  # on public transport
    "Left the bag on the train home.",
    "Asked the train company's lost property to look for it.",
    "",  # no police reference
)
# Triage answers: Enter keeps what is there, numbers pick from the lists.
TRIAGE_NOT_REPORTABLE = (
    "2",  # confirmed
    "",  # C/I/A as proposed
    "1",  # risk unlikely
    "Encryption was on and the keys are safe.",
    "2",  # 11 to 100 records
    "2",  # 11 to 100 people
    "3",  # don't report to the ICO
    "Unintelligible to anyone who finds it.",
    # no second look: the risk is unlikely
    "",  # not notified
    "",  # no case reference
    # no delay reason asked: within the deadline
    "3",  # don't tell them
    "2",  # Art 34(3)(a)
    "Encrypted, no risk to the pupils.",
    # how and when they were told: not asked, they aren't told
    "",  # nobody else told
    "Remote wipe requested.",
    "",  # no lessons yet
    "",  # don't close
)


def test_the_dpo_triages_in_the_console_and_a_late_decision_asks_for_the_delay(
    console, factory, clock
):
    console.say("/breach", *LOST_ENCRYPTED_LAPTOP, *DETAILS)
    console.act_as("dpo@example.org")
    clock.advance(hours=73)
    late = list(TRIAGE_NOT_REPORTABLE)
    after_case_ref = 10
    # Past the deadline the delay reason is asked; Enter alone is refused at that question.
    late[after_case_ref:after_case_ref] = ["", "The DPO was on leave; the cover plan was not used."]
    out = console.say("/breach triage 1", *late)
    assert "ICO deadline Fri 27 Nov 10:00 (passed)" in out
    assert "! The 72-hour deadline passed at Fri 27 Nov 10:00" in out
    assert "Breach #1 updated" in out
    with factory() as session:
        found = session.scalars(select(Incident)).one()
        assert found.ico_decision == "not_notify"
        assert found.delay_reason.startswith("The DPO was on leave")
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "breach.ico_decided" in actions and "breach.triaged" in actions


def test_staff_cannot_open_details_or_triage_and_the_attempts_are_audited(console, factory, staff):
    console.say("/breach", *LOST_ENCRYPTED_LAPTOP, *DETAILS)
    assert "only the" in console.say("/breach details 1")
    assert "only the" in console.say("/breach triage 1")
    mine = console.say("/breach list")
    assert "Breach #1 · lost device · reported Tue 24 Nov 10:00 · waiting for the DPO" in mine
    with factory() as session:
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.refused")
        ).all()
    assert [(e.actor_id, e.details["permission"]) for e in refused] == [
        (staff.id, "breach.details"),
        (staff.id, "breach.triage"),
    ]


def test_cancelling_the_first_step_saves_nothing(console, factory):
    out = console.say("/breach", "1", "/cancel")
    assert "Cancelled: nothing was saved." in out
    with factory() as session:
        assert session.scalars(select(Incident)).all() == []


def test_the_breach_log_exports_as_csv_and_json_from_the_command_line(
    tmp_path, monkeypatch, capsys
):
    """`python -m bot export breaches` after a report typed into the real console program."""
    database_url = f"sqlite:///{tmp_path / 'safekeep.db'}"
    strip_own_settings(monkeypatch, DATABASE_URL=database_url)
    active = crypto.active_keys()

    def export(*args: str) -> str:
        """`python -m bot export ARGS` in this process (on the console's own key file)."""
        capsys.readouterr()
        try:
            assert main(["export", *args]) == 0, capsys.readouterr().err
        finally:
            crypto.use_keys(active)
        return capsys.readouterr().out

    assert main(["migrate"]) == 0
    typed = "\n".join(["/breach", *LOST_SAFEGUARDING_PAPER, *DETAILS, "/quit", ""])
    env = program_env(DATABASE_URL=database_url)
    done = run_bot("console", "--as", "teacher@example.org", cwd=tmp_path, env=env, typed=typed)
    assert done.returncode == 0, done.stderr
    assert "Thank you. Breach #1 is recorded" in done.stdout

    exported = export("breaches")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == 1
    row = rows[0]
    assert row["reference"] == "Breach #1"
    assert row["what_happened"] == "Lost" and row["media"] == "Paper records"
    assert row["special_category_or_safeguarding"] == "yes"
    assert row["child_at_immediate_risk"] == "yes"
    assert row["subject_categories"] == "children (pupils), parents or carers"
    assert row["ico_decision"] == "undecided"
    assert "Alex" not in exported and "teacher@" not in exported

    assert json.loads(export("breaches", "--format", "json"))[0]["reference"] == "Breach #1"
    assert "logged" in export("breach-summary").splitlines()[0]
