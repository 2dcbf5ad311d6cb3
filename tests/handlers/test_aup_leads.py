"""The leads' AUP rules: exemptions (replaced, ended, expiring), signatures recorded on paper
or by email (who may be recorded), and the export's rows for leavers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from handlers import people
from handlers.aup import exemptions, paper
from handlers.aup.register import aup_register, signed_by_group
from handlers.aup.roster import EXEMPT, TO_SIGN, standing
from handlers.context import Context
from handlers.forms import FormErrors
from handlers.replies import Say
from storage.database import transaction
from storage.models import AupExemption, School

LEAD = "onlinesafety@example.org"


def lead_ctx(session, school_id, clock, email=LEAD) -> Context:
    school = session.get_one(School, school_id)
    actor = people.find_by_email(session, school_id, email)
    return Context(session, school, actor, clock, platform="console")


def exempt(ctx: Context, email: str, until: date) -> object:
    return exemptions.exempt(
        ctx, {"email": email, "reason": "Long-term absence", "until": until}, {}
    )


def test_a_second_exemption_replaces_the_first_and_an_exemption_lapses_after_its_last_day(
    factory, clock, school
):
    with transaction(factory) as session:
        ctx = lead_ctx(session, school.id, clock)
        exempt(ctx, "ta@example.org", ctx.today + timedelta(days=7))
        reply = exempt(ctx, "ta@example.org", ctx.today + timedelta(days=14))
        assert isinstance(reply, Say) and "replaces the exemption they had" in reply.text
        rows = session.scalars(select(AupExemption).order_by(AupExemption.id)).all()
        assert [r.ended_at is not None for r in rows] == [True, False]
        assert rows[0].ended_by_id == ctx.person.id
        ta = people.find_by_email(session, school.id, "ta@example.org")
        assert standing(ctx, ta).status == EXEMPT
    clock.advance(days=15)
    with factory() as session:
        ctx = lead_ctx(session, school.id, clock)
        ta = people.find_by_email(session, school.id, "ta@example.org")
        assert standing(ctx, ta).status == TO_SIGN  # past its last day


def test_exempt_people_are_left_out_of_the_governors_counts(factory, clock, school):
    with transaction(factory) as session:
        ctx = lead_ctx(session, school.id, clock)
        assert signed_by_group(ctx)["support"] == (0, 4)
        exempt(ctx, "ta@example.org", ctx.today)
        assert signed_by_group(ctx)["support"] == (0, 3)


def test_a_leaver_cannot_be_exempted_or_recorded(factory, clock, school):
    with transaction(factory) as session:
        ctx = lead_ctx(session, school.id, clock)
        ta = people.find_by_email(session, school.id, "ta@example.org")
        ta.active = False
        with pytest.raises(FormErrors) as refused:
            exempt(ctx, "ta@example.org", ctx.today)
        assert refused.value.errors == {
            "email": "Sam Assistant has left (inactive on the staff list), so there is nothing "
            "to record."
        }
        answers = {
            "email": "ta@example.org",
            "method": "paper",
            "signed_on": ctx.today,
            "evidence_ref": "Office file 3",
        }
        with pytest.raises(FormErrors):
            paper.record(ctx, answers, {})


def test_the_forms_refuse_a_past_last_day_a_future_signature_and_a_non_email(
    factory, clock, school
):
    with factory() as session:
        ctx = lead_ctx(session, school.id, clock)
        with pytest.raises(FormErrors) as refused:
            exemptions.exempt_form(ctx).parse(
                {"email": "not an email", "reason": "Away", "until": "2026-11-23"},
                ctx.tz,
                ctx.today,
            )
        assert refused.value.errors == {
            "email": "Enter an email address, like name@example.org.",
            "until": "The last day can't be before today.",
        }
        with pytest.raises(FormErrors) as refused:
            paper.record_form(ctx).parse(
                {
                    "email": "gale@example.org",
                    "method": "fax",
                    "signed_on": "2026-11-25",
                    "evidence_ref": "",
                },
                ctx.tz,
                ctx.today,
            )
        assert refused.value.errors == {
            "method": "Choose one of the options.",
            "signed_on": "The date they signed can't be in the future.",
            "evidence_ref": "Please answer this.",
        }


def test_the_export_keeps_a_leaver_who_signed_with_the_status_left(factory, clock, school):
    with transaction(factory) as session:
        ctx = lead_ctx(session, school.id, clock)
        paper.record(
            ctx,
            {
                "email": "ta@example.org",
                "method": "email",
                "signed_on": ctx.today,
                "evidence_ref": "AUP folder",
            },
            {},
        )
        people.find_by_email(session, school.id, "ta@example.org").active = False
        people.find_by_email(session, school.id, "sbm@example.org").active = False  # never signed
    with factory() as session:
        rows = aup_register(lead_ctx(session, school.id, clock)).as_dicts()
    emails = [r["person_email"] for r in rows]
    assert "sbm@example.org" not in emails
    (ta,) = [r for r in rows if r["person_email"] == "ta@example.org"]
    assert (ta["status"], ta["method"], ta["recorded_by"]) == ("left", "email", LEAD)


def test_the_aup_usage_names_the_leads_words_only_to_leads(factory, clock, school):
    from handlers.aup import command

    with factory() as session:
        lead = command(lead_ctx(session, school.id, clock), "help")
        teacher = command(lead_ctx(session, school.id, clock, "teacher@example.org"), "help")
    assert isinstance(lead, Say) and "`/aup exempt end`" in lead.text
    assert isinstance(teacher, Say) and "exempt" not in teacher.text
