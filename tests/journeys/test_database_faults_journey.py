"""Database faults, once for every adapter: a report whose commit reached the database but whose
answer was lost shows the person their Breach number and is stored once; a second step that
was not saved is answered with what is known."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from storage import audit
from storage.models import Incident
from tests.handlers.breach_steps import LOST_LAPTOP
from tests.journeys.chat import Chat
from tests.journeys.test_breach_journey import DETAILS


def fail_the_commit_storing(factory, when: str, action: str) -> list[bool]:
    """Fail, once, the commit of the request that audits ``action`` (breach.reported, the first
    step; breach.details_added, the second): before it reaches the database, or after (the
    answer lost on the way back). The list returned records that it did."""
    fired: list[bool] = []

    def boom(session: Session) -> None:
        if action not in audit.appended_actions(session) or fired:
            return
        fired.append(True)
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    event.listen(factory, when, boom)
    return fired


def stored(factory) -> list[Incident]:
    with factory() as session:
        return list(session.scalars(select(Incident)))


def test_a_report_whose_answer_was_lost_shows_its_number_and_is_stored_once(chat: Chat, factory):
    chat.command("/breach")
    fired = fail_the_commit_storing(factory, "after_commit", "breach.reported")
    step_two = chat.fill(LOST_LAPTOP)
    assert fired
    assert "Breach #1 is recorded" in step_two
    assert "nothing was saved" not in step_two
    thanks = chat.fill(DETAILS)
    assert "Breach #1" in thanks
    (incident,) = stored(factory)
    assert incident.location == "transport"


def test_a_second_step_that_was_not_saved_says_the_report_is_recorded_and_the_rest_is_not(
    chat: Chat, factory
):
    chat.command("/breach")
    chat.fill(LOST_LAPTOP)
    fired = fail_the_commit_storing(factory, "before_commit", "breach.details_added")
    told = chat.fill(DETAILS)
    assert fired
    assert "Your report Breach #1 was recorded; the rest was not saved" in told
    (incident,) = stored(factory)
    assert incident.location is None
