"""Honest outcomes under database faults: when a commit fails, the person is told what the
database holds (saved, not saved, or not known yet), and sending the same dialog again never
records anything twice.

The faults are SQLAlchemy session events on the real database: ``after_commit`` raising is a
commit that reached the database but whose answer was lost (the connection dropped just after);
``before_commit`` raising is one that never got there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.turn import take_turn_sync
from handlers import people, routes
from handlers.errors import SORRY
from handlers.replies import Ask, Reply, Say
from storage.models import Incident, OffsiteDeclaration, Person, School
from tests.handlers.breach_steps import DETAILS, LOST_LAPTOP
from tests.handlers.test_offsite_steps import details

TEACHER = "teacher@example.org"
LOST = OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))


def turn(
    factory: sessionmaker[Session], clock, school: School, call, email: str = TEACHER
) -> Reply:
    """One turn as an adapter takes it (bot/turn.py), as the class teacher unless told."""

    def locate(session: Session) -> tuple[School, Person | None]:
        row = session.get_one(School, school.id)
        return row, people.find_by_email(session, school.id, email)

    return take_turn_sync(factory, clock, "console", locate, call, lambda: None)


def fail_commit_once(factory: sessionmaker[Session], when: str, then: Callable | None = None):
    def boom(session: Session) -> None:
        if then is not None:
            then()
        raise LOST

    event.listen(factory, when, boom, once=True)


def incidents(factory) -> list[Incident]:
    with factory() as session:
        return list(session.scalars(select(Incident).order_by(Incident.id)))


def opened_report(factory, clock, school) -> dict[str, Any]:
    """The breach dialog as opened: its state carries the idempotency token."""
    opened = turn(factory, clock, school, routes.command("breach"))
    assert isinstance(opened, Ask) and opened.form.state["token"]
    return dict(opened.form.state)


def test_a_commit_that_reached_the_database_is_reported_as_saved(factory, clock, school):
    state = opened_report(factory, clock, school)
    fail_commit_once(factory, "after_commit")
    reply = turn(factory, clock, school, routes.submit("breach.report", LOST_LAPTOP, state))
    (stored,) = incidents(factory)
    assert isinstance(reply, Ask), reply  # step two, as if nothing had gone wrong
    assert f"#{stored.number}" in (reply.form.intro or "")
    assert "nothing was saved" not in (reply.form.intro or "")


def test_a_commit_that_never_reached_the_database_says_nothing_was_saved(factory, clock, school):
    state = opened_report(factory, clock, school)
    fail_commit_once(factory, "before_commit")
    reply = turn(factory, clock, school, routes.submit("breach.report", LOST_LAPTOP, state))
    assert isinstance(reply, Say) and reply.text == SORRY
    assert incidents(factory) == []
    again = turn(factory, clock, school, routes.submit("breach.report", LOST_LAPTOP, state))
    assert isinstance(again, Ask)
    assert len(incidents(factory)) == 1


def test_when_the_database_cannot_say_the_person_is_told_so_and_sending_again_finds_the_report(
    factory, clock, school
):
    state = opened_report(factory, clock, school)

    def and_then_silence() -> None:
        event.listen(factory, "do_orm_execute", raise_lost, once=True)

    fail_commit_once(factory, "after_commit", and_then_silence)
    reply = turn(factory, clock, school, routes.submit("breach.report", LOST_LAPTOP, state))
    assert isinstance(reply, Say), reply
    assert "could not confirm whether that was saved" in reply.text
    assert "nothing was saved" not in reply.text
    (stored,) = incidents(factory)  # it was, in fact, saved
    again = turn(factory, clock, school, routes.submit("breach.report", LOST_LAPTOP, state))
    assert isinstance(again, Ask) and f"#{stored.number}" in (again.form.intro or "")
    assert len(incidents(factory)) == 1, "the retry found the report, and made no second one"


def raise_lost(*args: Any) -> None:
    raise LOST


def test_a_failed_second_step_says_the_report_is_recorded_and_the_rest_is_not(
    factory, clock, school
):
    state = opened_report(factory, clock, school)
    step_two = turn(factory, clock, school, routes.submit("breach.report", LOST_LAPTOP, state))
    assert isinstance(step_two, Ask)
    fail_commit_once(factory, "before_commit")
    reply = turn(
        factory, clock, school, routes.submit(step_two.form.id, DETAILS, step_two.form.state)
    )
    (stored,) = incidents(factory)
    assert isinstance(reply, Say)
    assert f"Your report Breach #{stored.number} was recorded; the rest was not saved" in reply.text
    assert stored.discovered_at is None and stored.location is None  # indeed not saved


def test_a_declaration_sent_again_after_a_lost_answer_is_recorded_once(factory, clock, school):
    opened = turn(factory, clock, school, routes.command("offsite"))
    assert isinstance(opened, Ask) and opened.form.state.get("token")
    what = {"categories": ["planning"], "format": "paper"}
    step = turn(factory, clock, school, routes.submit(opened.form.id, what, opened.form.state))
    assert isinstance(step, Ask)
    answers = details("2026-11-25")
    fail_commit_once(factory, "after_commit")
    first = turn(factory, clock, school, routes.submit(step.form.id, answers, step.form.state))
    again = turn(factory, clock, school, routes.submit(step.form.id, answers, step.form.state))
    with factory() as session:
        count = session.scalar(select(func.count(OffsiteDeclaration.id)))
        number = session.scalar(select(OffsiteDeclaration.id))
    assert count == 1
    for reply in (first, again):
        assert isinstance(reply, Say) and f"#{number}" in reply.text, reply


@pytest.mark.parametrize("when", ["before_commit", "after_commit"])
def test_what_the_person_is_told_matches_the_database(factory, clock, school, when):
    state = opened_report(factory, clock, school)
    fail_commit_once(factory, when)
    reply = turn(factory, clock, school, routes.submit("breach.report", LOST_LAPTOP, state))
    told_saved = isinstance(reply, Ask)
    assert told_saved == bool(incidents(factory))


def test_an_aup_question_sent_again_after_a_lost_answer_is_asked_once(factory, clock, school):
    from handlers.aup.agree import QUESTION
    from storage.models import AupQuestion

    opened = turn(factory, clock, school, routes.command("aup"))
    assert isinstance(opened, Ask) and opened.form.state.get("token")
    answers = {"response": QUESTION, "question": "Does it cover my own tablet?"}
    fail_commit_once(factory, "after_commit")
    replies = [
        turn(factory, clock, school, routes.submit(opened.form.id, answers, opened.form.state))
        for _ in range(2)
    ]
    with factory() as session:
        (asked,) = session.scalars(select(AupQuestion)).all()
    for reply in replies:
        assert isinstance(reply, Say) and f"#{asked.id}" in reply.text, reply


def test_an_exemption_sent_again_after_a_lost_answer_is_recorded_once(factory, clock, school):
    from storage.models import AupExemption

    lead = "onlinesafety@example.org"
    opened = turn(factory, clock, school, routes.command("aup", "exempt"), lead)
    assert isinstance(opened, Ask) and opened.form.state.get("token")
    answers = {"email": "ta@example.org", "reason": "Long-term absence.", "until": "2027-01-29"}
    fail_commit_once(factory, "after_commit")
    replies = [
        turn(
            factory, clock, school, routes.submit(opened.form.id, answers, opened.form.state), lead
        )
        for _ in range(2)
    ]
    with factory() as session:
        (exemption,) = session.scalars(select(AupExemption)).all()
    assert exemption.ended_at is None
    for reply in replies:
        assert isinstance(reply, Say) and reply.done, reply
