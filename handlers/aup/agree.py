"""The AUP acknowledgement dialog: the policy as shown, and one click to agree to exactly it."""

from __future__ import annotations

from handlers import forms
from handlers.aup import messages as msg
from handlers.aup.versions import acknowledgement, current_version
from handlers.context import Context
from handlers.flow import FlowForm
from handlers.forms import Form
from handlers.replies import Ask, Reply, Say
from storage.models import AupAcknowledgement, AupVersion

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
    version = current_version(ctx)
    if version is None:
        return Say(msg.NO_VERSION)
    if version.id != state.get("version_id") or version.text_hash != state.get("text_hash"):
        return Ask(agree_form(version).prefilled({"question": answers.get("question")}))
    existing = acknowledgement(ctx, ctx.person, version)
    if existing is None:
        question = answers.get("question")
        row = AupAcknowledgement(
            school_id=ctx.school.id,
            person_id=ctx.person.id,
            aup_version_id=version.id,
            version=version.version,
            text_hash=version.text_hash,
            cycle="",
            acknowledged_at=ctx.now,
            platform=ctx.platform,
            platform_user_id=ctx.person.identity(ctx.platform),
            question=str(question) if question else None,
        )
        ctx.session.add(row)
        ctx.session.flush()
        ctx.audit(
            "aup.acknowledged",
            f"aup:{version.id}",
            version=version.version,
            text_hash=version.text_hash,
            has_question=bool(question),
        )
        existing = row
    return Say(
        f"Thank you. Your agreement to *{version.title}* (version {version.version}) was "
        f"recorded on {ctx.when(existing.acknowledged_at)}.",
        done=True,
    )


def agree_form_for(ctx: Context, state: dict[str, object]) -> Form:
    """Rebuild the agreement form shown earlier (to parse its submission)."""
    version = ctx.session.get(AupVersion, state.get("version_id"))
    if version is None or version.school_id != ctx.school.id:
        version = current_version(ctx)
    if version is None:
        return Form(id=FORM_ID, title="Acceptable Use Policy", fields=())
    return agree_form(version)


FORMS = {FORM_ID: FlowForm(build=agree_form_for, submit=agree)}
