"""Acknowledging alerts, opening details and the DPO's triage decisions, with their audit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from handlers import access, home, people, routes
from handlers.breach import acknowledge as breach_triage
from handlers.breach import incidents
from handlers.breach.triage import triage_form
from handlers.context import Context
from handlers.replies import Ask, Invalid, Say
from storage import audit
from storage.database import transaction
from storage.models import AuditEvent, School
from tests.drivers.concurrency import second_waits_for_first
from tests.handlers.breach_steps import NOT_REPORTABLE, act, incident, report, text_of


def triage(factory, clock, school, email: str, answers: dict[str, Any]):
    found = incident(factory)
    return act(
        factory,
        clock,
        school,
        email,
        routes.submit("breach.triage", answers, {"incident_id": found.id}),
    )


def actions(factory) -> list[tuple[str, int | None, dict[str, Any]]]:
    with factory() as session:
        return [
            (e.action, e.actor_id, e.details)
            for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
        ]


def test_acknowledging_records_who_and_when_and_a_second_press_says_so(factory, clock, school, dpo):
    report(factory, clock, school)
    found = incident(factory)
    clock.advance(minutes=12)
    reply = act(
        factory, clock, school, "dpo@example.org", routes.press("breach.acknowledge", str(found.id))
    )
    assert "you acknowledged Breach #1 at Tue 24 Nov 10:12" in text_of(reply)
    assert isinstance(reply, Say) and reply.done
    assert [b.action for b in reply.buttons] == ["breach.triage"]
    found = incident(factory)
    assert found.acknowledged_by_id == dpo.id and found.acknowledged_at == clock()
    assert found.events[-1].kind == "acknowledged"
    assert ("breach.acknowledged", dpo.id, {"number": 1, "minutes_after_report": 12}) in actions(
        factory
    )

    again = act(
        factory, clock, school, "it@example.org", routes.press("breach.acknowledge", str(found.id))
    )
    assert "already acknowledged by Morgan Privacy at Tue 24 Nov 10:12" in text_of(again)
    assert isinstance(again, Say) and not again.done  # the IT lead's press did nothing
    assert incident(factory).acknowledged_by_id == dpo.id


def test_staff_without_a_role_cannot_acknowledge_and_the_attempt_is_audited(
    factory, clock, school, staff
):
    report(factory, clock, school)
    found = incident(factory)
    reply = act(
        factory, clock, school, "ta@example.org", routes.press("breach.acknowledge", str(found.id))
    )
    assert "only the" in text_of(reply) and "recorded" in text_of(reply)
    assert isinstance(reply, Say) and not reply.done
    assert incident(factory).acknowledged_at is None
    refused = [a for a in actions(factory) if a[0] == "access.refused"]
    assert refused and refused[0][2] == {"permission": "breach.acknowledge"}


def test_details_are_refused_to_staff_and_the_attempt_is_audited(factory, clock, school, staff):
    report(factory, clock, school)
    found = incident(factory)
    reply = act(
        factory, clock, school, "teacher@example.org", routes.press("breach.details", str(found.id))
    )
    assert (
        "Sorry, only the Data Protection Officer, Designated Safeguarding Lead or Headteacher "
        "(SIRO) can do that." in text_of(reply)
    )
    assert ("access.refused", staff.id, {"permission": "breach.details"}) in actions(factory)
    assert "breach.details_viewed" not in [a[0] for a in actions(factory)]


def test_opening_details_shows_the_report_and_audits_who_looked(factory, clock, school, dsl):
    report(factory, clock, school)
    found = incident(factory)
    reply = act(
        factory, clock, school, "dsl@example.org", routes.press("breach.details", str(found.id))
    )
    text = text_of(reply)
    assert "Reported Tue 24 Nov 10:00 by Alex Teacher" in text
    assert "asset LT-0042" in text and "Left a bag on the train home." in text
    assert "ICO deadline Fri 27 Nov 10:00" in text
    viewed = [a for a in actions(factory) if a[0] == "breach.details_viewed"]
    assert viewed == [("breach.details_viewed", dsl.id, {"number": 1})]
    assert incident(factory).events[-1].kind == "details_viewed"
    assert incident(factory).events[-1].actor_id == dsl.id


def test_details_by_number_for_leads(factory, clock, school):
    report(factory, clock, school)
    reply = act(factory, clock, school, "head@example.org", routes.command("breach", "details 1"))
    assert "Breach #1" in text_of(reply)
    missing = act(factory, clock, school, "head@example.org", routes.command("breach", "details 9"))
    assert "no breach report with that reference" in text_of(missing)


def test_triage_is_only_for_dpo_siro_and_dsl(factory, clock, school):
    report(factory, clock, school)
    found = incident(factory)
    for email in ("teacher@example.org", "it@example.org", "deputy@example.org"):
        reply = act(factory, clock, school, email, routes.press("breach.triage", str(found.id)))
        assert isinstance(reply, Say) and "only the" in reply.text
        submitted = triage(factory, clock, school, email, NOT_REPORTABLE)
        assert isinstance(submitted, Say) and "only the" in submitted.text
    refusals = [a for a in actions(factory) if a[0] == "access.refused"]
    assert len(refusals) == 6
    assert {a[2]["permission"] for a in refusals} == {"breach.triage"}
    assert incident(factory).ico_decision is None
    for email in ("dpo@example.org", "head@example.org", "dsl@example.org"):
        reply = act(factory, clock, school, email, routes.press("breach.triage", str(found.id)))
        assert isinstance(reply, Ask) and reply.form.id == "breach.triage"


def test_the_triage_form_is_prefilled_and_shows_the_deadline(factory, clock, school):
    report(factory, clock, school)
    clock.advance(hours=30)
    reply = act(factory, clock, school, "dpo@example.org", routes.command("breach", "triage 1"))
    assert isinstance(reply, Ask)
    assert "ICO deadline *Fri 27 Nov 10:00* (42 hours left)" in reply.form.intro
    assert reply.form.field("classification").initial == "investigating"
    assert reply.form.field("cia").initial == ["confidentiality", "availability"]
    assert reply.form.field("ico_decision").initial == "undecided"


def test_a_decision_within_72_hours_is_stored_on_the_timeline_and_in_the_audit_chain(
    factory, clock, school, dpo
):
    report(factory, clock, school)
    clock.advance(hours=20)
    reply = triage(factory, clock, school, "dpo@example.org", NOT_REPORTABLE)
    assert "Breach #1 updated:\n• Is it a personal data breach?\n" in text_of(reply)
    assert "• Reason for the ICO decision" in text_of(reply)
    assert "ico_rationale" not in text_of(reply) and "ico rationale" not in text_of(reply)
    found = incident(factory)
    assert found.classification == "confirmed"
    assert found.ico_decision == "not_notify" and found.ico_decided_at == clock()
    assert found.ico_rationale.startswith("Encrypted device")
    assert found.art34_exception == "unintelligible"
    kinds = [e.kind for e in found.events]
    assert kinds[-3:] == ["ico_decided", "subjects_decided", "triaged"]
    decided = next(e for e in found.events if e.kind == "ico_decided")
    assert decided.details == {
        "decision": "not_notify",
        "against_risk": False,
        "first": True,
        "late": False,
        "hours_after_report": 20.0,
    }
    triaged = next(a for a in actions(factory) if a[0] == "breach.triaged")
    assert "risk_reasoning" in triaged[2]["fields"]
    assert "Full-disk" not in str(actions(factory))  # codes only, never the free text
    with factory() as session:
        assert audit.verify(session) == []


def test_after_72_hours_a_decision_needs_a_reason_for_the_delay(factory, clock, school):
    report(factory, clock, school)
    clock.advance(hours=72, minutes=1)
    reply = triage(factory, clock, school, "dpo@example.org", NOT_REPORTABLE)
    assert isinstance(reply, Invalid)
    assert set(reply.errors) == {"delay_reason"}
    assert "Fri 27 Nov 10:00" in reply.errors["delay_reason"]
    assert incident(factory).ico_decision is None

    late = {**NOT_REPORTABLE, "delay_reason": "The DPO was on leave and cover was not arranged."}
    reply = triage(factory, clock, school, "dpo@example.org", late)
    assert isinstance(reply, Say)
    found = incident(factory)
    assert found.ico_decision == "not_notify" and found.delay_reason.startswith("The DPO")
    decided = next(e for e in found.events if e.kind == "ico_decided")
    assert decided.details["late"] is True


def test_a_report_to_the_ico_after_the_deadline_needs_a_delay_reason_too(factory, clock, school):
    report(factory, clock, school)
    clock.advance(hours=10)
    notify = {
        **NOT_REPORTABLE,
        "risk": "risk",
        "ico_decision": "notify",
        "ico_rationale": "Unencrypted pupil data.",
        "subjects_decision": "undecided",
        "subjects_rationale": "",
    }
    assert isinstance(triage(factory, clock, school, "dpo@example.org", notify), Say)
    clock.advance(hours=70)
    reported = {**notify, "ico_notified_at": "2026-11-27 13:00", "ico_case_ref": "IC-000123-A1B2"}
    reply = triage(factory, clock, school, "dpo@example.org", reported)
    assert isinstance(reply, Invalid) and set(reply.errors) == {"delay_reason"}


def test_decisions_must_hang_together(factory, clock, school):
    report(factory, clock, school)
    muddled = {
        **NOT_REPORTABLE,
        "risk": "high",
        "risk_reasoning": "",
        "ico_rationale": "",
        "art34_exception": "",
        "subjects_rationale": "",
        "ico_notified_at": "2026-11-25 09:00",
    }
    reply = triage(factory, clock, school, "dpo@example.org", muddled)
    assert isinstance(reply, Invalid)
    assert set(reply.errors) == {
        "risk_reasoning",
        "ico_rationale",
        "confirm_not_notify",
        "subjects_rationale",
        "ico_notified_at",
    }
    # The exception for not telling people about a high risk is still checked on saving.
    fixed = {
        **muddled,
        "risk_reasoning": "Health details of one pupil.",
        "ico_decision": "notify",
        "ico_rationale": "A high risk to one pupil.",
        "ico_notified_at": "",
        "subjects_rationale": "Their parents already know.",
    }
    reply = triage(factory, clock, school, "dpo@example.org", fixed)
    assert isinstance(reply, Invalid) and set(reply.errors) == {"art34_exception"}
    telling = {**NOT_REPORTABLE, "subjects_decision": "tell", "subjects_method": ""}
    reply = triage(factory, clock, school, "dpo@example.org", telling)
    assert isinstance(reply, Invalid) and set(reply.errors) == {"subjects_method"}


@pytest.mark.parametrize("risk", ["risk", "high"])
def test_not_reporting_a_breach_assessed_as_a_risk_needs_a_confirmation_and_a_fuller_reason(
    factory, clock, school, dpo, risk
):
    report(factory, clock, school)
    risky = {**NOT_REPORTABLE, "risk": risk, "ico_rationale": "Encrypted, so no risk."}
    reply = triage(factory, clock, school, "dpo@example.org", risky)
    assert isinstance(reply, Invalid)
    assert set(reply.errors) == {"ico_rationale", "confirm_not_notify"}
    words = {"risk": "a risk to people", "high": "a high risk to people"}[risk]
    assert reply.errors["ico_rationale"].startswith(
        f"The risk is assessed as {words}, so not reporting it to the ICO needs a fuller "
        "reason: at least 8 words (4 now)"
    )
    assert reply.errors["confirm_not_notify"] == (
        f"The risk is assessed as {words}, and the ICO's guidance is that such a breach must "
        "be reported. Confirm here that you are not reporting it, or choose 'Report to the ICO'."
    )
    assert incident(factory).ico_decision is None

    eight_words = "The laptop was encrypted and the key is safe."
    reply = triage(
        factory, clock, school, "dpo@example.org", {**risky, "ico_rationale": eight_words}
    )
    assert isinstance(reply, Invalid) and set(reply.errors) == {"confirm_not_notify"}

    confirmed = {**risky, "ico_rationale": eight_words, "confirm_not_notify": ["confirmed"]}
    assert "Breach #1 updated" in text_of(
        triage(factory, clock, school, "dpo@example.org", confirmed)
    )
    found = incident(factory)
    assert found.ico_decision == "not_notify"
    decided = next(e for e in found.events if e.kind == "ico_decided")
    assert decided.details["against_risk"] is True
    with factory() as session:
        ctx = Context(session, session.get_one(School, school.id), session.merge(dpo), clock)
        reopened = triage_form(ctx, session.merge(found))
    assert reopened.field("confirm_not_notify").initial == ["confirmed"]  # confirmed once


def test_an_unlikely_risk_or_a_report_to_the_ico_needs_no_second_look(factory, clock, school, dpo):
    report(factory, clock, school)
    short = {**NOT_REPORTABLE, "ico_rationale": "Encrypted."}
    assert "Breach #1 updated" in text_of(triage(factory, clock, school, "dpo@example.org", short))
    found = incident(factory)
    with factory() as session:
        ctx = Context(session, session.get_one(School, school.id), session.merge(dpo), clock)
        reopened = triage_form(ctx, session.merge(found))
    assert reopened.field("confirm_not_notify").initial is None
    notify = {**short, "risk": "high", "ico_decision": "notify", "ico_rationale": "High risk."}
    assert "Breach #1 updated" in text_of(triage(factory, clock, school, "dpo@example.org", notify))


def test_closing_needs_a_classification_and_an_ico_decision(factory, clock, school, head):
    report(factory, clock, school)
    early = {
        **NOT_REPORTABLE,
        "classification": "investigating",
        "ico_decision": "undecided",
        "subjects_decision": "undecided",
        "close": "yes",
    }
    reply = triage(factory, clock, school, "head@example.org", early)
    assert isinstance(reply, Invalid) and set(reply.errors) == {"close"}
    reply = triage(factory, clock, school, "head@example.org", {**NOT_REPORTABLE, "close": "yes"})
    assert isinstance(reply, Say) and reply.text.endswith("\nBreach #1 is closed.")
    assert "status" not in reply.text
    found = incident(factory)
    assert found.status == "closed" and found.closed_by_id == head.id
    assert found.events[-1].kind == "closed"
    again = act(factory, clock, school, "dpo@example.org", routes.command("breach", "triage 1"))
    assert "is closed" in text_of(again)


def test_a_near_miss_is_kept_with_its_reason(factory, clock, school):
    report(factory, clock, school)
    near = {
        **NOT_REPORTABLE,
        "classification": "near_miss",
        "ico_rationale": "Laptop found on the train within the hour, still locked.",
    }
    triage(factory, clock, school, "dpo@example.org", near)
    found = incident(factory)
    assert found.classification == "near_miss" and found.ico_decision == "not_notify"


def test_saving_unchanged_answers_changes_nothing(factory, clock, school):
    report(factory, clock, school)
    triage(factory, clock, school, "dpo@example.org", NOT_REPORTABLE)
    before = len(incident(factory).events)
    reply = triage(factory, clock, school, "dpo@example.org", NOT_REPORTABLE)
    assert "Nothing changed on Breach #1" in text_of(reply)
    assert len(incident(factory).events) == before


def test_leads_list_open_reports_and_staff_cannot(factory, clock, school, staff):
    report(factory, clock, school)
    listed = act(factory, clock, school, "dpo@example.org", routes.command("breach", "open"))
    assert "Breach #1 · lost device · ICO deadline Fri 27 Nov 10:00 · no ICO decision" in text_of(
        listed
    )
    refused = act(factory, clock, school, "teacher@example.org", routes.command("breach", "open"))
    assert "only the" in text_of(refused)
    assert ("access.refused", staff.id, {"permission": "breach.details"}) in actions(factory)


def set_setting(factory, school, **values) -> None:
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.settings = {**row.settings, **values}


def test_setting_the_ico_decision_back_to_undecided_withdraws_it_and_its_time(
    factory, clock, school, dpo
):
    report(factory, clock, school)
    clock.advance(hours=20)
    triage(factory, clock, school, "dpo@example.org", NOT_REPORTABLE)
    assert incident(factory).ico_decided_at == clock()
    clock.advance(hours=10)
    undecided = {**NOT_REPORTABLE, "ico_decision": "undecided", "ico_rationale": ""}
    reply = triage(factory, clock, school, "dpo@example.org", undecided)
    assert "• Report to the ICO?" in text_of(reply) and "ico decision" not in text_of(reply)
    found = incident(factory)
    assert found.ico_decision is None and found.ico_decided_at is None
    withdrawn = next(e for e in found.events if e.kind == "ico_undecided")
    assert withdrawn.details == {"withdrawn": "not_notify"} and withdrawn.actor_id == dpo.id
    assert ("breach.ico_undecided", dpo.id, {"number": 1, "withdrawn": "not_notify"}) in actions(
        factory
    )
    listed = act(factory, clock, school, "dpo@example.org", routes.command("breach", "open"))
    assert "no ICO decision" in text_of(listed)
    # Deciding again starts from now: it is the decision the log and the clock go by.
    clock.advance(hours=5)
    triage(factory, clock, school, "dpo@example.org", NOT_REPORTABLE)
    found = incident(factory)
    assert found.ico_decision == "not_notify" and found.ico_decided_at == clock()


def test_opening_triage_acknowledges_the_alert_with_who_and_when(factory, clock, school, dsl):
    report(factory, clock, school)
    clock.advance(minutes=7)
    reply = act(factory, clock, school, "dsl@example.org", routes.command("breach", "triage 1"))
    assert isinstance(reply, Ask)
    found = incident(factory)
    assert found.acknowledged_by_id == dsl.id and found.acknowledged_at == clock()
    acked = next(e for e in found.events if e.kind == "acknowledged")
    assert acked.actor_id == dsl.id and acked.details["via"] == "triage"
    assert (
        "breach.acknowledged",
        dsl.id,
        {"number": 1, "minutes_after_report": 7, "via": "triage"},
    ) in actions(factory)
    # Opening it again does not acknowledge twice or change who did.
    clock.advance(minutes=5)
    act(factory, clock, school, "dpo@example.org", routes.press("breach.triage", str(found.id)))
    found = incident(factory)
    assert found.acknowledged_by_id == dsl.id
    assert [e.kind for e in found.events].count("acknowledged") == 1
    with factory() as session:
        assert audit.verify(session) == []


def test_saving_triage_acknowledges_the_alert_too(factory, clock, school, dpo):
    report(factory, clock, school)
    clock.advance(minutes=30)
    triage(factory, clock, school, "dpo@example.org", NOT_REPORTABLE)
    found = incident(factory)
    assert found.acknowledged_by_id == dpo.id and found.acknowledged_at == clock()
    assert [e.kind for e in found.events].count("acknowledged") == 1


def test_a_refused_triage_acknowledges_nothing(factory, clock, school):
    report(factory, clock, school)
    act(factory, clock, school, "it@example.org", routes.command("breach", "triage 1"))
    assert incident(factory).acknowledged_at is None


def test_a_closed_incident_says_what_can_still_be_done(factory, clock, school):
    report(factory, clock, school)
    triage(factory, clock, school, "dpo@example.org", {**NOT_REPORTABLE, "close": "yes"})
    text = text_of(
        act(factory, clock, school, "dpo@example.org", routes.command("breach", "triage 1"))
    )
    assert "reopen" not in text
    assert "`/breach details 1`" in text and "`/breach`" in text


def test_the_delay_wording_follows_the_schools_ico_deadline(factory, clock, school):
    set_setting(factory, school, ico_deadline_hours=48)
    report(factory, clock, school)
    form = act(factory, clock, school, "dpo@example.org", routes.command("breach", "triage 1"))
    assert form.form.field("delay_reason").label == "Reason for any delay beyond 48 hours"
    clock.advance(hours=49)
    reply = triage(factory, clock, school, "dpo@example.org", NOT_REPORTABLE)
    assert isinstance(reply, Invalid)
    assert reply.errors["delay_reason"].startswith(
        "The 48-hour deadline passed at Thu 26 Nov 10:00"
    )
    assert "72" not in reply.errors["delay_reason"]


def test_the_it_lead_sees_an_unacknowledged_alert_on_their_home_view(factory, clock, school):
    report(factory, clock, school)
    with factory() as session:
        row = session.get_one(School, school.id)
        for email, expected in (
            ("it@example.org", True),
            ("dpo@example.org", True),
            ("teacher@example.org", False),
        ):
            person = people.find_by_email(session, school.id, email)
            shown = home.outstanding(Context(session, row, person, clock))
            assert ("Breach #1" in shown.text) is expected, email
            assert any(b.action == "breach.acknowledge" for b in shown.buttons) is expected


def test_everyone_a_breach_alert_can_reach_may_acknowledge_it():
    assert access.PERMISSIONS["breach.acknowledge"] == incidents.ALERTED_ROLES
    assert home.ALERT_ROLES == incidents.ALERTED_ROLES


def test_two_leads_acknowledging_at_the_same_moment_are_decided_one_after_the_other(
    factory, clock, school, dpo
):
    """The DPO's acknowledgement is still being saved when the IT lead presses Acknowledge: the
    IT lead waits for it and is told who acknowledged, so there is one acknowledgement."""
    report(factory, clock, school)
    found = incident(factory)
    reply = second_waits_for_first(
        lambda handler: act(factory, clock, school, "dpo@example.org", handler),
        lambda ctx: breach_triage.acknowledge(ctx, str(found.id)),
        lambda: act(
            factory,
            clock,
            school,
            "it@example.org",
            routes.press("breach.acknowledge", str(found.id)),
        ),
    )
    assert "already acknowledged by Morgan Privacy" in text_of(reply)
    found = incident(factory)
    assert found.acknowledged_by_id == dpo.id
    assert [e.kind for e in found.events].count("acknowledged") == 1
    assert [a[0] for a in actions(factory)].count("breach.acknowledged") == 1


def test_two_triage_saves_at_the_same_moment_record_one_first_decision(factory, clock, school, dpo):
    """The DPO and the Headteacher save the same decision at once: the second save waits, sees
    the first one's decision and changes nothing, so one decision is recorded, not two."""
    report(factory, clock, school)
    found = incident(factory)
    state = {"incident_id": found.id}
    reply = second_waits_for_first(
        lambda handler: act(factory, clock, school, "dpo@example.org", handler),
        routes.submit("breach.triage", NOT_REPORTABLE, state),
        lambda: act(
            factory,
            clock,
            school,
            "head@example.org",
            routes.submit("breach.triage", NOT_REPORTABLE, state),
        ),
    )
    assert "Nothing changed on Breach #1" in text_of(reply)
    decided = [e for e in incident(factory).events if e.kind == "ico_decided"]
    assert len(decided) == 1 and decided[0].actor_id == dpo.id
    assert incident(factory).acknowledged_by_id == dpo.id


