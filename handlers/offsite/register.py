"""The leads' register of records off site now: `/offsite register` and `export offsite`."""

from __future__ import annotations

from sqlalchemy import select

from handlers.access import require
from handlers.context import Context
from handlers.offsite import messages as msg
from handlers.offsite import rules
from handlers.register_table import Register
from handlers.replies import Reply, Say
from handlers.school_calendar import SchoolCalendar
from storage.models import OffsiteDeclaration, Person

# Declarations that are out of school: out (on time or overdue), or lost with items missing.
OFF_SITE_STATUSES = ("out", "lost")


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
