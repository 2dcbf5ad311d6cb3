"""Online-safety concern journeys, once for every adapter: each kind reaches exactly the right
people (never with the detail), the reporter's guidance in and out of school hours, escalation
with a frozen clock, acknowledgement from the DM, the lead's record, the log and the export."""

from __future__ import annotations

import json

from sqlalchemy import select

from handlers import registers
from handlers.context import Context
from schedules import sweeps
from storage.database import transaction
from storage.models import AuditEvent, Concern, School
from tests.conftest import london
from tests.journeys.chat import Chat, Dm

TEACHER, HEAD, DSL, DEPUTY = (
    "teacher@example.org",
    "head@example.org",
    "dsl@example.org",
    "deputy@example.org",
)
DPO, IT_LEAD, ONLINE_SAFETY, CHAIR = (
    "dpo@example.org",
    "it@example.org",
    "onlinesafety@example.org",
    "chair@example.org",
)
EVERYONE = (TEACHER, HEAD, DSL, DEPUTY, DPO, IT_LEAD, ONLINE_SAFETY, CHAIR)


def concern_dms(chat: Chat, email: str) -> list[Dm]:
    return [dm for dm in chat.dms(email) if "Concern #1" in dm.text]


def told(chat: Chat) -> set[str]:
    """Everyone who has had a DM about Concern #1."""
    return {email for email in EVERYONE if concern_dms(chat, email)}


def report(chat: Chat, kind: str, answers: dict[str, object]) -> tuple[str, str]:
    """Report a concern as the teacher: what step two shows, and the thanks."""
    chat.as_person(TEACHER)
    chat.command("/concern")
    step_two = chat.fill({"kind": kind})
    return step_two, chat.fill(answers)


def sweep(factory, clock) -> int:
    return sweeps.run_all(factory, clock, only="concern_clock")


def test_a_pupil_concern_reaches_the_dsl_and_deputies_escalates_and_is_acknowledged(
    chat: Chat, factory, clock, dsl
):
    step_two, thanks = report(chat, "pupil", {"sub_kind": "grooming"})
    assert "If a child is in immediate danger, call 999" in step_two
    assert "If a child is in immediate danger, call 999" in thanks
    assert "Concern #1 is recorded (reported Tue 24 Nov 10:00)" in thanks
    assert "The DSL and the deputy DSLs have been told" in thanks
    assert "Now record what you saw and did in CPOMS: https://demo.example.org/cpoms" in thanks
    assert "outside school hours" not in thanks

    chat.deliver()
    assert told(chat) == {DSL, DEPUTY}
    for email in (DSL, DEPUTY):
        (alert,) = concern_dms(chat, email)
        assert alert.text.startswith(
            "Concern #1 · about a pupil online · reported Tue 24 Nov 10:00 · please acknowledge"
        )
        assert alert.buttons[:2] == ("Acknowledge", "Open")
        assert "groom" not in alert.text.lower() and "Alex" not in alert.text

    clock.advance(minutes=29)
    assert sweep(factory, clock) == 0
    clock.advance(minutes=1)
    assert sweep(factory, clock) == 2  # the deputy and the Headteacher
    chat.deliver()
    for email in (DEPUTY, HEAD):
        (escalation,) = [dm for dm in chat.dms(email) if dm.text.startswith("Escalation")]
        assert "nobody has acknowledged Concern #1 (about a pupil online)" in escalation.text
    assert not [dm for dm in chat.dms(DSL) if dm.text.startswith("Escalation")]

    chat.as_person(DSL)
    acknowledged = chat.press("Acknowledge")
    assert "you are handling Concern #1 (acknowledged Tue 24 Nov 10:30)" in acknowledged
    with factory() as session:
        concern = session.scalars(select(Concern)).one()
    assert (concern.acknowledged_by_id, concern.status) == (dsl.id, "acknowledged")
    assert concern.note is None  # a pupil concern keeps no free text
    clock.advance(days=1)
    assert sweep(factory, clock) == 0


