"""Declaring records taken off site: a two-step dialog, then recorded, sent for approval or
refused, as the school's tiers decide.

Step one asks what is going and how, so a refused combination is explained before any more
typing. Step two asks for the details and the promises. The step-one answers travel in the
form's state and are checked again on submit, so nothing depends on the adapter keeping them.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from handlers import forms
from handlers.access import people_with_roles
from handlers.context import Context
from handlers.errors import UserError
from handlers.flow import Answers, FlowForm, State
from handlers.forms import NAMES_WARNING, Form
from handlers.offsite import messages as msg
from handlers.offsite import rules
from handlers.replies import Ask, Button, Notice, Reply, Say
from handlers.school_calendar import SchoolCalendar
from handlers.settings import RECORD_CATEGORIES
from storage.models import OffsiteApproval, OffsiteDeclaration, OffsiteItem
from storage.outbox import LedgerKey

WHAT_FORM = "offsite.what"
DETAILS_FORM = "offsite.details"
APPROVER_ROLES = ("approver", "headteacher")


def start(ctx: Context) -> Reply:
    """The first step of the declaration dialog (``/offsite`` and the "offsite.start" button)."""
    # The dialog's idempotency token: sent again after a failure, it finds what it declared.
    return Ask(what_form(ctx, {"token": secrets.token_hex(16)}))


# --- step one: what and how ---------------------------------------------------------------------


def what_form(ctx: Context, state: State) -> Form:
    return Form(
        id=WHAT_FORM,
        title=msg.WHAT_TITLE,
        intro=msg.WHAT_INTRO,
        submit="Next",
        state=_token(state),
        fields=(
            forms.multi("categories", "Which records are going?", RECORD_CATEGORIES),
            forms.text(
                "other_category",
                "If Other: what kind of record is it?",
                max_length=100,
                help=NAMES_WARNING,
                when=forms.When("categories", ("other",), msg.OTHER_HINT),
                missing=msg.OTHER_REQUIRED,
            ),
            forms.single("format", "How will they travel?", rules.FORMATS),
            forms.text(
                "asset_tag",
                "Asset tag of the school laptop or USB stick",
                max_length=40,
                help="On the sticker, e.g. LAP-0142.",
                when=forms.When(
                    "format", tuple(sorted(rules.ASSET_TAG_FORMATS)), msg.ASSET_TAG_HINT
                ),
                missing=msg.ASSET_TAG_REQUIRED,
            ),
            forms.single(
                "encryption",
                "Is the device encrypted?",
                rules.DEVICE_ENCRYPTION,
                when=forms.When("format", tuple(sorted(rules.DEVICE_FORMATS)), msg.ENCRYPTION_HINT),
                missing=msg.DEVICE_ENCRYPTION,
            ),
        ),
    )


def refused(ctx: Context, what: Answers) -> Say | None:
    """A refusal with the policy and what to do instead, audited by code; None if allowed."""
    tier = rules.tier_of(ctx.settings, what["categories"])
    refusal = rules.refusal(ctx.settings, tier, what["format"], what["encryption"])
    if refusal is None:
        return None
    ctx.audit(
        "offsite.refused",
        f"person:{ctx.person.id}",
        reason=refusal.code,
        tier=tier,
        format=what["format"],
        categories=list(what["categories"]),
    )
    return Say(msg.REFUSALS[refusal.code])


def submit_what(ctx: Context, answers: Answers, state: State) -> Reply:
    refusal = refused(ctx, answers)
    if refusal is not None:
        return refusal
    return Ask(details_form(ctx, {**_token(state), "what": _plain(answers)}))


# --- step two: the details and the promises -----------------------------------------------------


def details_form(ctx: Context, state: State) -> Form:
    calendar = SchoolCalendar(ctx.settings)
    today = calendar.today(ctx.now)
    latest = rules.latest_return(calendar, ctx.settings, today)
    what = state.get("what", {})
    categories = [c for c in what.get("categories", []) if c in RECORD_CATEGORIES]
    permission = rules.permission_needed(ctx.settings, categories, _roles(ctx))
    intro = (
        f"{msg.categories_label(categories)} · {rules.FORMATS.get(what.get('format', ''), '')}\n"
        + msg.permission_note(
            permission.basis, answer_by(ctx, calendar), asked_later(ctx, calendar)
        )
    )
    return Form(
        id=DETAILS_FORM,
        title=msg.DETAILS_TITLE,
        intro=intro,
        submit="Declare",
        state={"what": what, **_token(state)},
        fields=(
            forms.single(
                "people_band", "How many people do the records concern?", msg.PEOPLE_BANDS
            ),
            forms.text(
                "class_code",
                "Class or year group code, e.g. Y4",
                required=False,
                max_length=12,
                help="A code only, never a name.",
            ),
            forms.single("purpose", "What are they for?", msg.PURPOSES),
            forms.long_text(
                "purpose_detail", "Anything to add about why?", required=False, max_length=300
            ),
            forms.single("destination", "Where are they going?", msg.DESTINATIONS),
            forms.date_field(
                "expected_return",
                "When will they be back in school?",
                initial=rules.default_return(calendar, today),
                help=msg.return_help(ctx.settings.max_offsite_school_days, latest),
                validators=return_date_checks(ctx, calendar),
            ),
            forms.multi(
                "attestations",
                "Your promises (tick all three)",
                msg.ATTESTATIONS,
                validators=(_all_attested,),
            ),
        ),
    )


def _all_attested(value: Any) -> str | None:
    return None if set(value) == set(msg.ATTESTATIONS) else msg.ATTEST_ALL


def submit_details(ctx: Context, answers: Answers, state: State) -> Reply:
    # Check step one again: the state came back through the adapter.
    what = what_form(ctx, {}).parse(state.get("what", {}), ctx.tz, ctx.today)
    refusal = refused(ctx, what)
    if refusal is not None:
        return refusal
    token = str(state.get("token") or "")[:32] or None
    decl = _declared_by(ctx, token) or declare(ctx, what, answers, token)
    if decl.status == "pending":
        calendar = SchoolCalendar(ctx.settings)
        return Say(
            msg.requested(decl, answer_by(ctx, calendar), asked_later(ctx, calendar)), done=True
        )
    return Say(msg.recorded(decl, due_day(ctx, decl)), done=True)


def answer_by(ctx: Context, calendar: SchoolCalendar) -> str:
    """When a request made now is answered or lapses: 'by the end of today' or of a later day."""
    expires = rules.approval_expiry(calendar, ctx.settings, ctx.now)
    return msg.by_end_of(calendar.today(expires), calendar.today(ctx.now))


def approvers_asked_at(ctx: Context, calendar: SchoolCalendar) -> datetime:
    """When approvers get a request made now: now in school hours, else when they next begin."""
    return calendar.in_hours(ctx.now, ctx.settings.morning_hour, ctx.settings.approval_expiry_hour)


def asked_later(ctx: Context, calendar: SchoolCalendar) -> str:
    """What to tell a person whose request waits for school hours; "" if it is sent now."""
    ask_at = approvers_asked_at(ctx, calendar)
    if ask_at <= ctx.now:
        return ""
    return msg.approvers_asked_at(calendar.local(ask_at), calendar.today(ctx.now))


def due_day(ctx: Context, decl: OffsiteDeclaration) -> date:
    """The school day a declaration is due back (its return date, rolled out of a holiday)."""
    calendar = SchoolCalendar(ctx.settings)
    return rules.due_status(calendar, decl, calendar.today(ctx.now)).due


def return_date_checks(ctx: Context, calendar: SchoolCalendar) -> tuple[forms.Validator, ...]:
    """The return date is today or later, and at most the school's maximum: checked as it is
    answered."""
    today = calendar.today(ctx.now)
    latest = rules.latest_return(calendar, ctx.settings, today)

    def not_past(chosen: date) -> str | None:
        return msg.PAST_DATE if chosen < today else None

    def not_too_far(chosen: date) -> str | None:
        return (
            msg.beyond_max(ctx.settings.max_offsite_school_days, latest)
            if chosen > latest
            else None
        )

    return (not_past, not_too_far)


def _token(state: State) -> State:
    """The dialog's token, carried from step to step (none in a dialog opened without one)."""
    return {"token": str(state["token"])[:32]} if state.get("token") else {}


