"""The rules of publishing an AUP version, agreeing, and questions: who may, what is refused
at which field, who is told (once, by number only), and what is stored."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from handlers import routes
from handlers.aup import versions
from handlers.aup.agree import school_year_start
from handlers.context import Context
from handlers.forms import FormErrors
from handlers.replies import Ask, Invalid, Say
from storage.database import transaction
from storage.models import (
    AuditEvent,
    AupAcknowledgement,
    AupQuestion,
    OutboxMessage,
    Person,
    School,
)
from tests.handlers.test_offsite_steps import act

LEAD, TEACHER, HEAD = "onlinesafety@example.org", "teacher@example.org", "head@example.org"


def problems(factory, school, clock, **change) -> dict[str, str]:
    given = {
        "number": "2026.1",
        "title": "Staff AUP 2026",
        "text": "New wording.",
        "url": None,
        "effective": clock().date(),
        "groups": ["teaching"],
        **change,
    }
    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock, "cli")
        return versions.publish_problems(ctx, **given)


def outbox(factory) -> list[OutboxMessage]:
    with factory() as session:
        return list(session.scalars(select(OutboxMessage)))


def test_a_version_number_in_use_with_other_wording_or_groups_is_refused_at_the_version(
    factory, school, clock
):
    assert problems(factory, school, clock) == {}
    found = problems(factory, school, clock, number="2025.1")
    assert list(found) == ["version"] and "already published" in found["version"]
    demo = problems(factory, school, clock, number="2025.1", title="Staff Acceptable Use Policy")
    assert "version" in demo  # the demo's own number, with other wording and groups


def test_the_effective_date_may_be_a_month_back_at_most(factory, school, clock):
    today = clock().date()
    assert problems(factory, school, clock, effective=today - timedelta(days=31)) == {}
    late = problems(factory, school, clock, effective=today - timedelta(days=32))
    assert "at most 31 days in the past (from Sat 24 Oct 2026)" in late["effective"]


def test_groups_text_and_link_are_checked(factory, school, clock):
    assert "at least one group" in problems(factory, school, clock, groups=[])["groups"]
    assert "'staff' is not a group" in problems(factory, school, clock, groups=["staff"])["groups"]
    assert "https://" in problems(factory, school, clock, url="www.example.org")["url"]
    assert "wording" in problems(factory, school, clock, text="  ")["text"]
    assert problems(factory, school, clock, text="", url="https://example.org/aup") == {}


def test_only_leads_may_publish_and_a_refusal_is_audited(factory, school, clock):
    refused = act(factory, clock, TEACHER, routes.command("aup", "publish"))
    assert isinstance(refused, Say) and "Online Safety lead" in refused.text
    assert isinstance(act(factory, clock, LEAD, routes.command("aup", "publish")), Ask)
    with factory() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "access.refused"))
        assert [e.details for e in event] == [{"permission": "aup.publish"}]


def test_a_version_for_support_staff_tells_only_them_once_with_no_wording(factory, school, clock):
    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock, "cli")
        done = versions.publish(
            ctx, "2026.S1", "Support AUP", "Secret wording.", None, clock().date(), ["support"]
        )
        again = versions.publish(
            ctx, "2026.S1", "Support AUP", "Secret wording.", None, clock().date(), ["support"]
        )
        assert versions.tell_people(ctx, done.version) == 0  # its ledger key is used
    assert (done.new, done.told, again.new, again.told) == (True, 4, False, 0)
    rows = outbox(factory)
    with factory() as session:
        groups = {session.get_one(Person, r.recipient_id).role_group for r in rows}
    assert (len(rows), groups) == (4, {"support"})
    sent = json.dumps([r.payload for r in rows])
    assert "Secret" not in sent and "2026.S1" in sent


def test_a_version_not_yet_in_force_is_left_to_the_campaign(factory, school, clock):
    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock, "cli")
        later = clock().date() + timedelta(days=40)
        done = versions.publish(ctx, "2027.1", "AUP 2027", "Wording.", None, later, ["teaching"])
    assert (done.new, done.told) == (True, 0)
    assert outbox(factory) == []


def test_refused_answers_raise_field_errors_and_nothing_is_published(factory, school, clock):
    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock, "cli")
        with pytest.raises(FormErrors) as caught:
            versions.publish(ctx, "2026.1", "T", "W", None, date(2020, 1, 1), [])
    assert set(caught.value.errors) == {"effective", "groups"}


def test_a_question_typed_beside_i_agree_is_pointed_out_not_lost(factory, school, clock):
    form = act(factory, clock, TEACHER, routes.command("aup"))
    assert isinstance(form, Ask)
    raw = {"response": "agree", "question": "Can I use my own laptop?"}
    refused = act(factory, clock, TEACHER, routes.submit("aup.agree", raw, form.form.state))
    assert isinstance(refused, Invalid)
    assert 'choose "I have a question"' in refused.errors["question"]
    with factory() as session:
        assert session.scalars(select(AupAcknowledgement)).all() == []


def test_only_the_lead_answers_and_only_the_asker_opens_the_answer(factory, school, clock):
    form = act(factory, clock, TEACHER, routes.command("aup"))
    assert isinstance(form, Ask)
    raw = {"response": "question", "question": "May I use a USB stick?"}
    act(factory, clock, TEACHER, routes.submit("aup.agree", raw, form.form.state))
    (dm,) = outbox(factory)
    assert "USB" not in json.dumps(dm.payload)

    teacher_tries = act(factory, clock, TEACHER, routes.press("aup.answer", "1"))
    assert isinstance(teacher_tries, Say) and "only the" in teacher_tries.text
    opened = act(factory, clock, LEAD, routes.press("aup.answer", "1"))
    assert isinstance(opened, Ask) and "May I use a USB stick?" in (opened.form.intro or "")
    answer = {"answer": "Only an encrypted one from the IT lead."}
    done = act(factory, clock, LEAD, routes.submit("aup.answer", answer, {"question_id": 1}))
    assert isinstance(done, Say) and done.done
    twice = act(factory, clock, HEAD, routes.submit("aup.answer", answer, {"question_id": 1}))
    assert isinstance(twice, Say) and "already answered on Tue 24 Nov 10:00" in twice.text
    told = [m for m in outbox(factory) if "answered" in json.dumps(m.payload)]
    assert len(told) == 1 and "encrypted" not in json.dumps(told[0].payload)

    nosy = act(factory, clock, LEAD, routes.press("aup.answer_open", "1"))
    assert isinstance(nosy, Say) and "isn't yours" in nosy.text
    mine = act(factory, clock, TEACHER, routes.press("aup.answer_open", "1"))
    assert isinstance(mine, Say) and "Only an encrypted one" in mine.text
    with factory() as session:
        question = session.scalars(select(AupQuestion)).one()
    assert question.answered_by_id is not None and question.answer == answer["answer"]


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (date(2026, 11, 24), date(2026, 9, 1)),
        (date(2027, 2, 10), date(2026, 9, 1)),
        (date(2026, 9, 1), date(2026, 9, 1)),
        (date(2026, 8, 31), date(2025, 9, 1)),
    ],
)
def test_the_school_year_begins_on_1_september(today, start):
    assert school_year_start(today) == start
