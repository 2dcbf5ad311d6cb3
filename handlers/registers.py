"""Registers for governors, the DPO and the ICO: each is a header and rows of plain values.

Flow modules provide a register function ``(ctx) -> Register``; ``REGISTERS`` names them for
`python -m bot export NAME`. Exporting is a privileged act and is audited.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from handlers import aup
from handlers.access import require
from handlers.breach import log as breach_log
from handlers.context import Context
from handlers.offsite import register as offsite_register
from handlers.register_table import Register
from storage.models import AuditEvent, AupAcknowledgement, Person


def aup_register(ctx: Context) -> Register:
    """Every member of staff and their agreement to the current AUP version."""
    version = aup.current_version(ctx)
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


def audit_register(ctx: Context) -> Register:
    register = Register("audit", ["seq", "at", "actor_id", "action", "subject", "details", "hash"])
    for event in ctx.session.scalars(
        select(AuditEvent).where(AuditEvent.school_id == ctx.school.id).order_by(AuditEvent.seq)
    ):
        register.rows.append(
            [
                event.seq,
                event.at.isoformat(),
                event.actor_id,
                event.action,
                event.subject,
                event.details,
                event.hash,
            ]
        )
    return register


REGISTERS: dict[str, Callable[[Context], Register]] = {
    "aup": aup_register,
    "audit": audit_register,
    "breaches": breach_log.breach_register,
    "offsite": offsite_register.offsite_register,
    "breach-summary": breach_log.governors_summary,
}


def export(ctx: Context, name: str) -> Register:
    """The named register, after checking the actor may export and auditing that they did."""
    require(ctx, "export", f"export:{name}")
    register = REGISTERS[name](ctx)
    ctx.audit("register.exported", f"export:{name}", rows=len(register.rows))
    return register
