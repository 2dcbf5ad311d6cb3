"""Case-by-case approval: who may answer, first answer wins, reasons, and lapsing on the spot."""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import select

from handlers import admin, people, routes
from handlers.context import Context
from handlers.offsite import approval as offsite_approval
from handlers.replies import Ask, Invalid, Say
from schedules import offsite_chasers
from schedules.sweeps import run_all
from storage.database import transaction
from storage.models import OutboxMessage, School
from tests.conftest import london
from tests.drivers.concurrency import second_waits_for_first
from tests.handlers.test_offsite_steps import (
    SEND_ON_PAPER,
    act,
    audit_actions,
    audit_events,
    declarations,
    declare,
    outbox,
)

TEACHER = "teacher@example.org"
HEAD = "head@example.org"
DSL = "dsl@example.org"
TOMORROW = date(2026, 11, 25)


def grant(factory, clock, school, email: str, role: str) -> None:
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        person = people.find_by_email(session, school.id, email)
        admin.grant_role(Context(session, row, None, clock), person, role)


def approval_ids(factory) -> list[int]:
    (decl,) = declarations(factory)
    return [a.id for a in decl.approvals]


def test_only_the_approver_it_was_sent_to_can_answer(factory, clock, school):
    declare(factory, clock, TEACHER, SEND_ON_PAPER, TOMORROW)
    (approval,) = approval_ids(factory)

    refused = act(factory, clock, DSL, routes.press("offsite.approve", str(approval)))
    assert isinstance(refused, Say) and "only the" in refused.text
    assert audit_events(factory, "access.refused")[0].details == {"permission": "offsite.approve"}

    own = act(factory, clock, TEACHER, routes.press("offsite.approve", str(approval)))
    assert isinstance(own, Say) and "only the" in own.text
    (decl,) = declarations(factory)
    assert decl.status == "pending"


def test_with_two_approvers_the_first_answer_decides_and_closes_the_other(factory, clock, school):
    grant(factory, clock, school, DSL, "approver")
    declare(factory, clock, TEACHER, SEND_ON_PAPER, TOMORROW)
    head_approval, dsl_approval = approval_ids(factory)
    assert [to for to, _ in outbox(factory)] == [HEAD, DSL]

    not_yours = act(factory, clock, DSL, routes.press("offsite.approve", str(head_approval)))
    assert isinstance(not_yours, Say) and "sent to someone else" in not_yours.text

    done = act(factory, clock, DSL, routes.press("offsite.approve", str(dsl_approval)))
    assert isinstance(done, Say) and done.text.startswith("Approved")
    late = act(factory, clock, HEAD, routes.press("offsite.decline", str(head_approval)))
    assert isinstance(late, Say) and "answered by another approver" in late.text

    (decl,) = declarations(factory)
    assert decl.status == "out"
    assert [a.decision for a in decl.approvals] == ["superseded", "approved"]
    assert outbox(factory)[-1][0] == TEACHER


def test_declining_needs_a_reason_and_a_note_with_personal_data_is_refused(factory, clock, school):
    declare(factory, clock, TEACHER, SEND_ON_PAPER, TOMORROW)
    (approval,) = approval_ids(factory)
    form = act(factory, clock, HEAD, routes.press("offsite.decline", str(approval)))
    assert isinstance(form, Ask) and form.form.state == {"approval_id": approval}
    state = form.form.state

    missing = act(factory, clock, HEAD, routes.submit(form.form.id, {"reason": ""}, state))
    assert isinstance(missing, Invalid) and "reason" in missing.errors
    named = act(
        factory,
        clock,
        HEAD,
        routes.submit(form.form.id, {"reason": "other", "note": "Call 07700 900123"}, state),
    )
    assert isinstance(named, Invalid) and "phone number" in named.errors["note"]
    (decl,) = declarations(factory)
    assert decl.status == "pending" and len(outbox(factory)) == 1

    act(factory, clock, HEAD, routes.submit(form.form.id, {"reason": "not_needed"}, state))
    (decl,) = declarations(factory)
    assert decl.status == "declined"
    assert decl.approvals[0].reason == "This doesn't need to leave school"
    assert outbox(factory)[-1] == (
        TEACHER,
        "Not approved: Off-site #1 · SEND records · This doesn't need to leave school. Please "
        "keep these records in school. /offsite list shows any note from the approver.",
    )
    assert audit_events(factory, "offsite.declined")[0].details == {
        "approval_id": approval,
        "reason": "not_needed",
        "has_note": False,
    }


