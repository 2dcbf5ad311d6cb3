"""Exempting someone from signing for a stated reason and period (`/aup exempt`), and ending
an exemption early (`/aup exempt end`): leads only, audited. The reason is screened free text,
stored encrypted; the roster shows the person as exempt while the exemption covers today."""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select

from handlers import forms
from handlers.access import require
from handlers.aup import messages as msg
from handlers.aup.person_field import email_field, listed_person
from handlers.context import Context
from handlers.flow import FlowForm
from handlers.forms import Form, FormErrors
from handlers.replies import Ask, Reply, Say
from storage.models import AupExemption, Person

EXEMPT_FORM = "aup.exempt"
END_FORM = "aup.exempt_end"
PERMISSION = "aup.manage"


def exempt_form(ctx: Context, state: dict[str, object] | None = None) -> Form:
    today = ctx.today  # a value: a form's checks never reach back into its request
    return Form(
        id=EXEMPT_FORM,
        title=msg.EXEMPT_TITLE,
        intro=msg.EXEMPT_INTRO,
        fields=(
            email_field(),
            forms.long_text("reason", msg.REASON_LABEL, help=msg.REASON_HELP, max_length=500),
            forms.date_field(
                "until",
                msg.UNTIL_LABEL,
                validators=(lambda until: msg.UNTIL_PAST if until < today else None,),
            ),
        ),
        submit=msg.EXEMPT_SUBMIT,
        # The dialog's token: sent again after a failure, it finds the exemption it recorded.
        state={"token": str(state["token"])[:32]} if state and state.get("token") else {},
    )


def end_form(ctx: Context, state: dict[str, object] | None = None) -> Form:
    return Form(
        id=END_FORM,
        title=msg.END_TITLE,
        intro=msg.END_INTRO,
        fields=(email_field(),),
        submit=msg.END_SUBMIT,
    )


def open_exempt(ctx: Context) -> Reply:
    require(ctx, PERMISSION, "aup")
    return Ask(exempt_form(ctx, {"token": secrets.token_hex(16)}))


def open_end(ctx: Context) -> Reply:
    require(ctx, PERMISSION, "aup")
    return Ask(end_form(ctx))


def in_force(ctx: Context, person: Person) -> AupExemption | None:
    """The person's exemption covering today, if any."""
    return ctx.session.scalar(
        select(AupExemption)
        .where(
            AupExemption.person_id == person.id,
            AupExemption.starts_on <= ctx.today,
            AupExemption.ends_on >= ctx.today,
            AupExemption.ended_at.is_(None),
        )
        .order_by(AupExemption.id.desc())
        .limit(1)
    )


def exempt(ctx: Context, answers: dict[str, object], state: dict[str, object]) -> Reply:
    """Exempt the person from today until the given day; an exemption in force is replaced."""
    require(ctx, PERMISSION, "aup")
    until = answers["until"]
    assert isinstance(until, date)
    person = listed_person(ctx, answers)
    token = str(state.get("token") or "")[:32] or None
    if token is not None:
        done = ctx.session.scalar(
            select(AupExemption).where(
                AupExemption.school_id == ctx.school.id, AupExemption.dialog_token == token
            )
        )
        if done is not None:
            return Say(msg.exempted(person.display_name, msg.day(done.ends_on), False), done=True)
    earlier = in_force(ctx, person)
    if earlier is not None:
        _end(ctx, earlier)
    row = AupExemption(
        school_id=ctx.school.id,
        person_id=person.id,
        reason=str(answers["reason"]),
        starts_on=ctx.today,
        ends_on=until,
        recorded_by_id=ctx.actor.id if ctx.actor else None,
        recorded_at=ctx.now,
        dialog_token=token,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit(
        "aup.exempted",
        f"person:{person.id}",
        exemption=row.id,
        starts_on=row.starts_on.isoformat(),
        ends_on=until.isoformat(),
        replaced=earlier.id if earlier else None,
    )
    return Say(msg.exempted(person.display_name, msg.day(until), earlier is not None), done=True)


def end(ctx: Context, answers: dict[str, object], state: dict[str, object]) -> Reply:
    """End the person's exemption today: they are asked to sign again."""
    require(ctx, PERMISSION, "aup")
    person = listed_person(ctx, answers)
    exemption = in_force(ctx, person)
    if exemption is None:
        raise FormErrors({"email": msg.NOT_EXEMPT.format(name=person.display_name)})
    _end(ctx, exemption)
    return Say(msg.exemption_ended(person.display_name), done=True)


def _end(ctx: Context, exemption: AupExemption) -> None:
    exemption.ended_at = ctx.now
    exemption.ended_by_id = ctx.actor.id if ctx.actor else None
    ctx.audit("aup.exemption_ended", f"person:{exemption.person_id}", exemption=exemption.id)


FORMS = {
    EXEMPT_FORM: FlowForm(build=exempt_form, submit=exempt, permission=PERMISSION),
    END_FORM: FlowForm(build=end_form, submit=end, permission=PERMISSION),
}
