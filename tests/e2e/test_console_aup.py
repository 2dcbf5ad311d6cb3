"""/aup in the console beyond the shared journey (tests/journeys/): bad input, cancelling, who may
see the status, the real program, and a new version at midnight."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.aup import messages as msg
from storage.models import AuditEvent, AupAcknowledgement, AupQuestion
from tests.drivers.program import program_env, run_bot


def test_a_question_with_personal_data_is_refused_and_asked_again(console, factory):
    out = console.say(
        "/aup", "question", "Can I email jo.bloggs@example.org?", "Can I use my own laptop?"
    )
    assert "looks like it contains an email address" in out
    assert "Your question #1 was sent to the Online Safety lead" in out
    assert "Type 'I agree'" not in out  # a question is not an agreement
    with factory() as session:
        question = session.scalars(select(AupQuestion)).one()
        assert session.scalars(select(AupAcknowledgement)).all() == []
    assert question.question == "Can I use my own laptop?"


def test_cancelling_the_aup_saves_nothing(console, factory):
    out = console.say("/aup", "/cancel")
    assert "Cancelled: nothing was saved." in out
    with factory() as session:
        assert session.scalars(select(AupAcknowledgement)).all() == []


def test_aup_status_is_only_for_leads_and_refusals_are_audited(console, factory):
    refused = console.say("/aup status")
    assert "only the" in refused and "recorded" in refused
    console.act_as("onlinesafety@example.org")
    assert "version 2025.1: 0 of 6 signed" in console.say("/aup status")
    with factory() as session:
        refusal = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.refused")
        ).one()
    assert refusal.details == {"permission": "aup.status"}


def test_the_console_program_starts_on_a_fresh_database_and_records_an_agreement(tmp_path):
    """`make run` as a real program: migrate, then the console with typed input."""
    env = program_env(DATABASE_URL=f"sqlite:///{tmp_path / 'safekeep.db'}")
    assert run_bot("migrate", cwd=tmp_path, env=env).returncode == 0
    done = run_bot(cwd=tmp_path, env=env, typed="/help\n/aup\nagree\nI agree\n/aup\n/quit\n")
    assert done.returncode == 0, done.stderr
    assert "Safekeep console: Demo Primary School" in done.stdout
    assert "Alex Teacher> " in done.stdout
    assert "was recorded on" in done.stdout
    assert "Nothing more to do" in done.stdout
    assert (tmp_path / "safekeep.key").exists()


def test_a_new_version_becomes_current_at_midnight_london_time(console, factory, school, clock):
    """In summer London is an hour ahead of UTC: at 00:30 BST it is already the new day."""
    from datetime import date

    from handlers.aup import versions as aup
    from handlers.context import Context
    from storage.database import transaction
    from storage.models import School
    from tests.conftest import london

    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock)
        aup.publish_version(ctx, "2026.2", "Staff AUP 2026", "New wording.", None, date(2026, 6, 1))
    clock.set(london(2026, 6, 1, 0, 30))  # 31 May 23:30 UTC
    assert "version 2026.2" in console.say("/aup", "/cancel")


def test_enter_at_the_question_does_not_record_an_agreement(console, factory):
    """A consent record needs an explicit "I agree": Enter, or anything else, is not one."""
    out = console.say("/aup", "", "agree", "", "ok", "/cancel")
    assert msg.RESPONSE_MISSING in out
    assert "I have read, understood and agree to abide by the Staff Acceptable Use Policy, " in out
    assert "version 2025.1." in out
    assert out.count("Nothing is recorded until you type 'I agree'") == 2
    assert "Cancelled: nothing was saved." in out
    with factory() as session:
        assert session.scalars(select(AupAcknowledgement)).all() == []


@pytest.mark.parametrize("words", ["I agree", "agree", "yes", "I AGREE."])
def test_typing_i_agree_at_the_confirmation_records_the_agreement(console, factory, words):
    out = console.say("/aup", "agree", words)
    assert "was recorded on" in out
    with factory() as session:
        ack = session.scalars(select(AupAcknowledgement)).one()
    assert ack.version == "2025.1" and ack.platform == "console"


@pytest.mark.parametrize("at_question", [True, False])
def test_a_command_typed_in_the_aup_dialog_is_run_and_never_stored(console, factory, at_question):
    answers = ("/whoami",) if at_question else ("agree", "/whoami")
    out = console.say("/aup", *answers)
    assert 'You left "Acceptable Use Policy" to run /whoami: nothing was saved from it.' in out
    assert "You are Alex Teacher <teacher@example.org>." in out
    with factory() as session:
        assert session.scalars(select(AupAcknowledgement)).all() == []


def test_quit_typed_in_a_dialog_leaves_it_and_the_console(console, factory):
    console.lines.extend(["/aup", "Can I use my own laptop?", "/quit"])
    console.app.run()
    out = "\n".join(console.output)
    assert 'You left "Acceptable Use Policy" to run /quit: nothing was saved from it.' in out
    assert not console.lines
    with factory() as session:
        assert session.scalars(select(AupAcknowledgement)).all() == []
