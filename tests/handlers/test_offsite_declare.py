"""Declaring records off site: tiers, standing and case-by-case permission, refusals, bad input."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from handlers import routes
from handlers.replies import Ask, Invalid, Say
from storage.database import transaction
from storage.models import AuditEvent, OffsiteApproval, OutboxMessage, Person, School
from tests.conftest import london
from tests.handlers.test_offsite_steps import (
    MARKING_ON_PAPER,
    SEND_ON_PAPER,
    act,
    audit_actions,
    audit_events,
    declarations,
    declare,
    details,
    outbox,
    outbox_buttons,
)

TEACHER = "teacher@example.org"
TOMORROW = date(2026, 11, 25)


def written(factory) -> tuple[int, int, int]:
    """Declarations, approvals and outbox rows: bad input must leave all three untouched."""
    with factory() as session:
        return (
            len(declarations(factory)),
            len(session.scalars(select(OffsiteApproval)).all()),
            len(session.scalars(select(OutboxMessage)).all()),
        )


# --- the dialog ---------------------------------------------------------------------------------


def test_offsite_opens_the_first_step_and_a_good_first_step_leads_to_the_details(
    factory, clock, school
):
    first = act(factory, clock, TEACHER, routes.command("offsite"))
    assert isinstance(first, Ask) and first.form.id == "offsite.what"
    categories = first.form.field("categories")
    assert len(categories.choices) == 13 and categories.choices[-1].value == "other"

    second = act(factory, clock, TEACHER, routes.submit("offsite.what", MARKING_ON_PAPER, {}))
    assert isinstance(second, Ask) and second.form.id == "offsite.details"
    assert second.form.state == {"what": MARKING_ON_PAPER}
    assert second.form.field("expected_return").initial == TOMORROW
    assert "recorded as soon as you submit" in (second.form.intro or "")
    assert written(factory) == (0, 0, 0)


def test_the_default_return_date_skips_a_weekend_and_half_term(factory, clock, school):
    clock.set(london(2026, 10, 23, 10, 0))  # the Friday before Autumn half-term
    step = act(factory, clock, TEACHER, routes.submit("offsite.what", MARKING_ON_PAPER, {}))
    assert isinstance(step, Ask)
    assert step.form.field("expected_return").initial == date(2026, 11, 2)


def test_the_promises_fit_every_destination(factory, clock, school):
    step = act(factory, clock, TEACHER, routes.submit("offsite.what", MARKING_ON_PAPER, {}))
    assert isinstance(step, Ask)
    destinations = step.form.field("destination").choices
    assert {d.value for d in destinations} >= {"home", "venue", "trip", "another_school"}
    places = ("home", "venue", "school", "trip", "setting", "house")
    for promise in step.form.field("attestations").choices:
        assert not [p for p in places if p in promise.label.lower()], promise.label


def test_free_text_boxes_warn_against_names(factory, clock, school):
    first = act(factory, clock, TEACHER, routes.command("offsite"))
    second = act(factory, clock, TEACHER, routes.submit("offsite.what", MARKING_ON_PAPER, {}))
    assert isinstance(first, Ask) and isinstance(second, Ask)
    boxes = [f for f in (*first.form.fields, *second.form.fields) if f.is_free_text]
    assert {f.name for f in boxes} >= {"other_category", "class_code", "purpose_detail"}
    for box in boxes:
        if box.name != "asset_tag":
            assert "name" in (box.help or "").lower(), box.name


# --- tiers and permission -----------------------------------------------------------------------


def test_low_tier_records_are_recorded_at_once_and_audited(factory, clock, school, staff):
    reply = declare(factory, clock, TEACHER, MARKING_ON_PAPER, TOMORROW)
    assert isinstance(reply, Say)
    assert "that's recorded: Off-site #1 · Lesson planning, Marking · due back Wed 25 Nov" in (
        reply.text
    )
    (decl,) = declarations(factory)
    assert (decl.person_id, decl.tier, decl.status) == (staff.id, 1, "out")
    assert decl.permission_basis == "none" and decl.attested is True
    assert [i.category for i in decl.items] == ["planning", "marking"]
    assert [i.status for i in decl.items] == ["out", "out"]
    assert decl.class_code == "Y4" and decl.taken_at == clock()
    (event,) = audit_events(factory, "offsite.declared")
    assert event.subject == "offsite:1"
    assert event.details["permission_basis"] == "none"
    assert event.details["categories"] == ["planning", "marking"]
    assert outbox(factory) == []


def test_a_role_with_standing_permission_takes_its_sensitive_records_without_asking(
    factory, clock, school
):
    reply = declare(factory, clock, "senco@example.org", SEND_ON_PAPER, TOMORROW)
    assert isinstance(reply, Say) and "that's recorded" in reply.text
    (decl,) = declarations(factory)
    assert (decl.tier, decl.status, decl.permission_basis) == (3, "out", "role")
    assert outbox(factory) == []


def test_a_standing_permission_for_one_category_does_not_cover_another(factory, clock, school):
    what = {**SEND_ON_PAPER, "categories": ["send", "safeguarding"]}
    declare(factory, clock, "senco@example.org", what, TOMORROW)
    (decl,) = declarations(factory)
    assert (decl.status, decl.permission_basis) == ("pending", "case_by_case")


def test_sensitive_records_wait_for_an_approver_who_gets_a_dm_with_two_buttons(
    factory, clock, school, head
):
    reply = declare(factory, clock, TEACHER, SEND_ON_PAPER, TOMORROW)
    assert isinstance(reply, Say) and "needs permission" in reply.text
    (decl,) = declarations(factory)
    assert (decl.status, decl.permission_basis) == ("pending", "case_by_case")
    (approval,) = decl.approvals
    assert approval.approver_id == head.id and approval.decision == "pending"
    assert approval.expires_at == london(2026, 11, 24, 17, 30)
    ((to, text),) = outbox(factory)
    assert to == "head@example.org"
    assert text.startswith("Approval needed: Off-site #1 · SEND records")
    assert "back by Wed 25 Nov" in text
    assert [(b["label"], b["action"], b["value"]) for b in outbox_buttons(factory)[0]] == [
        ("Approve", "offsite.approve", str(approval.id)),
        ("Decline", "offsite.decline", str(approval.id)),
    ]
    assert "offsite.approval_requested" in audit_actions(factory)


@pytest.mark.parametrize(
    ("asked", "answer_by"),
    [
        ((2026, 11, 24, 10, 0), "by the end of today"),
        ((2026, 11, 24, 17, 0), "by the end of Wed 25 Nov"),  # under an hour to go
        ((2026, 11, 27, 19, 0), "by the end of Mon 30 Nov"),  # Friday evening
        ((2026, 11, 28, 11, 0), "by the end of Mon 30 Nov"),  # Saturday
    ],
)
def test_the_holder_and_approver_are_told_when_a_request_really_lapses(
    factory, clock, school, asked, answer_by
):
    clock.set(london(*asked))
    step = act(factory, clock, TEACHER, routes.submit("offsite.what", SEND_ON_PAPER, {}))
    assert isinstance(step, Ask)
    assert f"until you hear back ({answer_by})" in (step.form.intro or "")
    reply = declare(factory, clock, TEACHER, SEND_ON_PAPER, date(2026, 12, 1))
    assert isinstance(reply, Say)
    assert f"you'll get a message {answer_by}." in reply.text
    assert "today" not in reply.text.replace("by the end of today", "")
    ((_, request),) = outbox(factory)
    assert answer_by.replace("today", "Tue 24 Nov") in request


def test_offsite_works_in_the_last_week_of_the_configured_terms(factory, clock, school):
    """12 Jul 2027: ten school days on run past the demo terms, which used to crash /offsite."""
    clock.set(london(2027, 7, 12, 10, 0))
    step = act(factory, clock, TEACHER, routes.submit("offsite.what", MARKING_ON_PAPER, {}))
    assert isinstance(step, Ask)
    assert "(Mon 26 Jul)" in (step.form.field("expected_return").help or "")
    reply = declare(factory, clock, TEACHER, MARKING_ON_PAPER, date(2027, 7, 26))
    assert isinstance(reply, Say) and "due back Mon 26 Jul" in reply.text


def test_tiers_are_the_schools_settings(factory, clock, school):
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.settings = {**row.settings, "tiers": {"marking": 3}}
    declare(factory, clock, TEACHER, MARKING_ON_PAPER, TOMORROW)
    (decl,) = declarations(factory)
    assert (decl.tier, decl.status) == (3, "pending")


def test_nobody_else_to_approve_is_explained_and_nothing_is_written(factory, clock, school):
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.settings = {**row.settings, "standing_permissions": {}}
    reply = declare(factory, clock, "head@example.org", SEND_ON_PAPER, TOMORROW)
    assert isinstance(reply, Say) and "nobody else" in reply.text
    assert written(factory) == (0, 0, 0)


# --- refused combinations -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("what", "code", "words"),
    [
        (
            {"categories": ["send"], "format": "personal", "encryption": "yes"},
            "personal_device",
            "can't go on a personal device",
        ),
        (
            {"categories": ["attendance"], "format": "personal", "encryption": "yes"},
            "personal_device",
            "can't go on a personal device",
        ),
        (
            {
                "categories": ["safeguarding"],
                "format": "usb",
                "asset_tag": "USB-7",
                "encryption": "no",
            },
            "unencrypted",
            "can't go on an unencrypted device",
        ),
        (
            {
                "categories": ["tracking"],
                "format": "school_laptop",
                "asset_tag": "LAP-0142",
                "encryption": "dont_know",
            },
            "encryption_unknown",
            "know is encrypted",
        ),
    ],
)
def test_dangerous_combinations_are_refused_with_the_policy_and_what_to_do_instead(
    factory, clock, school, what, code, words
):
    reply = act(factory, clock, TEACHER, routes.submit("offsite.what", what, {}))
    assert isinstance(reply, Say)
    assert words in reply.text and "Instead:" in reply.text and "/offsite" in reply.text
    assert written(factory) == (0, 0, 0)
    (event,) = audit_events(factory, "offsite.refused")
    assert event.details["reason"] == code

    # The second step re-checks the first, so a replayed state is refused the same way.
    again = declare(factory, clock, TEACHER, what, TOMORROW)
    assert isinstance(again, Say) and words in again.text
    assert written(factory) == (0, 0, 0)


def test_planning_on_a_personal_device_is_allowed(factory, clock, school):
    what = {"categories": ["planning"], "format": "personal", "encryption": "no"}
    reply = declare(factory, clock, TEACHER, what, TOMORROW)
    assert isinstance(reply, Say) and "that's recorded" in reply.text
    (decl,) = declarations(factory)
    assert (decl.format, decl.encryption_confirmed) == ("personal", "no")


# --- bad input: a clear message next to the field, and nothing written --------------------------


def test_answers_to_questions_that_do_not_apply_are_dropped_not_refused(factory, clock, school):
    """A modal shows every field: "If Other" text without Other ticked, or a paper carrier's
    encryption answer, are not asked of them, so they are neither refused nor kept."""
    raw = {**MARKING_ON_PAPER, "other_category": "Reading logs", "encryption": "no"}
    reply = act(factory, clock, TEACHER, routes.submit("offsite.what", raw, {}))
    assert isinstance(reply, Ask) and reply.form.state == {"what": MARKING_ON_PAPER}


def test_questions_that_apply_only_sometimes_are_optional_in_a_modal_and_say_when(
    factory, clock, school
):
    first = act(factory, clock, TEACHER, routes.command("offsite"))
    assert isinstance(first, Ask)
    form = first.form
    for name in ("other_category", "asset_tag", "encryption"):
        assert form.field(name).shown_optional and form.field(name).when is not None
    assert form.field("other_category").when.hint == "Only if you ticked Other."
    assert not form.field("other_category").applies({"categories": ["planning"]})
    assert form.field("other_category").applies({"categories": ["planning", "other"]})
    assert form.field("asset_tag").applies({"format": "usb"})
    assert not form.field("encryption").applies({"format": "remote"})
    # No field shown as optional is then required at submit when it doesn't apply.
    optional_left_blank = {
        "categories": ["planning"],
        "format": "paper",
        **{f.name: "" for f in form.fields if f.shown_optional},
    }
    reply = act(factory, clock, TEACHER, routes.submit("offsite.what", optional_left_blank, {}))
    assert isinstance(reply, Ask) and reply.form.id == "offsite.details"


@pytest.mark.parametrize(
    ("answers", "field", "words"),
    [
        ({"categories": []}, "categories", "Choose at least one"),
        ({"categories": ["planning", "other"]}, "other_category", "ticked Other"),
        ({"format": "school_laptop", "encryption": "yes"}, "asset_tag", "asset tag"),
        ({"format": "usb", "asset_tag": "USB-3"}, "encryption", "whether it's encrypted"),
        ({"format": "usb", "asset_tag": "USB-3", "encryption": "n/a"}, "encryption", "Choose one"),
        (
            {"categories": ["other"], "other_category": "Notes on A123456789012"},
            "other_category",
            "pupil number (UPN)",
        ),
        (
            {"categories": ["other"], "other_category": "Letters from jo@example.org"},
            "other_category",
            "email address",
        ),
        (
            {"format": "school_laptop", "asset_tag": "call 07700 900123", "encryption": "yes"},
            "asset_tag",
            "phone number",
        ),
    ],
)
def test_bad_first_steps_are_explained_next_to_the_field(
    factory, clock, school, answers, field, words
):
    reply = act(
        factory, clock, TEACHER, routes.submit("offsite.what", {**MARKING_ON_PAPER, **answers}, {})
    )
    assert isinstance(reply, Invalid)
    assert words in reply.errors[field]
    assert written(factory) == (0, 0, 0)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"expected_return": "2026-11-23"}, "expected_return", "That date has passed"),
        ({"expected_return": "2026-12-09"}, "expected_return", "the latest is Tue 8 Dec"),
        ({"expected_return": "next week"}, "expected_return", "Enter a date"),
        ({"attestations": ["kept_secure"]}, "attestations", "tick all three"),
        ({"attestations": []}, "attestations", "Choose at least one"),
        ({"people_band": ""}, "people_band", "Please answer"),
        ({"class_code": "DOB 3/4/2018"}, "class_code", "date of birth"),
        ({"purpose_detail": "Ring mum on 07700 900123"}, "purpose_detail", "phone number"),
    ],
)
def test_bad_details_are_explained_next_to_the_field(
    factory, clock, school, overrides, field, words
):
    answers = {"expected_return": TOMORROW, **overrides}
    reply = declare(factory, clock, TEACHER, MARKING_ON_PAPER, **answers)
    assert isinstance(reply, Invalid)
    assert words in reply.errors[field]
    assert written(factory) == (0, 0, 0)
    assert audit_actions(factory).count("offsite.declared") == 0


def test_today_and_the_last_allowed_day_are_both_accepted(factory, clock, school):
    assert isinstance(declare(factory, clock, TEACHER, MARKING_ON_PAPER, "2026-11-24"), Say)
    assert isinstance(declare(factory, clock, TEACHER, MARKING_ON_PAPER, "2026-12-08"), Say)
    assert [d.expected_return for d in declarations(factory)] == [
        date(2026, 11, 24),
        date(2026, 12, 8),
    ]


def test_the_maximum_is_the_schools_setting(factory, clock, school):
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.settings = {**row.settings, "max_offsite_school_days": 2}
    reply = declare(factory, clock, TEACHER, MARKING_ON_PAPER, "2026-11-27")
    assert isinstance(reply, Invalid)
    assert "up to 2 school days, so the latest is Thu 26 Nov" in reply.errors["expected_return"]


def test_rejected_personal_data_is_never_stored(factory, clock, school):
    declare(
        factory, clock, TEACHER, MARKING_ON_PAPER, TOMORROW, purpose_detail="For jo@example.org"
    )
    with factory() as session:
        stored = [str(e.details) for e in session.scalars(select(AuditEvent))]
    assert not any("jo@example.org" in s for s in stored)
    assert written(factory) == (0, 0, 0)


def test_someone_not_on_the_staff_list_is_told_and_nothing_is_written(
    factory, clock, school, staff
):
    with transaction(factory) as session:
        session.get_one(Person, staff.id).active = False
    for call in (
        routes.command("offsite"),
        routes.submit("offsite.details", details(TOMORROW), {"what": MARKING_ON_PAPER}),
    ):
        reply = act(factory, clock, TEACHER, call)
        assert isinstance(reply, Say) and "not on Safekeep's staff list" in reply.text
    assert written(factory) == (0, 0, 0)
    assert audit_actions(factory).count("offsite.declared") == 0


# --- a request made out of school hours says when the approver is asked -------------------------


def test_a_sensitive_declaration_at_0430_says_the_approver_is_asked_at_0800(factory, clock, school):
    clock.set(london(2026, 11, 24, 4, 30))  # a Tuesday in term, before school hours
    first = act(factory, clock, TEACHER, routes.submit("offsite.what", SEND_ON_PAPER, {}))
    assert isinstance(first, Ask)
    assert "they'll get your request at 08:00 today. Please don't" in (first.form.intro or "")
    reply = declare(factory, clock, TEACHER, SEND_ON_PAPER, date(2026, 11, 24))
    assert isinstance(reply, Say)
    assert "they'll get your request at 08:00 today" in reply.text
    assert "you'll get a message by the end of today" in reply.text
    assert "we've asked an approver" not in reply.text  # nobody has been asked yet
    with factory() as session:
        (queued,) = session.scalars(select(OutboxMessage)).all()
    assert queued.next_attempt_at == london(2026, 11, 24, 8, 0)


def test_a_sensitive_declaration_on_a_saturday_says_which_day_the_approver_is_asked(
    factory, clock, school
):
    clock.set(london(2026, 11, 28, 11, 0))
    reply = declare(factory, clock, TEACHER, SEND_ON_PAPER, date(2026, 11, 30))
    assert isinstance(reply, Say)
    assert "they'll get your request at 08:00 on Mon 30 Nov" in reply.text
    assert "by the end of Mon 30 Nov" in reply.text


def test_a_sensitive_declaration_in_school_hours_asks_the_approver_now(factory, clock, school):
    reply = declare(factory, clock, TEACHER, SEND_ON_PAPER, TOMORROW)
    assert isinstance(reply, Say)
    assert "we've asked an approver" in reply.text and "school hours" not in reply.text
