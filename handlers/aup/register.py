"""Who has agreed to the current AUP: `/aup status` for leads and the `export aup` register."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.access import require
from handlers.aup import messages as msg
from handlers.aup.versions import current_version
from handlers.context import Context
from handlers.register_table import Register
from handlers.replies import Reply, Say
from storage.models import AupAcknowledgement, Person


def status(ctx: Context) -> Reply:
    require(ctx, "aup.status", "aup")
    version = current_version(ctx)
    if version is None:
        return Say(msg.NO_VERSION)
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


def aup_register(ctx: Context) -> Register:
    """Every member of staff and their agreement to the current AUP version."""
    version = current_version(ctx)
    register = Register(
        "aup",
        [
            "person_email",
            "person_name",
            "role_group",
            "version",
            "status",
            "acknowledged_at",
            "text_hash",
            "platform",
        ],
    )
    acks: dict[int, AupAcknowledgement] = {}
    if version is not None:
        for ack in ctx.session.scalars(
            select(AupAcknowledgement).where(AupAcknowledgement.aup_version_id == version.id)
        ):
            acks[ack.person_id] = ack
    for person in ctx.session.scalars(
        select(Person)
        .where(Person.school_id == ctx.school.id, Person.active.is_(True))
        .order_by(Person.display_name)
    ):
        signed = acks.get(person.id)
        register.rows.append(
            [
                person.email,
                person.display_name,
                person.role_group,
                version.version if version else "",
                "signed" if signed else "pending",
                signed.acknowledged_at.isoformat() if signed else "",
                signed.text_hash if signed else "",
                signed.platform if signed else "",
            ]
        )
    return register