def test_a_button_pressed_after_the_end_of_the_day_lapses_the_request_once(factory, clock, school):
    declare(factory, clock, TEACHER, SEND_ON_PAPER, TOMORROW)
    (approval,) = approval_ids(factory)
    clock.set(london(2026, 11, 24, 18, 0))
    late = act(factory, clock, HEAD, routes.press("offsite.approve", str(approval)))
    assert isinstance(late, Say) and "lapsed at the end of the school day" in late.text
    (decl,) = declarations(factory)
    assert decl.status == "expired"
    assert [to for to, _ in outbox(factory)] == [HEAD, TEACHER, HEAD]
    assert run_all(factory, clock, only="offsite_chasers") == 0
    assert audit_actions(factory).count("offsite.approval_expired") == 1


def test_an_unknown_request_is_explained(factory, clock, school):
    reply = act(factory, clock, HEAD, routes.press("offsite.approve", "999"))
    assert isinstance(reply, Say) and "isn't in Safekeep" in reply.text
    reply = act(factory, clock, HEAD, routes.press("offsite.decline", "not-a-number"))
    assert isinstance(reply, Say) and "isn't in Safekeep" in reply.text


def test_two_approvers_answering_at_the_same_moment_are_decided_one_after_the_other(
    factory, clock, school
):
    """The DSL's approval is still being saved when the head presses Approve: the head waits
    for it and is told the request was already answered, so there is one decision, not two."""
    grant(factory, clock, school, DSL, "approver")
    declare(factory, clock, TEACHER, SEND_ON_PAPER, TOMORROW)
    head_approval, dsl_approval = approval_ids(factory)
    reply = second_waits_for_first(
        lambda handler: act(factory, clock, DSL, handler),
        lambda ctx: offsite_approval.approve(ctx, str(dsl_approval)),
        lambda: act(factory, clock, HEAD, routes.press("offsite.approve", str(head_approval))),
    )
    assert isinstance(reply, Say) and "answered by another approver" in reply.text
    (decl,) = declarations(factory)
    assert [a.decision for a in decl.approvals] == ["superseded", "approved"]
    assert audit_actions(factory).count("offsite.approved") == 1


def test_a_request_made_on_friday_evening_reaches_the_approver_on_monday_morning(
    factory, clock, school
):
    clock.set(london(2026, 11, 27, 19, 0))  # Friday evening
    declare(factory, clock, TEACHER, SEND_ON_PAPER, date(2026, 11, 30))
    with factory() as session:
        (request,) = session.scalars(select(OutboxMessage)).all()
    assert request.next_attempt_at == london(2026, 11, 30, 8, 0)
    (decl,) = declarations(factory)
    assert decl.approvals[0].expires_at == london(2026, 11, 30, 17, 30)


def test_a_request_in_school_hours_goes_to_the_approver_at_once(factory, clock, school):
    declare(factory, clock, TEACHER, SEND_ON_PAPER, TOMORROW)
    with factory() as session:
        (request,) = session.scalars(select(OutboxMessage)).all()
    assert request.next_attempt_at == clock()


def test_an_approver_and_the_lapsing_sweep_never_deadlock(factory, clock, school):
    """The sweep lapses #1 then #2 while the head, holding #2, answers it (and so appends to the
    audit chain). Both take the school row before any declaration, so one waits for the other
    instead of each holding what the other needs (PostgreSQL would abort one as a deadlock)."""
    declare(factory, clock, TEACHER, SEND_ON_PAPER, TOMORROW)
    declare(factory, clock, TEACHER, SEND_ON_PAPER, TOMORROW)
    second_approval = declarations(factory)[1].approvals[0].id
    clock.set(london(2026, 11, 24, 18, 0))  # both requests are past their expiry
    holding, go = threading.Event(), threading.Event()
    head_reply: list[object] = []
    sweep_result: list[object] = []

    def answer_while_holding_the_second(ctx):
        offsite_approval.lock_declaration(ctx, 2)
        holding.set()
        go.wait(timeout=10)
        return offsite_approval.approve(ctx, str(second_approval))

    def lapse_requests():
        try:
            with transaction(factory) as session:
                row = session.get_one(School, school.id)
                ctx = Context(session, row, None, clock, platform="scheduler")
                sweep_result.append(offsite_chasers.expire_requests(ctx))
        except Exception as exc:  # the deadlock this test guards against
            sweep_result.append(exc)

    head = threading.Thread(
        target=lambda: head_reply.append(act(factory, clock, HEAD, answer_while_holding_the_second))
    )
    head.start()
    assert holding.wait(timeout=10)
    sweep = threading.Thread(target=lapse_requests)
    sweep.start()
    sweep.join(timeout=0.5)
    assert sweep.is_alive(), "the sweep must wait for the head's answer"
    go.set()
    head.join(timeout=15)
    sweep.join(timeout=15)

    (reply,) = head_reply
    assert isinstance(reply, Say) and "lapsed at the end of the school day" in reply.text
    assert sweep_result == [2]  # #1 lapsed by the sweep: its holder and approver told
    assert [d.status for d in declarations(factory)] == ["expired", "expired"]
    assert audit_actions(factory).count("offsite.approval_expired") == 2
