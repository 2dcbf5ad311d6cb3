"""The AUP acknowledgement dialog: the policy as shown, then either an explicit agreement to
exactly that wording or a question for the Online Safety lead (the person stays "to sign").

When the school asks for it (settings.aup_training_date), agreeing also records the date the
person completed this year's online-safety training, as the policy ties the two together.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from handlers import forms
from handlers.access import id_from
from handlers.aup import messages as msg
from handlers.aup import questions
from handlers.aup.roster import record_signature, version_for
from handlers.context import Context
from handlers.flow import FlowForm
from handlers.forms import Form, When
from handlers.replies import Ask, Reply, Say
from storage.models import AupVersion

FORM_ID = "aup.agree"
AGREE, QUESTION = "agree", "question"
AGREEING = When("response", (AGREE,), msg.TRAINING_HINT)
ASKING = When("response", (QUESTION,), msg.QUESTION_HINT)


def school_year_start(today: date) -> date:
    """1 September of the school year ``today`` is in (English schools' year)."""
    return date(today.year if today.month >= 9 else today.year - 1, 9, 1)


def agree_form(ctx: Context, version: AupVersion) -> Form:
    body = version.text.strip()
    intro = f"*{version.title}* · version {version.version}"
    if version.url:
        intro += f"\nRead it in full: {version.url}"
    if body:
        intro += "\n\n" + body
    fields = [
        forms.single(
            "response",
            msg.RESPONSE_LABEL,
            {AGREE: msg.AGREE_CHOICE, QUESTION: msg.QUESTION_CHOICE},
            missing=msg.RESPONSE_MISSING,
        )
    ]
    if ctx.settings.aup_training_date:
        fields.append(training_field(ctx.today))
    fields.append(
        forms.long_text(
            "question",
            msg.QUESTION_LABEL,
            max_length=1000,
            when=ASKING,
            conflicts=(_question_while_agreeing,),
        ),
    )
    return Form(
        id=FORM_ID,
        title="Acceptable Use Policy",
        intro=intro,
        fields=tuple(fields),
        submit=msg.SEND_BUTTON,
        notice=msg.AGREEMENT,
        consent=msg.consent(version.title, version.version),
        consent_when=AGREEING,
        # The token lets a question sent again after a failure find the one it asked.
        state={
            "version_id": version.id,
            "text_hash": version.text_hash,
            "token": secrets.token_hex(16),
        },
    )


def _question_while_agreeing(value: object, answers: dict[str, Any]) -> str | None:
    """A question typed beside "I agree" (a modal shows both) is pointed out, never lost."""
    return msg.QUESTION_WITH_AGREEMENT if answers.get("response") == AGREE else None


def training_field(today: date) -> forms.Field:
    """This year's training date: not in the future, not before the school year began."""
    year_start = school_year_start(today)

    def this_school_year(day: date) -> str | None:
        if day > today:
            return msg.TRAINING_FUTURE
        if day < year_start:
            return msg.training_too_early(f"{year_start:%a} {year_start.day} {year_start:%b %Y}")
        return None

    return forms.date_field(
        "training_on", msg.TRAINING_LABEL, when=AGREEING, validators=(this_school_year,)
    )


def agree(ctx: Context, answers: dict[str, Any], state: dict[str, Any]) -> Reply:
    """Record the agreement to exactly the wording that was shown, or send the question."""
    version = version_for(ctx, ctx.person)
    if version is None:
        return Say(msg.NO_VERSION)
    if version.id != state.get("version_id") or version.text_hash != state.get("text_hash"):
        return Ask(agree_form(ctx, version).prefilled(answers))
    if answers["response"] == QUESTION:
        token = str(state.get("token") or "")[:32] or None
        return questions.ask(ctx, version, str(answers["question"]), token)
    signed = record_signature(
        ctx,
        ctx.person,
        version,
        interaction_id=ctx.interaction_id,
        training_completed_on=answers.get("training_on"),
    )
    return Say(
        msg.agreed(version.title, version.version, ctx.when(signed.acknowledged_at)), done=True
    )


def agree_form_for(ctx: Context, state: dict[str, Any]) -> Form:
    """Rebuild the agreement form shown earlier (to parse its submission)."""
    version_id = id_from(state.get("version_id"))
    version = ctx.session.get(AupVersion, version_id) if version_id else None
    if version is None or version.school_id != ctx.school.id:
        version = version_for(ctx, ctx.person)
    if version is None:
        return Form(id=FORM_ID, title="Acceptable Use Policy", fields=())
    return agree_form(ctx, version)


FORMS = {FORM_ID: FlowForm(build=agree_form_for, submit=agree)}
