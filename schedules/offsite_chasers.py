"""Chasers for records off site, and the end-of-day lapse of unanswered approval requests.

On each school day, from the school's morning hour, every holder with records due or overdue
gets one digest with a "Mark returned" button per declaration, and the SIRO gets one digest of
records overdue beyond the school's threshold (sooner for sensitive tiers). Nothing goes out at
weekends, on bank holidays or in term holidays; a return date in a holiday rolls to the first
school day. Each digest is written under a ledger key for (person, kind, day), so a sweep run
twice, or by two workers, sends nothing twice, and a window the sweep never ran in uses nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from handlers import offsite_approval
from handlers import offsite_messages as msg
from handlers import offsite_rules as rules
from handlers.access import people_with_roles
from handlers.context import Context
from handlers.offsite_return import return_button
from handlers.replies import Notice
from schedules.calendar import SchoolCalendar
from storage.models import OffsiteApproval, OffsiteDeclaration, Person
from storage.outbox import LedgerKey

SIRO_ROLES = ("headteacher",)


@dataclass(frozen=True)
class DueRecord:
    """A declaration that is due today or overdue, as the chasers see it."""

    declaration: OffsiteDeclaration
    holder: Person
    due: date
    overdue_days: int


def sweep(ctx: Context) -> int:
    """Lapse unanswered requests, then (in the morning window) send today's digests."""
    queued = expire_requests(ctx)
    calendar = SchoolCalendar(ctx.settings)
    if not calendar.morning_window_open(ctx.now):
        return queued
    today = calendar.today(ctx.now)
    due = due_records(ctx, calendar, today)
    return queued + holder_digests(ctx, due, today) + siro_digest(ctx, due, today)


def expire_requests(ctx: Context) -> int:
    """Every request still unanswered at its expiry time lapses; both sides are told once."""
    declarations = ctx.session.scalars(
        select(OffsiteDeclaration)
        .join(OffsiteApproval, OffsiteApproval.declaration_id == OffsiteDeclaration.id)
        .where(
            OffsiteDeclaration.school_id == ctx.school.id,
            OffsiteDeclaration.status == "pending",
            OffsiteApproval.decision == "pending",
            OffsiteApproval.expires_at <= ctx.now,
        )
        .order_by(OffsiteDeclaration.id)
        .distinct()
    ).all()
    return sum(offsite_approval.expire(ctx, decl) for decl in declarations)


def due_records(ctx: Context, calendar: SchoolCalendar, today: date) -> list[DueRecord]:
    """Records out whose (rolled) due day is today or earlier."""
    rows = ctx.session.execute(
        select(OffsiteDeclaration, Person)
        .join(Person, Person.id == OffsiteDeclaration.person_id)
        .where(
            OffsiteDeclaration.school_id == ctx.school.id,
            OffsiteDeclaration.status == "out",
            OffsiteDeclaration.expected_return <= today,
        )
        .order_by(OffsiteDeclaration.expected_return, OffsiteDeclaration.id)
    )
    found = []
    for decl, holder in rows:
        due = rules.due_day(calendar, decl.expected_return)
        if due <= today:
            found.append(
                DueRecord(decl, holder, due, rules.overdue_school_days(calendar, due, today))
            )
    return found


def holder_digests(ctx: Context, due: list[DueRecord], today: date) -> int:
    """One message per holder per school day, listing everything due or overdue."""
    by_holder: dict[int, list[DueRecord]] = defaultdict(list)
    for record in due:
        by_holder[record.holder.id].append(record)
    queued = 0
    for records in by_holder.values():
        lines = [
            f"• {msg.reference(r.declaration)} · "
            + (f"overdue since {msg.day_label(r.due)}" if r.overdue_days else "due back today")
            for r in records
        ]
        notice = Notice(msg.due_digest(lines), tuple(return_button(r.declaration) for r in records))
        holder = records[0].holder
        key = LedgerKey(f"person:{holder.id}", "offsite_due_digest", today.isoformat())
        if ctx.notify([holder], notice, key=key):
            queued += 1
    return queued


def siro_digest(ctx: Context, due: list[DueRecord], today: date) -> int:
    """One message to the SIRO per school day with every record overdue past its threshold."""
    escalated = [
        r for r in due if r.overdue_days >= rules.escalation_after(ctx.settings, r.declaration.tier)
    ]
    siros = people_with_roles(ctx, SIRO_ROLES)
    if not escalated or not siros:
        return 0
    lines = [
        f"• {msg.reference(r.declaration)} · {r.holder.display_name} · due "
        f"{msg.day_label(r.due)} · {r.overdue_days} school day"
        f"{'s' * (r.overdue_days != 1)} overdue"
        for r in escalated
    ]
    key = LedgerKey(f"school:{ctx.school.id}", "offsite_siro_digest", today.isoformat())
    if ctx.notify(siros, Notice(msg.siro_digest(lines)), key=key):
        return len(siros)
    return 0