def test_out_of_hours_the_reporter_is_told_what_to_do_and_escalation_waits_for_monday(
    chat: Chat, factory, clock
):
    clock.set(london(2026, 11, 28, 21, 0))  # Saturday evening
    _, thanks = report(chat, "pupil", {"sub_kind": "nudes"})
    assert "call 999" in thanks
    assert "the DSL may not see this until the next school day (Mon 30 Nov)" in thanks
    assert "call the local children's social care team on 020 7946 0123" in thanks

    chat.deliver()  # the DM still goes at once
    assert told(chat) == {DSL, DEPUTY}
    assert "reported out of school hours" in concern_dms(chat, DSL)[0].text

    clock.set(london(2026, 11, 29, 12, 0))
    assert sweep(factory, clock) == 0
    clock.set(london(2026, 11, 30, 8, 0))
    assert sweep(factory, clock) == 2
    assert sweep(factory, clock) == 0  # never twice


def test_a_filtering_failure_reaches_the_online_safety_and_it_leads(chat: Chat, clock):
    step_two, thanks = report(
        chat,
        "filtering",
        {"sub_kind": "not_blocked", "illegal_material": "no", "note": "A gaming site in Y5."},
    )
    assert "Do not screenshot" in step_two
    assert "The Online Safety lead and the IT lead have been told" in thanks
    chat.deliver()
    assert told(chat) == {ONLINE_SAFETY, IT_LEAD}
    (alert,) = concern_dms(chat, IT_LEAD)
    assert "gaming" not in alert.text


def test_suspected_illegal_material_tells_the_dsl_too_and_warns_against_forwarding(
    chat: Chat, factory
):
    _, thanks = report(
        chat,
        "filtering",
        # A modal sends the note anyway: it is dropped, never stored.
        {"sub_kind": "not_blocked", "illegal_material": "unsure", "note": "A site in Y5."},
    )
    assert "Do not screenshot, copy or forward it" in thanks
    assert "the IT lead and the DSL have been told" in thanks
    chat.deliver()
    assert told(chat) == {ONLINE_SAFETY, IT_LEAD, DSL}
    for email in told(chat):
        (alert,) = concern_dms(chat, email)
        assert "possible illegal material: do not screenshot or forward" in alert.text
    with factory() as session:
        assert session.scalars(select(Concern)).one().note is None


def test_misuse_by_an_adult_reaches_the_headteacher_and_the_dpo(chat: Chat):
    _, thanks = report(
        chat,
        "adult",
        {
            "about_headteacher": "no",
            "child_affected": "no",
            "harm_threshold": "no",
            "note": "Personal shopping on a school laptop.",
        },
    )
    assert "The Headteacher and the DPO have been told" in thanks
    chat.deliver()
    assert told(chat) == {HEAD, DPO}


def test_a_concern_about_the_headteacher_reaches_the_chair_and_never_the_headteacher(
    chat: Chat, factory, clock, head
):
    _, thanks = report(
        chat,
        "adult",
        {
            "about_headteacher": "yes",
            "child_affected": "yes",
            "harm_threshold": "yes",
            "note": "Something about the head.",
        },
    )
    assert "The chair of governors, the DPO and the DSL have been told" in thanks
    assert "the chair of governors will consult the LADO" in thanks
    chat.deliver()
    assert told(chat) == {CHAIR, DPO, DSL}
    (alert,) = concern_dms(chat, CHAIR)
    assert "concerns the Headteacher" in alert.text
    assert "may meet the harm threshold: consult the LADO by Wed 25 Nov" in alert.text
    with factory() as session:
        assert session.scalars(select(Concern)).one().note is None  # no free text is kept

    chat.as_person(HEAD)
    refused = chat.command("/concern open 1")
    assert "handled by someone else" in refused
    assert "Concern #1" not in chat.command("/concern log")
    with factory() as session:
        (refusal,) = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.refused")
        ).all()
    assert (refusal.actor_id, refusal.subject) == (head.id, "concern:1")

    clock.set(london(2026, 11, 25, 8, 0))  # the next working day
    assert sweep(factory, clock) >= 1
    chat.deliver()
    (reminder,) = [dm for dm in chat.dms(CHAIR) if dm.text.startswith("Reminder")]
    assert "consult the LADO today (Wed 25 Nov)" in reminder.text
    assert not [dm for dm in chat.dms(HEAD) if "Concern #1" in dm.text]


