"""Chasers for records off site, the lapse of unanswered approval requests, and the follow-up
when records went missing but no breach was reported.

On each school day, in the first reminder window the sweep runs in (the morning window, or the
afternoon window if the morning was missed), every holder with records due or overdue gets one
digest with a "Mark returned" button per declaration, and the SIRO gets one digest of records
overdue beyond the school's threshold (sooner for sensitive tiers). Nothing goes out at weekends,
on bank holidays or in term holidays, and a declaration is never chased on the day it was taken;
a return date in a holiday rolls to the first school day. Each digest is written under a ledger
key for (person, kind, day), so a sweep run twice, or by two workers, sends nothing twice, and a
day the sweep never ran in uses nothing.

Records marked "not everything came back" with no breach report half an hour later bring an
urgent reminder to the holder (with the report button) and a note to the DPO, once each.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, select

from handlers.access import people_with_roles
from handlers.context import Context
from handlers.offsite import approval as offsite_approval
from handlers.offsite import messages as msg
from handlers.offsite import rules
from handlers.offsite.returns import report_missing_button, return_button
from handlers.replies import Notice
from handlers.school_calendar import SchoolCalendar
from storage.models import Incident, OffsiteApproval, OffsiteDeclaration, Person
from storage.outbox import LedgerKey

SIRO_ROLES = ("headteacher",)
DPO_ROLES = ("dpo",)
# How long a holder has to file the breach report they were sent into before being reminded.
REPORT_MISSING_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class DueRecord:
    """A declaration that is due today or overdue, as the chasers see it."""

    declaration: OffsiteDeclaration
    holder: Person
    status: rules.DueStatus


def sweep(ctx: Context) -> int:
    """Lapse unanswered requests and chase unreported losses at any hour, then (in a reminder
    window) send today's digests."""
    queued = expire_requests(ctx) + unreported_losses(ctx)
    calendar = SchoolCalendar(ctx.settings)
    if not calendar.reminder_window_open(ctx.now):
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


def unreported_losses(ctx: Context) -> int:
    """Declarations marked lost at least half an hour ago with no breach report linked: remind
    the holder (urgent: a possible breach ignores quiet hours) and tell the DPO, once each."""
    lost = ctx.session.execute(
        select(OffsiteDeclaration, Person)
        .join(Person, Person.id == OffsiteDeclaration.person_id)
        .where(
            OffsiteDeclaration.school_id == ctx.school.id,
            OffsiteDeclaration.status == "lost",
            OffsiteDeclaration.returned_at <= ctx.now - REPORT_MISSING_AFTER,
            ~exists().where(Incident.declaration_id == OffsiteDeclaration.id),
        )
        .order_by(OffsiteDeclaration.id)
    ).all()
    dpos = people_with_roles(ctx, DPO_ROLES)
    queued = 0
    for decl, holder in lost:
        subject = f"offsite:{decl.id}"
        if ctx.notify(
            [holder],
            Notice(msg.missing_report_reminder(decl), (report_missing_button(decl),)),
            key=LedgerKey(subject, "missing_report_reminder"),
            urgent=True,
        ):
            queued += 1
        if ctx.notify(
            dpos,
            Notice(msg.missing_report_dpo(decl)),
            key=LedgerKey(subject, "missing_report_dpo"),
            urgent=True,
        ):
            queued += len(dpos)
    return queued


def due_records(ctx: Context, calendar: SchoolCalendar, today: date) -> list[DueRecord]:
    """Records out whose (rolled) due day is today or earlier, except those taken today."""
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
        # Records taken today and due back today are not chased minutes after declaring them.
        if calendar.today(decl.taken_at) == today:
            continue
        status = rules.due_status(calendar, decl, today)
        if status.due <= today:
            found.append(DueRecord(decl, holder, status))
    return found


def holder_digests(ctx: Context, due: list[DueRecord], today: date) -> int:
    """One message per holder per school day, listing everything due or overdue."""
    by_holder: dict[int, list[DueRecord]] = defaultdict(list)
    for record in due:
        by_holder[record.holder.id].append(record)
    queued = 0
    for records in by_holder.values():
        lines = [
            f"• {msg.reference(r.declaration)} · {msg.due_state(r.status, today)}" for r in records
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
        r
        for r in due
        if r.status.school_days_overdue >= rules.escalation_after(ctx.settings, r.declaration.tier)
    ]
    siros = people_with_roles(ctx, SIRO_ROLES)
    if not escalated or not siros:
        return 0
    lines = [
        f"• {msg.reference(r.declaration)} · {r.holder.display_name} · {msg.lateness(r.status)}"
        for r in escalated
    ]
    key = LedgerKey(f"school:{ctx.school.id}", "offsite_siro_digest", today.isoformat())
    if ctx.notify(siros, Notice(msg.siro_digest(lines)), key=key):
        return len(siros)
    return 0