def _declared_by(ctx: Context, token: str | None) -> OffsiteDeclaration | None:
    """The declaration this person's dialog already made, if it was sent before."""
    if token is None:
        return None
    return ctx.session.scalar(
        select(OffsiteDeclaration).where(
            OffsiteDeclaration.school_id == ctx.school.id,
            OffsiteDeclaration.person_id == ctx.person.id,
            OffsiteDeclaration.dialog_token == token,
        )
    )


def declare(
    ctx: Context, what: Answers, details: Answers, token: str | None = None
) -> OffsiteDeclaration:
    """Record the declaration; sensitive records beyond the person's role go for approval."""
    categories: list[str] = list(what["categories"])
    tier = rules.tier_of(ctx.settings, categories)
    permission = rules.permission_needed(ctx.settings, categories, _roles(ctx))
    approvers = []
    if permission.basis == "case_by_case":
        approvers = [p for p in people_with_roles(ctx, APPROVER_ROLES) if p.id != ctx.person.id]
        if not approvers:
            raise UserError(msg.NO_APPROVER)
    decl = OffsiteDeclaration(
        school_id=ctx.school.id,
        person_id=ctx.person.id,
        tier=tier,
        format=what["format"],
        asset_tag=what.get("asset_tag") if what["format"] in rules.DEVICE_FORMATS else None,
        encryption_confirmed=rules.normalised_encryption(what["format"], what["encryption"]),
        people_band=details["people_band"],
        class_code=details.get("class_code"),
        purpose=details["purpose"],
        purpose_detail=details.get("purpose_detail"),
        destination_type=details["destination"],
        other_category=what.get("other_category"),
        taken_at=ctx.now,
        expected_return=details["expected_return"],
        permission_basis=permission.basis,
        attested=True,
        status="pending" if approvers else "out",
        created_at=ctx.now,
        dialog_token=token,
        items=[OffsiteItem(category=c, status="out") for c in categories],
    )
    ctx.session.add(decl)
    ctx.session.flush()
    ctx.audit(
        "offsite.declared",
        f"offsite:{decl.id}",
        tier=tier,
        categories=categories,
        format=decl.format,
        encryption=decl.encryption_confirmed,
        people_band=decl.people_band,
        expected_return=decl.expected_return.isoformat(),
        permission_basis=permission.basis,
        status=decl.status,
    )
    if approvers:
        request_approval(ctx, decl, approvers)
    return decl


