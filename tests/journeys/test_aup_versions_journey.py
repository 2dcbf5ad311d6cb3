"""AUP versions and agreeing, once for every adapter: the Online Safety lead publishes a version
from chat (a bad field first), a new version asks a signed teacher again and keeps the old
signature, a question goes to the lead and the answer comes back through DMs that carry only
its number, and the training date is asked when the school turns it on."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from handlers.aup import versions
from handlers.context import Context
from storage.database import transaction
from storage.models import AupAcknowledgement, AupQuestion, School
from tests.journeys.chat import Chat

LEAD = "onlinesafety@example.org"
TEACHER = "teacher@example.org"
NEW_WORDING = "1. I keep my passwords private.\n2. I lock my screen when I leave my desk.\n"
PUBLISH = {
    "title": "Staff AUP 2026",
    "version": "2026.1",
    "text": NEW_WORDING,
    "url": "",
    "effective": "2026-11-24",
    "groups": ["teaching", "support"],
}
QUESTION = "Can I mark books on my own laptop at home?"
ANSWER = "Yes, if the laptop is encrypted and you declare the books with /offsite."


def publish_now(factory, school, clock, number: str = "2026.1") -> None:
    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock, "cli")
        versions.publish(
            ctx, number, "Staff AUP 2026", NEW_WORDING, None, clock().date(), ["teaching"]
        )


def test_the_lead_publishes_from_chat_after_fixing_a_field_and_staff_are_told_once(
    chat: Chat, factory, school, clock
):
    refused = chat.command("/aup publish")
    assert "only the" in refused and "recorded" in refused

    chat.as_person(LEAD)
    shown = chat.command("/aup publish")
    assert "Publish an AUP version" in shown
    too_early = chat.fill({**PUBLISH, "version": "2025.1", "effective": "2026-09-01"})
    assert "The effective date can be at most 31 days in the past" in too_early
    used = chat.fill({**PUBLISH, "version": "2025.1"})
    assert "Version 2025.1 is already published with different wording" in used
    assert "Who it applies to" in shown + too_early + used
    with factory() as session:
        assert session.scalars(select(AupAcknowledgement)).all() == []
    done = chat.fill(PUBLISH)
    assert "Published Staff AUP 2026 version 2026.1 for teaching staff and support staff" in done
    assert "effective Tue 24 Nov 2026. 10 people were asked to agree to it." in done

    chat.deliver()
    (told,) = [dm for dm in chat.dms(TEACHER) if "new Acceptable Use Policy" in dm.text]
    assert told.text == (
        "A new Acceptable Use Policy (version 2026.1, effective Tue 24 Nov) needs your agreement"
    )
    assert told.buttons == ("Read and agree",)
    assert "passwords" not in told.text


def test_a_new_version_asks_a_signed_teacher_again_and_keeps_the_old_signature(
    chat: Chat, factory, school, clock, staff
):
    chat.command("/aup")
    assert "was recorded on Tue 24 Nov 10:00" in chat.fill({"response": "agree"})

    clock.advance(hours=2)
    publish_now(factory, school, clock)
    chat.deliver()
    opened = chat.press("Read and agree")
    assert "Staff AUP 2026" in opened and "version 2026.1" in opened
    assert "lock my screen" in opened
    assert "was recorded on Tue 24 Nov 12:00" in chat.fill({"response": "agree"})

    with factory() as session:
        signed = session.scalars(
            select(AupAcknowledgement).order_by(AupAcknowledgement.acknowledged_at)
        ).all()
    assert [(a.person_id, a.version) for a in signed] == [
        (staff.id, "2025.1"),
        (staff.id, "2026.1"),
    ]
    ids = [a.interaction_id for a in signed]
    assert all(ids) and ids[0] != ids[1]  # each the platform's own id for that agreement
    assert {a.platform for a in signed} == {chat.platform}

    again = chat.command("/aup")
    assert "You agreed to Staff AUP 2026 (version 2026.1) on Tue 24 Nov 12:00" in again
    history = chat.command("/aup history")
    assert "Staff AUP 2026, version 2026.1 · Tue 24 Nov 12:00 · in Safekeep" in history
    assert "Staff Acceptable Use Policy, version 2025.1 · Tue 24 Nov 10:00" in history


def test_a_question_goes_to_the_lead_and_the_answer_comes_back_through_dms(
    chat: Chat, factory, staff
):
    chat.command("/aup")
    sent = chat.fill({"response": "question", "question": QUESTION})
    assert "Your question #1 was sent to the Online Safety lead" in sent

    chat.deliver()
    (asked,) = chat.dms(LEAD)
    assert asked.text == "AUP question #1 · version 2025.1 · waiting for your answer"
    assert asked.buttons == ("Answer",)

    chat.as_person("dsl@example.org")  # not the one who answers: no such button for them
    assert chat.dms("dsl@example.org") == []

    chat.as_person(LEAD)
    opened = chat.press("Answer")
    assert QUESTION in opened
    assert "Your answer to question #1 was sent" in chat.fill({"answer": ANSWER})

    chat.deliver()
    (answered,) = chat.dms(TEACHER)
    assert answered.text == "Your AUP question #1 was answered: open it"
    assert answered.buttons == ("Open the answer",)

    chat.as_person(TEACHER)
    shown = chat.press("Open the answer")
    assert QUESTION in shown and ANSWER in shown
    still = chat.command("/aup")
    assert "Nothing more to do" not in still and "Your response" in still

    with factory() as session:
        question = session.scalars(select(AupQuestion)).one()
        assert session.scalars(select(AupAcknowledgement)).all() == []
    assert (question.person_id, question.question, question.answer) == (staff.id, QUESTION, ANSWER)


def test_the_training_date_is_asked_with_the_agreement_when_the_school_turns_it_on(
    chat: Chat, factory, school
):
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.settings = {**row.settings, "aup_training_date": True}

    shown = chat.command("/aup")
    future = chat.fill({"response": "agree", "training_on": "2026-12-01"})
    assert "When did you complete this year's online-safety training?" in shown + future
    assert "can't be in the future" in future
    last_year = chat.fill({"response": "agree", "training_on": "2026-08-20"})
    assert "That is before this school year (it began Tue 1 Sep 2026)" in last_year
    done = chat.fill({"response": "agree", "training_on": "2026-09-03"})
    assert "was recorded on Tue 24 Nov 10:00" in done

    with factory() as session:
        ack = session.scalars(select(AupAcknowledgement)).one()
    assert ack.training_completed_on == date(2026, 9, 3)
    again = chat.command("/aup")
    assert "completing this year's online-safety training on Thu 3 Sep 2026" in again