def _triage_fields(factory, clock, school):
    reply = act(factory, clock, school, "dpo@example.org", routes.command("breach", "triage 1"))
    assert isinstance(reply, Ask)
    return reply.form


@pytest.mark.parametrize(
    ("name", "asked_for", "not_asked_for"),
    [
        ("risk_reasoning", {"risk": "unlikely"}, {"risk": None}),
        ("ico_rationale", {"ico_decision": "notify"}, {"ico_decision": "undecided"}),
        (
            "confirm_not_notify",
            {"risk": "high", "ico_decision": "not_notify"},
            {"risk": "unlikely", "ico_decision": "not_notify"},
        ),
        (
            "subjects_rationale",
            {"subjects_decision": "not_tell"},
            {"subjects_decision": "undecided"},
        ),
        ("subjects_method", {"subjects_decision": "tell"}, {"subjects_decision": "not_tell"}),
        ("subjects_told_at", {"subjects_decision": "tell"}, {"subjects_decision": "not_tell"}),
    ],
)
def test_a_triage_question_that_depends_on_earlier_answers_is_asked_only_when_it_applies(
    factory, clock, school, name, asked_for, not_asked_for
):
    report(factory, clock, school)
    field = _triage_fields(factory, clock, school).field(name)
    assert field.shown_optional and field.when is not None and field.when.hint
    assert field.applies(asked_for)
    assert not field.applies(not_asked_for)