def request_approval(ctx: Context, decl: OffsiteDeclaration, approvers: list[Any]) -> None:
    """One approval row and one DM per approver; the first answer decides.

    Approvers are asked in school hours: a request made in the evening, at a weekend or in a
    holiday reaches them at the next school morning, and lapses at the end of that day.
    """
    calendar = SchoolCalendar(ctx.settings)
    expires = rules.approval_expiry(calendar, ctx.settings, ctx.now)
    ask_from = approvers_asked_at(ctx, calendar)
    format_label = rules.FORMATS[decl.format]
    for approver in approvers:
        approval = OffsiteApproval(
            approver_id=approver.id, requested_at=ctx.now, expires_at=expires, decision="pending"
        )
        decl.approvals.append(approval)
        ctx.session.flush()
        ctx.audit(
            "offsite.approval_requested",
            f"offsite:{decl.id}",
            approval_id=approval.id,
            approver_id=approver.id,
            expires_at=expires.isoformat(),
        )
        ctx.notify(
            [approver],
            Notice(
                msg.approval_request(
                    decl,
                    ctx.person.display_name,
                    format_label,
                    due_day(ctx, decl),
                    calendar.today(expires),
                ),
                (
                    Button("Approve", "offsite.approve", str(approval.id), "primary"),
                    Button("Decline", "offsite.decline", str(approval.id), "danger"),
                ),
            ),
            key=LedgerKey(f"offsite_approval:{approval.id}", "approval_request"),
            not_before=ask_from,
        )


def _roles(ctx: Context) -> set[str]:
    return ctx.actor.role_names if ctx.actor else set()


def _plain(answers: Answers) -> dict[str, Any]:
    """Step-one answers as the raw values the form parses again (JSON-safe)."""
    return {k: v for k, v in answers.items() if v not in (None, [])}


FORMS = {
    WHAT_FORM: FlowForm(build=what_form, submit=submit_what),
    DETAILS_FORM: FlowForm(build=details_form, submit=submit_details),
}
