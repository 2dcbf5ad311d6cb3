"""The Acceptable Use Policy: publish a version, read it, agree with one click, and status."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import func, select

from handlers import forms
from handlers.access import require
from handlers.context import Context
from handlers.flow import Command, FlowForm
from handlers.forms import Form
from handlers.replies import Ask, Reply, Say
from storage.models import AupAcknowledgement, AupVersion, Person

AGREEMENT = "I have read, understood and agree to abide by this Acceptable Use Policy."
NO_VERSION = (
    "Your school hasn't published an Acceptable Use Policy in Safekeep yet. "
    "Your Online Safety lead can add it to school.toml (the [aup] section)."
)
FORM_ID = "aup.agree"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def publish_version(
    ctx: Context, version: str, title: str, text: str, url: str | None, effective: date
) -> AupVersion:
    """Publish a wording (idempotent by version number; a changed text needs a new number)."""
    existing = ctx.session.scalar(
        select(AupVersion).where(
            AupVersion.school_id == ctx.school.id, AupVersion.version == version
        )
    )
    digest = text_hash(text)
    if existing is not None:
        if existing.text_hash != digest or existing.title != title or existing.url != url:
            raise ValueError(
                f"AUP version {version} is already published with different wording; "
                "give the new wording a new version number."
            )
        return existing
    row = AupVersion(
        school_id=ctx.school.id,
        version=version,
        title=title,
        url=url,
        text=text,
        text_hash=digest,
        effective_date=effective,
        published_at=ctx.now,
        published_by_id=ctx.actor.id if ctx.actor else None,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("aup.published", f"aup:{row.id}", version=version, text_hash=digest)
    return row


def current_version(ctx: Context) -> AupVersion | None:
    return ctx.session.scalar(
        select(AupVersion)
        .where(
            AupVersion.school_id == ctx.school.id,
            AupVersion.effective_date <= ctx.today,
        )
        .order_by(AupVersion.effective_date.desc(), AupVersion.id.desc())
        .limit(1)
    )


def acknowledgement(ctx: Context, person: Person, version: AupVersion) -> AupAcknowledgement | None:
    return ctx.session.scalar(
        select(AupAcknowledgement).where(
            AupAcknowledgement.person_id == person.id,
            AupAcknowledgement.aup_version_id == version.id,
        )
    )


def command(ctx: Context, text: str) -> Reply:
    """`/aup` shows the current policy to agree to; `/aup status` is for leads."""
    word = text.strip().lower()
    if word == "status":
        return status(ctx)
    if word not in ("", "read", "sign"):
        return Say("Use `/aup` to read and agree to the policy, or `/aup status` (leads).")
    version = current_version(ctx)
    if version is None:
        return Say(NO_VERSION)
    signed = acknowledgement(ctx, ctx.person, version)
    if signed is not None:
        return Say(
            f"You agreed to *{version.title}* (version {version.version}) on "
            f"{ctx.when(signed.acknowledged_at)}. Nothing more to do."
            + (f"\nRead it again: {version.url}" if version.url else "")
        )
    return Ask(agree_form(version))


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
        submit="I agree",
        notice=AGREEMENT,
        state={"version_id": version.id, "text_hash": version.text_hash},
    )


def agree(ctx: Context, answers: dict[str, object], state: dict[str, object]) -> Reply:
    """Record the one-click agreement to exactly the wording that was shown."""
    version = current_version(ctx)
    if version is None:
        return Say(NO_VERSION)
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
        f"recorded on {ctx.when(existing.acknowledged_at)}."
    )


def status(ctx: Context) -> Reply:
    require(ctx, "aup.status", "aup")
    version = current_version(ctx)
    if version is None:
        return Say(NO_VERSION)
    staff = (
        ctx.session.scalar(
            select(func.count(Person.id)).where(
                Person.school_id == ctx.school.id, Person.active.is_(True)
            )
        )
        or 0
    )
    signed = (
        ctx.session.scalar(
            select(func.count(func.distinct(AupAcknowledgement.person_id)))
            .join(Person, Person.id == AupAcknowledgement.person_id)
            .where(AupAcknowledgement.aup_version_id == version.id, Person.active.is_(True))
        )
        or 0
    )
    unsigned = ctx.session.scalars(
        select(Person)
        .where(
            Person.school_id == ctx.school.id,
            Person.active.is_(True),
            ~Person.id.in_(
                select(AupAcknowledgement.person_id).where(
                    AupAcknowledgement.aup_version_id == version.id
                )
            ),
        )
        .order_by(Person.display_name)
    ).all()
    ctx.audit("aup.status_viewed", f"aup:{version.id}")
    lines = [f"*{version.title}* version {version.version}: {signed} of {staff} signed."]
    if unsigned:
        lines.append("Not signed yet: " + ", ".join(p.display_name for p in unsigned))
    return Say("\n".join(lines))


def agree_form_for(ctx: Context, state: dict[str, object]) -> Form:
    """Rebuild the agreement form shown earlier (to parse its submission)."""
    version = ctx.session.get(AupVersion, state.get("version_id"))
    if version is None or version.school_id != ctx.school.id:
        version = current_version(ctx)
    if version is None:
        return Form(id=FORM_ID, title="Acceptable Use Policy", fields=())
    return agree_form(version)


COMMANDS = (Command("aup", "Read and agree to the Acceptable Use Policy", "[status]", command),)
ACTIONS = {"aup.start": lambda ctx, value: command(ctx, "")}
FORMS = {FORM_ID: FlowForm(build=agree_form_for, submit=agree)}