def test_the_delay_reason_is_asked_only_after_the_deadline(factory, clock, school):
    report(factory, clock, school)
    delay = _triage_fields(factory, clock, school).field("delay_reason")
    assert not delay.applies({"ico_decision": "notify", "ico_notified_at": None})
    clock.advance(hours=73)
    delay = _triage_fields(factory, clock, school).field("delay_reason")
    assert delay.applies({"ico_decision": "notify", "ico_notified_at": None})
    assert not delay.applies({"ico_decision": "undecided", "ico_notified_at": None})
    with pytest.raises(ValueError, match="The 72-hour deadline passed"):
        delay.accept("", clock().tzinfo, clock().date(), {"ico_decision": "notify"})


def test_a_conditional_triage_answer_is_required_only_when_it_applies_with_its_own_words(
    factory, clock, school
):
    report(factory, clock, school)
    form = _triage_fields(factory, clock, school)
    tz, today = clock().tzinfo, clock().date()
    risky = {"risk": "high", "ico_decision": "not_notify"}
    with pytest.raises(ValueError, match="Confirm here that you are not reporting it"):
        form.field("confirm_not_notify").accept([], tz, today, risky)
    with pytest.raises(ValueError, match="at least 8 words \\(0 now\\)"):
        form.field("ico_rationale").accept("", tz, today, risky)
    with pytest.raises(ValueError, match="Give the reason for this decision"):
        form.field("ico_rationale").accept("", tz, today, {"ico_decision": "notify"})
    with pytest.raises(ValueError, match="Choose how the people affected"):
        form.field("subjects_method").accept("", tz, today, {"subjects_decision": "tell"})
    # Not applying, the same blank answers are simply not asked for.
    quiet = {**NOT_REPORTABLE, "confirm_not_notify": [], "subjects_method": ""}
    assert not isinstance(triage(factory, clock, school, "dpo@example.org", quiet), Invalid)
