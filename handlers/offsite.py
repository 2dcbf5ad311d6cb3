"""`/offsite`: declare records taken off site, list and return them, and the leads' register.

The dialog, approvals and returns live in offsite_declare, offsite_approval and offsite_return;
this module routes the command and the buttons and keeps the register of what is out now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from handlers import offsite_approval, offsite_declare, offsite_return
from handlers import offsite_messages as msg
from handlers import offsite_rules as rules
from handlers.access import require
from handlers.context import Context
from handlers.flow import ActionHandler, Command, FlowForm
from handlers.replies import Reply, Say
from schedules.calendar import SchoolCalendar
from storage.models import OffsiteDeclaration, Person

if TYPE_CHECKING:
    from handlers.registers import Register

# Declarations that are out of school: out (on time or overdue), or lost with items missing.
OFF_SITE_STATUSES = ("out", "lost")


def command(ctx: Context, text: str) -> Reply:
    """`/offsite` declares; `list`, `return` and (for leads) `register` do what they say."""
    word = text.split()[0].lower() if text.split() else ""
    if word in ("", "declare"):
        return offsite_declare.start(ctx)
    if word == "list":
        return offsite_return.list_records(ctx)
    if word == "return":
        return offsite_return.start_return(ctx)
    if word == "register":
        return register_view(ctx)
    return Say(msg.USAGE)


def off_site_now(ctx: Context) -> list[tuple[OffsiteDeclaration, Person]]:
    """Every declaration out of school now, with its holder, soonest due first."""
    rows = ctx.session.execute(
        select(OffsiteDeclaration, Person)
        .join(Person, Person.id == OffsiteDeclaration.person_id)
        .where(
            OffsiteDeclaration.school_id == ctx.school.id,
            OffsiteDeclaration.status.in_(OFF_SITE_STATUSES),
        )
        .order_by(OffsiteDeclaration.expected_return, OffsiteDeclaration.id)
    )
    return [(decl, person) for decl, person in rows]


def register_view(ctx: Context) -> Reply:
    """`/offsite register`: what is off site now, for leads."""
    require(ctx, "offsite.register", "offsite:register")
    calendar = SchoolCalendar(ctx.settings)
    today = calendar.today(ctx.now)
    rows = off_site_now(ctx)
    ctx.audit("offsite.register_viewed", "offsite:register", rows=len(rows))
    if not rows:
        return Say(msg.REGISTER_EMPTY)
    lines = [msg.register_heading(len(rows))]
    for decl, holder in rows:
        lines.append(
            msg.register_line(
                decl,
                holder.display_name,
                rules.FORMATS.get(decl.format, decl.format),
                rules.due_status(calendar, decl, today),
            )
        )
    return Say("\n".join(lines))


def offsite_register(ctx: Context) -> Register:
    """The register of records off site now, for `python -m bot export offsite`."""
    from handlers.registers import Register  # registers imports this module's function

    calendar = SchoolCalendar(ctx.settings)
    today = calendar.today(ctx.now)
    register = Register(
        "offsite",
        [
            "declaration",
            "holder_email",
            "holder_name",
            "categories",
            "tier",
            "format",
            "asset_tag",
            "encryption",
            "people_band",
            "purpose",
            "destination",
            "taken_at",
            "expected_return",
            "due",
            "status",
            "school_days_overdue",
            "permission_basis",
            "approved_by_id",
            "approved_at",
            "missing",
        ],
    )
    for decl, holder in off_site_now(ctx):
        status = rules.due_status(calendar, decl, today)
        approval = next((a for a in decl.approvals if a.decision == "approved"), None)
        register.rows.append(
            [
                decl.id,
                holder.email,
                holder.display_name,
                [i.category for i in decl.items],
                decl.tier,
                decl.format,
                decl.asset_tag or "",
                decl.encryption_confirmed,
                decl.people_band,
                decl.purpose,
                decl.destination_type,
                decl.taken_at.isoformat(),
                decl.expected_return.isoformat(),
                status.due.isoformat(),
                "overdue" if decl.status == "out" and status.overdue else decl.status,
                status.school_days_overdue,
                decl.permission_basis,
                approval.decided_by_id if approval else "",
                approval.decided_at.isoformat() if approval and approval.decided_at else "",
                [i.category for i in decl.items if i.status == "missing"],
            ]
        )
    return register


COMMANDS = (
    Command(
        "offsite",
        "Declare records you're taking off site, or mark them returned",
        "[return|list]",
        command,
    ),
)
ACTIONS: dict[str, ActionHandler] = {
    "offsite.start": lambda ctx, value: offsite_declare.start(ctx),
    **offsite_return.ACTIONS,
    **offsite_approval.ACTIONS,
}
FORMS: dict[str, FlowForm] = {
    **offsite_declare.FORMS,
    **offsite_return.FORMS,
    **offsite_approval.FORMS,
}
