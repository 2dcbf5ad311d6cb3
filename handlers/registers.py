"""Registers for governors, the DPO and the ICO: each is a header and rows of plain values.

Each flow builds its own registers (a ``handlers.register_table.Register`` from ``(ctx)``);
``REGISTERS`` collects and names them for `python -m bot export NAME`. Exporting is a privileged
act and is audited.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from handlers.access import require
from handlers.aup.register import aup_register
from handlers.breach.log import breach_register, governors_summary
from handlers.concern.log import concern_register
from handlers.context import Context
from handlers.offsite.register import offsite_register
from handlers.register_table import Register
from storage import audit
from storage.models import AuditEvent


def audit_register(ctx: Context) -> Register:
    register = Register("audit", ["seq", "at", "actor_id", "action", "subject", "details", "hash"])
    audit.write(ctx.session)  # events this transaction appended are written when it commits
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
    "breaches": breach_register,
    "concerns": concern_register,
    "offsite": offsite_register,
    "breach-summary": governors_summary,
}


def export(ctx: Context, name: str) -> Register:
    """The named register, after checking the actor may export and auditing that they did."""
    require(ctx, "export", f"export:{name}")
    register = REGISTERS[name](ctx)
    ctx.audit("register.exported", f"export:{name}", rows=len(register.rows))
    return register