def test_pupil_misuse_of_a_device_reaches_the_online_safety_lead_the_next_school_day(
    chat: Chat, clock
):
    _, thanks = report(chat, "device", {"note": "Y6 pupil used a friend's login."})
    assert "The Online Safety lead will be told on the next school day (Wed 25 Nov)" in thanks
    chat.deliver()
    assert told(chat) == set()
    clock.set(london(2026, 11, 25, 8, 0))
    chat.deliver()
    assert told(chat) == {ONLINE_SAFETY}


def test_the_dsl_records_the_outcome_and_the_log_and_export_show_it(
    chat: Chat, factory, clock, school
):
    report(chat, "pupil", {"sub_kind": "cyberbullying"})
    chat.deliver()
    clock.advance(minutes=12)
    chat.as_person(DSL)
    opened = chat.press("Open")
    assert "Concern #1 · about a pupil online (cyber-bullying)" in opened
    assert "reported Tue 24 Nov 10:00 by Alex Teacher" in opened
    assert "Tue 24 Nov 10:12 acknowledged (Riley Safeguard)" in opened  # opening acknowledges

    refused = chat.fill(
        {"outcomes": ["recorded", "parents_told"], "system_ref": "", "close": "yes"}
    )
    assert "Give the reference in CPOMS" in refused
    with factory() as session:
        assert session.scalars(select(Concern)).one().outcomes == []
    saved = chat.fill(
        {
            "system_ref": "CP-1234",
            "outcomes": ["recorded", "parents_told"],
            "parents_told_by": "dsl",
            "parents_told_on": "2026-11-24",
            "actions": "Spoke with the family; screenshots kept by the DSL.",
            "close": "yes",
        }
    )
    assert "Concern #1 is closed" in saved

    log = chat.command("/concern log")
    assert "Concern #1 · about a pupil online (cyber-bullying)" in log
    assert "handled by Riley Safeguard (acknowledged after 12 min)" in log
    assert "recorded in the safeguarding system, parents or carers informed" in log

    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock, "cli")
        (row,) = registers.export(ctx, "concerns").as_dicts()
    assert row["reference"] == "Concern #1"
    assert row["minutes_to_acknowledge"] == 12
    assert row["safeguarding_system_reference"] == "CP-1234"
    assert row["status"] == "closed" and row["parents_told_on"] == "2026-11-24"
    with factory() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
        details = [e.details for e in session.scalars(select(AuditEvent))]
    assert "concern.opened" in actions and "concern.closed" in actions
    assert "CP-1234" not in json.dumps(details) and "family" not in json.dumps(details)


def test_a_teacher_is_refused_the_log_and_the_concern_and_the_refusals_are_audited(
    chat: Chat, factory, staff
):
    report(chat, "pupil", {"sub_kind": "other"})
    assert "only the" in chat.command("/concern log")
    assert "only the" in chat.command("/concern open 1")
    with factory() as session:
        refusals = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.refused")
        ).all()
    assert [(r.actor_id, r.subject) for r in refusals] == [
        (staff.id, "concern:log"),
        (staff.id, "concern:1"),
    ]


def test_screening_refuses_a_childs_name_and_date_of_birth(chat: Chat, factory):
    chat.as_person(TEACHER)
    chat.command("/concern")
    chat.fill({"kind": "device"})
    shown = chat.fill({"note": "Emily Smith, born 03/07/2015, used a teacher's login."})
    assert "name" in shown or "date of birth" in shown
    with factory() as session:
        assert session.scalars(select(Concern)).all() == []
    thanks = chat.fill({"note": "E.S. in Y6 used a teacher's login."})
    assert "Concern #1 is recorded" in thanks
