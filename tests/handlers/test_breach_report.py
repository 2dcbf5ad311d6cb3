"""The staff part of a breach report: T0, the alerts, the child-risk guidance and bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers import admin, breach, home, people, registers, routes
from handlers.context import Context
from handlers.forms import Form
from handlers.replies import Ask, Invalid, Say
from schedules import sweeps
from storage.database import transaction
from storage.models import (
    AuditEvent,
    Incident,
    IncidentEvent,
    LedgerEntry,
    OffsiteDeclaration,
    OffsiteItem,
    School,
)
from tests.conftest import london
from tests.handlers.breach_steps import (
    DETAILS,
    LOST_LAPTOP,
    LOST_SAFEGUARDING_PAPER,
    act,
    incident,
    outbox,
    recipients,
    report,
    text_of,
)

LEADS = {"dpo@example.org", "head@example.org", "it@example.org"}


def test_breach_opens_the_first_step_with_every_staff_question(factory, clock, school):
    reply = act(factory, clock, school, "teacher@example.org", routes.command("breach"))
    assert isinstance(reply, Ask)
    names = [f.name for f in reply.form.fields]
    assert names == [
        "kind",
        "media",
        "asset_tag",
        "encrypted",
        "categories",
        "special_data",
        "people_band",
        "subject_types",
        "child_at_risk",
    ]
    assert "names" in reply.form.intro
    assert set(reply.form.field("kind").choices[i].value for i in range(8)) == {
        "lost",
        "stolen",
        "wrong_recipient",
        "seen_unauthorised",
        "unauthorised_access",
        "deleted_damaged",
        "cyber",
        "other",
    }


def test_the_first_step_stores_the_incident_and_starts_the_clock(factory, clock, school, staff):
    step, _ = report(factory, clock, school)
    found = incident(factory)
    assert found.reported_at == clock()
    assert found.reporter_id == staff.id
    assert found.kind == "lost" and found.media == "device" and found.encrypted == "yes"
    assert found.cia == ["confidentiality", "availability"]
    assert "Breach #1 is recorded" in step.form.intro
    assert step.form.notice is None  # nobody said a child may be at risk


def test_a_report_abandoned_after_the_first_step_is_kept_and_alerted(factory, clock, school):
    act(
        factory,
        clock,
        school,
        "teacher@example.org",
        routes.submit("breach.report", LOST_LAPTOP, {}),
    )
    found = incident(factory)
    assert found.discovered_at is None and found.location is None
    assert recipients(factory, "Breach #1") == LEADS


def test_lost_encrypted_laptop_alerts_dpo_head_and_it_lead_but_not_the_dsl(factory, clock, school):
    report(factory, clock, school)
    sent = outbox(factory)
    assert {email for email, _, _ in sent} == LEADS
    assert all(urgent for _, _, urgent in sent)
    text = sent[0][1]["text"]
    assert text.startswith(
        "Breach #1 · lost device · safeguarding/SEND/medical data: no · child at risk: no · "
        "ICO deadline Fri 27 Nov 10:00"
    )


def test_alerts_carry_acknowledge_and_triage_buttons_but_no_personal_data(factory, clock, school):
    report(factory, clock, school)
    by_person = {email: payload for email, payload, _ in outbox(factory)}
    found = incident(factory)
    dpo_buttons = [
        (b["label"], b["action"], b["value"]) for b in by_person["dpo@example.org"]["buttons"]
    ]
    assert dpo_buttons == [
        ("Acknowledge", "breach.acknowledge", str(found.id)),
        ("Open triage", "breach.triage", str(found.id)),
    ]
    it_buttons = [b["action"] for b in by_person["it@example.org"]["buttons"]]
    assert it_buttons == ["breach.acknowledge"]
    for payload in by_person.values():
        for private in ("LT-0042", "train", "Alex", "teacher@", "lost property"):
            assert private not in payload["text"]


def test_safeguarding_paper_with_a_child_at_risk_alerts_dsl_and_deputies_and_shows_999(
    factory, clock, school
):
    step, done = report(factory, clock, school, what=LOST_SAFEGUARDING_PAPER)
    assert recipients(factory, "Breach #1") == LEADS | {"dsl@example.org", "deputy@example.org"}
    assert step.form.notice is not None and "call 999" in step.form.notice
    assert "children's social care" in step.form.notice
    assert "the DSL and the deputy DSLs" in step.form.intro
    text = text_of(done)
    assert "call 999" in text and "Breach #1" in text
    dsl_alert = next(p for e, p, _ in outbox(factory) if e == "dsl@example.org")
    assert "safeguarding/SEND/medical data: yes · child at risk: yes" in dsl_alert["text"]
    assert [b["action"] for b in dsl_alert["buttons"]] == ["breach.acknowledge", "breach.triage"]


def test_unsure_about_sensitive_data_tells_the_dsl_too(factory, clock, school):
    what = {**LOST_LAPTOP, "categories": ["planning", "other"], "special_data": "unsure"}
    report(factory, clock, school, what=what)
    assert "dsl@example.org" in recipients(factory, "Breach #1")


def test_the_second_step_completes_the_report_and_thanks_with_what_happens_next(
    factory, clock, school
):
    _, done = report(factory, clock, school)
    text = text_of(done)
    assert "Thank you. *Breach #1* is recorded (reported Tue 24 Nov 10:00)" in text
    assert "The DPO decides by *Fri 27 Nov 10:00*" in text
    assert "999" not in text
    found = incident(factory)
    assert found.location == "transport"
    assert found.discovered_at == london(2026, 11, 24, 9, 45)
    assert found.description == "Left a bag on the train home."
    kinds = [e.kind for e in found.events]
    assert kinds == ["reported", "alerted", "details_added"]


def test_the_ico_deadline_counts_weekend_hours_and_shows_london_time(factory, clock, school):
    clock.set(london(2026, 11, 27, 16, 30))  # a Friday afternoon
    report(factory, clock, school)
    assert "ICO deadline Mon 30 Nov 16:30" in outbox(factory)[0][1]["text"]


def test_bad_answers_are_shown_next_to_their_fields_and_nothing_is_stored(factory, clock, school):
    reply = act(
        factory,
        clock,
        school,
        "teacher@example.org",
        routes.submit("breach.report", {**LOST_LAPTOP, "kind": "", "categories": ["nuclear"]}, {}),
    )
    assert isinstance(reply, Invalid)
    assert set(reply.errors) == {"kind", "categories"}
    with factory() as session:
        assert session.scalars(select(Incident)).all() == []
        assert session.scalars(select(LedgerEntry)).all() == []


def test_personal_data_in_the_description_is_refused_and_not_stored(factory, clock, school):
    step, done = report(
        factory, clock, school, details={**DETAILS, "description": "Email from jo@example.org"}
    )
    assert isinstance(done, Invalid)
    assert "email address" in done.errors["description"]
    assert incident(factory).description is None
    again = act(
        factory,
        clock,
        school,
        "teacher@example.org",
        routes.submit(step.form.id, DETAILS, dict(step.form.state)),
    )
    assert "Thank you" in text_of(again)


def test_times_in_the_future_or_out_of_order_are_refused_at_their_own_question(
    factory, clock, school
):
    _, done = report(
        factory, clock, school, details={**DETAILS, "discovered_at": "2026-11-24 12:00"}
    )
    assert isinstance(done, Invalid)
    assert done.errors == {"discovered_at": "This time is in the future."}
    late = {**DETAILS, "discovered_at": "2026-11-24 09:00", "occurred_at": "2026-11-24 09:30"}
    _, done = report(factory, clock, school, details=late)
    assert isinstance(done, Invalid)
    assert done.errors == {"occurred_at": "This is after it was discovered."}


def test_the_discovery_time_comes_first_so_the_time_it_happened_is_checked_against_it(
    factory, clock, school
):
    step, _ = report(factory, clock, school, details=None)
    names = [f.name for f in step.form.fields]
    assert names.index("discovered_at") < names.index("occurred_at")
    occurred = step.form.field("occurred_at")
    discovered = clock() - timedelta(hours=1)
    assert occurred.checks[0](clock(), {"discovered_at": discovered}) is not None
    assert occurred.checks[0](discovered, {"discovered_at": discovered}) is None


def test_only_the_reporter_can_add_the_details(factory, clock, school):
    step = act(
        factory,
        clock,
        school,
        "teacher@example.org",
        routes.submit("breach.report", LOST_LAPTOP, {}),
    )
    assert isinstance(step, Ask)
    reply = act(
        factory,
        clock,
        school,
        "ta@example.org",
        routes.submit(step.form.id, DETAILS, step.form.state),
    )
    assert isinstance(reply, Say) and "no breach report with that reference" in reply.text
    assert incident(factory).description is None


def test_numbers_count_up_per_school(factory, clock, school):
    report(factory, clock, school)
    clock.advance(minutes=5)
    report(factory, clock, school, email="ta@example.org")
    assert incident(factory, 2).reported_at == clock()
    with factory() as session:
        audits = session.scalars(
            select(AuditEvent.subject).where(AuditEvent.action == "breach.reported")
        ).all()
    assert len(audits) == 2


def test_staff_see_only_their_own_reports(factory, clock, school):
    report(factory, clock, school)
    report(factory, clock, school, email="ta@example.org")
    mine = text_of(
        act(factory, clock, school, "teacher@example.org", routes.command("breach", "list"))
    )
    assert "Breach #1" in mine and "Breach #2" not in mine
    theirs = text_of(
        act(factory, clock, school, "ta@example.org", routes.command("breach", "list"))
    )
    assert "Breach #2" in theirs and "Breach #1" not in theirs
    none = text_of(
        act(factory, clock, school, "senco@example.org", routes.command("breach", "list"))
    )
    assert "haven't reported any" in none


def test_the_start_button_opens_the_same_report(factory, clock, school):
    reply = act(factory, clock, school, "teacher@example.org", routes.press("breach.start", ""))
    assert isinstance(reply, Ask) and reply.form.id == "breach.report"


def test_start_report_is_prefilled_from_an_offsite_declaration(factory, clock, school, staff):
    with transaction(factory) as session:
        declaration = OffsiteDeclaration(
            school_id=school.id,
            person_id=staff.id,
            tier=3,
            format="school_laptop",
            asset_tag="LT-0099",
            encryption_confirmed="yes",
            people_band="class",
            purpose="marking",
            taken_at=clock() - timedelta(days=1),
            expected_return=clock().date(),
            status="out",
            created_at=clock() - timedelta(days=1),
            items=[OffsiteItem(category="send"), OffsiteItem(category="marking")],
        )
        session.add(declaration)
        session.flush()
        ctx = Context(session, session.get_one(School, school.id), session.merge(staff), clock)
        reply = breach.start_report(ctx, declaration)
        declaration_id = declaration.id
    assert isinstance(reply, Ask)
    initial = {f.name: f.initial for f in reply.form.fields}
    assert initial["declaration_id"] == str(declaration_id)
    assert initial["media"] == "device"
    assert initial["asset_tag"] == "LT-0099"
    assert initial["encrypted"] == "yes"
    assert initial["categories"] == ["send", "marking"]
    assert initial["people_band"] == "class"
    assert initial["special_data"] is None  # the SEND records already answer it
    assert reply.form.state["declaration_id"] == declaration_id

    answers = {**LOST_LAPTOP, "declaration_id": str(declaration_id)}
    act(factory, clock, school, "teacher@example.org", routes.submit("breach.report", answers, {}))
    assert incident(factory).declaration_id == declaration_id
    with factory() as session:
        reported = session.scalars(
            select(IncidentEvent).where(IncidentEvent.kind == "reported")
        ).one()
    assert reported.details["declaration_id"] == declaration_id


def test_submitting_the_same_report_form_twice_reports_the_breach_once(factory, clock, school):
    opened = act(factory, clock, school, "teacher@example.org", routes.command("breach"))
    assert isinstance(opened, Ask) and opened.form.state.get("token")
    submit = routes.submit("breach.report", LOST_LAPTOP, dict(opened.form.state))
    first = act(factory, clock, school, "teacher@example.org", submit)
    clock.advance(seconds=3)
    second = act(factory, clock, school, "teacher@example.org", submit)
    assert isinstance(first, Ask) and isinstance(second, Ask)
    assert first.form.state == second.form.state  # the same incident's second step
    with factory() as session:
        assert len(session.scalars(select(Incident)).all()) == 1
    assert len(recipients(factory, "Breach #1")) == len(LEADS)
    assert recipients(factory, "Breach #2") == set()


def report_form(factory, clock, school) -> Form:
    opened = act(factory, clock, school, "teacher@example.org", routes.command("breach"))
    assert isinstance(opened, Ask)
    return opened.form


def revoke(factory, clock, school, email: str, role: str) -> None:
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        person = people.find_by_email(session, school.id, email)
        assert admin.revoke_role(Context(session, row, None, clock), person, role)


@pytest.mark.parametrize("category", ["safeguarding", "send", "medical"])
def test_safeguarding_send_or_medical_records_answer_the_question_and_alert_the_dsl(
    factory, clock, school, category
):
    what = {**LOST_LAPTOP, "categories": ["marking", category], "special_data": ""}
    step, done = report(factory, clock, school, what=what)
    assert recipients(factory, "Breach #1") == LEADS | {"dsl@example.org", "deputy@example.org"}
    assert recipients(factory, "safeguarding/SEND/medical data: yes") == recipients(
        factory, "Breach #1"
    )
    assert "the DSL and the deputy DSLs have been alerted" in step.form.intro
    assert "the DSL and the deputy DSLs have been alerted" in text_of(done)
    assert incident(factory).special_data == "yes"


def test_no_to_safeguarding_data_beside_safeguarding_and_medical_records_is_refused_at_the_field(
    factory, clock, school
):
    what = {**LOST_LAPTOP, "categories": ["safeguarding", "medical"], "special_data": "no"}
    reply = act(
        factory, clock, school, "teacher@example.org", routes.submit("breach.report", what, {})
    )
    assert isinstance(reply, Invalid)
    assert list(reply.errors) == ["special_data"]
    assert reply.errors["special_data"] == (
        "You ticked Safeguarding information and Medical or health information, which are "
        "safeguarding, SEND or medical information, so the answer can't be No. Choose Yes or "
        "leave it blank; if a record type was ticked by mistake, untick it instead."
    )
    with factory() as session:
        assert session.scalars(select(Incident)).all() == []
    assert outbox(factory) == []


@pytest.mark.parametrize("categories", [["other"], ["planning", "letters"], ["tracking"]])
def test_records_that_may_hold_safeguarding_data_need_the_reporters_answer(
    factory, clock, school, categories
):
    what = {**LOST_LAPTOP, "categories": categories, "special_data": ""}
    reply = act(
        factory, clock, school, "teacher@example.org", routes.submit("breach.report", what, {})
    )
    assert isinstance(reply, Invalid)
    assert "only you can say" in reply.errors["special_data"]


def test_routine_records_mean_no_unless_the_reporter_says_yes_which_reaches_the_dsl(
    factory, clock, school
):
    special = report_form(factory, clock, school).field("special_data")
    assert special.applies({"categories": ["planning", "marking"]})
    report(factory, clock, school, what={**LOST_LAPTOP, "special_data": ""})
    assert incident(factory).special_data == "no"
    assert recipients(factory, "Breach #1") == LEADS
    # Lesson plans with a pupil's needs written in them: the reporter flags it, the DSL hears.
    report(factory, clock, school, what={**LOST_LAPTOP, "special_data": "yes"})
    assert incident(factory, 2).special_data == "yes"
    assert recipients(factory, "Breach #2") == LEADS | {"dsl@example.org", "deputy@example.org"}


@pytest.mark.parametrize(
    ("categories", "asked"),
    [
        (["safeguarding"], False),
        (["planning", "medical"], False),
        (["planning", "marking"], True),
        (["other"], True),
        (["planning", "letters"], True),
        ([], False),
    ],
)
def test_the_safeguarding_question_applies_only_when_the_categories_cant_answer_it(
    factory, clock, school, categories, asked
):
    special = report_form(factory, clock, school).field("special_data")
    assert special.applies({"categories": categories}) is asked
    assert special.shown_optional and special.when is not None
    assert special.when.hint.startswith("Leave it blank if you ticked safeguarding")


def test_a_report_stored_before_the_rule_reads_as_safeguarding_data_everywhere(
    factory, clock, school
):
    """An old row with medical records and "no" is read as yes by alerts, views and the log."""
    report(factory, clock, school)
    with transaction(factory) as session:
        row = session.scalars(select(Incident)).one()
        row.categories, row.special_data = ["medical"], "no"
    with transaction(factory) as session:
        ctx = Context(
            session,
            session.get_one(School, school.id),
            people.find_by_email(session, school.id, "dpo@example.org"),
            clock,
        )
        stored = session.scalars(select(Incident)).one()
        assert breach.incidents.special_data(stored) == "yes"
        assert "dsl" in breach.incidents.alert_roles(stored)
        assert "safeguarding/SEND/medical data: yes" in breach.alerts.alert_text(ctx, stored)
        assert "Safeguarding/SEND/medical data: yes" in breach.details.details_text(ctx, stored)
        triage_form = breach.triage.triage_form(ctx, stored)
        assert "safeguarding/SEND/medical data: yes" in (triage_form.intro or "")
        (row,) = registers.export(ctx, "breaches").as_dicts()
        assert row["special_category_or_safeguarding"] == "yes"
        assert "(safeguarding/SEND/medical data: yes)" in home.outstanding(ctx).text
    clock.advance(minutes=61)
    sweeps.run_all(factory, clock, only="breach_clock")
    escalations = [p["text"] for _, p, _ in outbox(factory) if p["text"].startswith("Escalation")]
    assert escalations and all("safeguarding/SEND/medical data: yes" in t for t in escalations)


def test_planning_and_marking_with_no_special_data_leave_the_dsl_out(factory, clock, school):
    what = {**LOST_LAPTOP, "categories": ["planning", "other"], "special_data": "no"}
    report(factory, clock, school, what=what)
    assert recipients(factory, "Breach #1") == LEADS


def test_the_reporter_is_told_who_was_alerted_from_the_people_actually_queued(
    factory, clock, school
):
    step, done = report(factory, clock, school)
    told = "the DPO, the Headteacher and the IT lead have been alerted"
    assert told in step.form.intro and told in text_of(done)
    assert "admins" not in step.form.intro


def test_a_role_nobody_holds_sends_the_alert_to_the_admins_and_the_reporter_hears_the_truth(
    factory, clock, school
):
    revoke(factory, clock, school, "dpo@example.org", "dpo")
    step, done = report(factory, clock, school)
    # head@ and it@ are the demo school's admins: each gets the normal alert and the role gap.
    sent = outbox(factory)
    assert "dpo@example.org" not in {email for email, _, _ in sent}
    gaps = [
        (email, payload) for email, payload, urgent in sent if "nobody holds" in payload["text"]
    ]
    assert {email for email, _ in gaps} == {"head@example.org", "it@example.org"}
    assert all(urgent for _, _, urgent in sent)
    gap_text = gaps[0][1]["text"]
    assert gap_text.startswith("Breach #1 · lost device · ")
    assert "nobody holds the role of Data Protection Officer" in gap_text
    assert "LT-0042" not in gap_text and "please acknowledge" not in gap_text
    with factory() as session:
        kinds = {(e.kind, e.window) for e in session.scalars(select(LedgerEntry))}
    assert ("alert", "admin") in kinds
    for words in (step.form.intro, text_of(done)):
        assert "the DPO, " not in words and "the DPO and" not in words
        assert (
            "the Headteacher, the IT lead and the school's Safekeep admins have been alerted "
            "(nobody holds the role of Data Protection Officer in Safekeep, so the admins were "
            "told instead)"
        ) in words
    alerted = next(e for e in incident(factory).events if e.kind == "alerted")
    assert alerted.details == {
        "roles": ["headteacher", "it_lead"],
        "missing": ["dpo"],
        "admins": 2,
        "recipients": 2,
    }


def test_a_child_at_risk_with_no_dsl_reaches_the_admins_and_never_claims_the_dsl_was_told(
    factory, clock, school
):
    revoke(factory, clock, school, "dsl@example.org", "dsl")
    step, done = report(factory, clock, school, what=LOST_SAFEGUARDING_PAPER)
    assert "call 999" in step.form.notice
    for words in (step.form.notice, step.form.intro, text_of(done)):
        assert "the DSL and" not in words and "the DSL, " not in words
        assert "DSL and deputies have been alerted" not in words
    assert "nobody holds the role of Designated Safeguarding Lead" in step.form.intro
    assert "the deputy DSLs" in step.form.intro
    assert "deputy@example.org" in recipients(factory, "Breach #1")


def test_when_nobody_holds_any_alert_role_the_reporter_is_told_to_tell_someone_in_person(
    factory, clock, school
):
    for email, role in (
        ("dpo@example.org", "dpo"),
        ("head@example.org", "headteacher"),
        ("it@example.org", "it_lead"),
        ("head@example.org", "admin"),
        ("it@example.org", "admin"),
    ):
        revoke(factory, clock, school, email, role)
    step, done = report(factory, clock, school)
    assert outbox(factory) == []
    for words in (step.form.intro, text_of(done)):
        assert "nobody could be alerted automatically" in words
        assert "have been alerted" not in words
