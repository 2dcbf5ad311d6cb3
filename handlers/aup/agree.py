"""The AUP acknowledgement dialog: the policy as shown, and one click to agree to exactly it."""

from __future__ import annotations

from handlers import forms
from handlers.aup import messages as msg
from handlers.aup.roster import record_signature, version_for
from handlers.context import Context
from handlers.flow import FlowForm
from handlers.forms import Form
from handlers.replies import Ask, Reply, Say
from storage.models import AupVersion

FORM_ID = "aup.agree"


def agree_form(version: AupVersion) -> Form:
    body = version.text.strip()
    intro = f"*{version.title}* · version {version.version}"
    if version.url:
        intro += f"\nRead it in full: {version.url}"
    if body:
        intro += "\n\n" + body
    return Form(
        id=FORM_ID,
        title="Acceptable Use Policy",
        intro=intro,
        fields=(
            forms.long_text(
                "question",
                "Any question for the Online Safety lead?",
                required=False,
                max_length=1000,
            ),
        ),
        submit=msg.AGREE_BUTTON,
        notice=msg.AGREEMENT,
        consent=msg.consent(version.title, version.version),
        state={"version_id": version.id, "text_hash": version.text_hash},
    )


def agree(ctx: Context, answers: dict[str, object], state: dict[str, object]) -> Reply:
    """Record the one-click agreement to exactly the wording that was shown."""
    version = version_for(ctx, ctx.person)
    if version is None:
        return Say(msg.NO_VERSION)
    if version.id != state.get("version_id") or version.text_hash != state.get("text_hash"):
        return Ask(agree_form(version).prefilled({"question": answers.get("question")}))
    question = answers.get("question")
    existing = record_signature(ctx, ctx.person, version)
    if question and existing.question is None:
        existing.question = str(question)
    return Say(
        f"Thank you. Your agreement to *{version.title}* (version {version.version}) was "
        f"recorded on {ctx.when(existing.acknowledged_at)}.",
        done=True,
    )


def agree_form_for(ctx: Context, state: dict[str, object]) -> Form:
    """Rebuild the agreement form shown earlier (to parse its submission)."""
    version = ctx.session.get(AupVersion, state.get("version_id"))
    if version is None or version.school_id != ctx.school.id:
        version = version_for(ctx, ctx.person)
    if version is None:
        return Form(id=FORM_ID, title="Acceptable Use Policy", fields=())
    return agree_form(version)


FORMS = {FORM_ID: FlowForm(build=agree_form_for, submit=agree)}
