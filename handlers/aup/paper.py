"""Recording a signature given on paper or by email (`/aup record`): leads only, for people
who are not in chat (governors, volunteers from the staff-list CSV) or who signed outside it.

The signature goes through roster.record_signature like any other, with the method, the date
on the paper, the evidence reference (screened, stored encrypted) and who recorded it (the
acknowledgement's acknowledged_at is when it was recorded).
"""

from __future__ import annotations

from datetime import date

from handlers import forms
from handlers.access import require
from handlers.aup import messages as msg
from handlers.aup.person_field import email_field, listed_person
from handlers.aup.roster import GROUP_LABELS, SIGNED, record_signature, standing
from handlers.context import Context
from handlers.flow import FlowForm
from handlers.forms import Form, FormErrors
from handlers.replies import Ask, Reply, Say

FORM_ID = "aup.record"
PERMISSION = "aup.manage"


def record_form(ctx: Context, state: dict[str, object] | None = None) -> Form:
    today = ctx.today  # a value: a form's checks never reach back into its request
    return Form(
        id=FORM_ID,
        title=msg.RECORD_TITLE,
        intro=msg.RECORD_INTRO,
        fields=(
            email_field(),
            forms.single("method", msg.METHOD_LABEL, msg.RECORD_METHODS),
            forms.date_field(
                "signed_on",
                msg.SIGNED_ON_LABEL,
                validators=(lambda on: msg.SIGNED_IN_FUTURE if on > today else None,),
            ),
            forms.text(
                "evidence_ref",
                msg.EVIDENCE_LABEL,
                screen="reference",
                help=msg.EVIDENCE_HELP,
                max_length=200,
            ),
        ),
        submit=msg.RECORD_SUBMIT,
    )


def open_record(ctx: Context) -> Reply:
    require(ctx, PERMISSION, "aup")
    return Ask(record_form(ctx))


def record(ctx: Context, answers: dict[str, object], state: dict[str, object]) -> Reply:
    """Record the signature against the version that applies to the person now."""
    require(ctx, PERMISSION, "aup")
    person = listed_person(ctx, answers)
    signed_on = answers["signed_on"]
    assert isinstance(signed_on, date)
    now = standing(ctx, person)
    version = now.version
    name = person.display_name
    if version is None:
        group = GROUP_LABELS[person.role_group].lower()
        raise FormErrors({"email": msg.NOTHING_TO_SIGN_FOR.format(group=group, name=name)})
    if now.status == SIGNED and now.signature is not None:
        when = ctx.when(now.signature.acknowledged_at)
        raise FormErrors({"email": msg.person_already_signed(name, version.version, when)})
    if signed_on < version.effective_date:
        raise FormErrors(
            {
                "signed_on": msg.SIGNED_BEFORE_VERSION.format(
                    version=version.version, effective=msg.day(version.effective_date)
                )
            }
        )
    method = str(answers["method"])
    record_signature(
        ctx,
        person,
        version,
        method=method,
        evidence_ref=str(answers["evidence_ref"]),
        signed_on=signed_on,
    )
    return Say(
        msg.recorded(name, version.title, version.version, method, msg.day(signed_on)), done=True
    )


FORMS = {FORM_ID: FlowForm(build=record_form, submit=record, permission=PERMISSION)}
