"""Free text is screened in every adapter: a probable name asks for initials and may be kept
as written with a leading "!"; a pupil number, email or phone number never may. A police
crime reference is screened as a reference."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Incident
from tests.handlers.breach_steps import LOST_LAPTOP
from tests.journeys.chat import Chat

DETAILS = {
    "occurred_at": None,
    "discovered_at": "2026-11-24 09:45",
    "location": "transport",
    "description": "Left the marking on the train.",
    "actions_taken": None,
    "police_ref": None,
}


def reported(chat: Chat) -> None:
    chat.command("/breach")
    chat.fill(LOST_LAPTOP)


def stored(factory) -> Incident:
    with factory() as session:
        return session.scalars(select(Incident)).one()


def test_a_name_asks_for_initials_and_nothing_is_stored(chat: Chat, factory):
    reported(chat)
    shown = chat.fill({**DETAILS, "description": "Marking for Emily Smith in Y4, left on a bus"})
    assert "looks like it contains a name ('Emily Smith')" in shown
    assert "Use initials instead, e.g. 'E.S.'" in shown
    assert "put ! at the start to keep it as written" in shown
    assert stored(factory).description is None

    thanks = chat.fill({**DETAILS, "description": "Marking for E.S. in Y4, left on a bus"})
    assert "Breach #1 is recorded" in thanks
    assert stored(factory).description == "Marking for E.S. in Y4, left on a bus"


def test_a_place_taken_for_a_name_is_kept_as_written_after_a_leading_mark(chat: Chat, factory):
    reported(chat)
    place = "Dropped at Hadley Wood on the way home"
    assert "a name ('Hadley Wood')" in chat.fill({**DETAILS, "description": place})
    thanks = chat.fill({**DETAILS, "description": "!" + place})
    assert "Breach #1 is recorded" in thanks
    assert stored(factory).description == place


def test_a_pupil_number_email_or_phone_number_cannot_be_kept_with_the_mark(chat: Chat, factory):
    reported(chat)
    for text, what in (
        ("!The sheet with A123456789012 was on the train", "a pupil number (UPN)"),
        ("!Sent to jo.bloggs@example.org by mistake", "an email address"),
        ("!The parent's number 07700 900123 was on it", "a phone number"),
    ):
        shown = chat.fill({**DETAILS, "description": text})
        assert f"This looks like it contains {what}." in shown, text
    assert stored(factory).description is None


def test_the_police_crime_reference_is_screened_as_a_reference(chat: Chat, factory):
    reported(chat)
    for text, what in (
        ("PC Jones", "a name"),
        ("Emily Smith", "a name"),
        ("jo.bloggs@example.org", "an email address"),
        ("07700 900123", "a phone number"),
    ):
        shown = chat.fill({**DETAILS, "police_ref": text})
        assert f"This looks like it contains {what}" in shown, text
    thanks = chat.fill({**DETAILS, "police_ref": "CR/0123456789/26"})
    assert "Breach #1 is recorded" in thanks
    assert stored(factory).police_ref == "CR/0123456789/26"
