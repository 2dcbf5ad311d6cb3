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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, String, cast, exists, literal, select
from sqlalchemy.orm import Session

from handlers.access import people_with_roles, people_with_roles_by_school
from handlers.context import Context, KeyedNotice, notify_all
from handlers.offsite import approval as offsite_approval
from handlers.offsite import messages as msg
from handlers.offsite import rules
from handlers.offsite.returns import report_missing_button, return_button
from handlers.replies import Notice
from handlers.school_calendar import SchoolCalendar
from schedules.all_schools import AllSchools
from storage.models import (
    Incident,
    LedgerEntry,
    OffsiteApproval,
    OffsiteDeclaration,
    OffsiteItem,
    Person,
)
from storage.outbox import LedgerKey

SIRO_ROLES = ("headteacher",)
DPO_ROLES = ("dpo",)
# The ledger kinds of the daily digests (their subjects: "person:<holder>", "school:<school>").
HOLDER_DIGEST, SIRO_DIGEST = "offsite_due_digest", "offsite_siro_digest"
# How long a holder has to file the breach report they were sent into before being reminded.
REPORT_MISSING_AFTER = timedelta(minutes=30)


class DueItem(NamedTuple):
    category: str


class DueDeclaration(NamedTuple):
    """A declaration out and due, as the chasers read it: the columns their digests show, not
    an OffsiteDeclaration object (ten thousand of those, with their items and encrypted
    fields, took the chasers most of their time)."""

    id: int
    school_id: int
    tier: int
    taken_at: datetime
    expected_return: date
    items: list[DueItem]


class Holder(NamedTuple):
    id: int
    display_name: str


@dataclass(frozen=True)
class DueRecord:
    """A declaration that is due today or overdue, as the chasers see it."""

    declaration: DueDeclaration
    holder: Holder
    status: rules.DueStatus


@dataclass(frozen=True)
class Day:
    """One school's reminder day: its context, calendar and date."""

    ctx: Context
    calendar: SchoolCalendar
    today: date


@AllSchools
def sweep(schools: Sequence[Context]) -> int:
    """Lapse unanswered requests and chase unreported losses at any hour, then (for the schools
    in a reminder window) send today's digests; a few statements for all schools together."""
    if not schools:
        return 0
    queued = expire_requests(*schools) + unreported_losses(schools)
    days = []
    for ctx in schools:
        calendar = SchoolCalendar(ctx.settings)
        if calendar.reminder_window_open(ctx.now):
            days.append(Day(ctx, calendar, calendar.today(ctx.now)))
    if not days:
        return queued
    due = due_records(days)
    return queued + holder_digests(days, due) + siro_digests(days, due)


def expire_requests(*schools: Context) -> int:
    """Every request of these schools still unanswered at its expiry time lapses; both sides
    are told once."""
    by_school = {ctx.school.id: ctx for ctx in schools}
    now = min(ctx.now for ctx in schools)
    declarations = (
        schools[0]
        .session.scalars(
            select(OffsiteDeclaration)
            .join(OffsiteApproval, OffsiteApproval.declaration_id == OffsiteDeclaration.id)
            .where(
                OffsiteDeclaration.school_id.in_(by_school),
                OffsiteDeclaration.status == "pending",
                OffsiteApproval.decision == "pending",
                OffsiteApproval.expires_at <= now,
            )
            .order_by(OffsiteDeclaration.id)
            .distinct()
        )
        .all()
    )
    return sum(offsite_approval.expire(by_school[decl.school_id], decl) for decl in declarations)


def unreported_losses(schools: Sequence[Context]) -> int:
    """Declarations marked lost at least half an hour ago with no breach report linked: remind
    the holder (urgent: a possible breach ignores quiet hours) and tell the DPO, once each."""
    by_school = {ctx.school.id: ctx for ctx in schools}
    now = min(ctx.now for ctx in schools)
    lost = (
        schools[0]
        .session.execute(
            select(OffsiteDeclaration, Person)
            .join(Person, Person.id == OffsiteDeclaration.person_id)
            .where(
                OffsiteDeclaration.school_id.in_(by_school),
                OffsiteDeclaration.status == "lost",
                OffsiteDeclaration.returned_at <= now - REPORT_MISSING_AFTER,
                ~exists().where(Incident.declaration_id == OffsiteDeclaration.id),
            )
            .order_by(OffsiteDeclaration.id)
        )
        .all()
    )
    dpos: dict[int, list[Person]] = {}
    notices = []
    for decl, holder in lost:
        ctx = by_school[decl.school_id]
        if decl.school_id not in dpos:
            dpos[decl.school_id] = people_with_roles(ctx, DPO_ROLES)
        subject = f"offsite:{decl.id}"
        notices.append(
            KeyedNotice(
                ctx,
                [holder],
                Notice(msg.missing_report_reminder(decl), (report_missing_button(decl),)),
                LedgerKey(subject, "missing_report_reminder"),
                urgent=True,
            )
        )
        notices.append(
            KeyedNotice(
                ctx,
                dpos[decl.school_id],
                Notice(msg.missing_report_dpo(decl)),
                LedgerKey(subject, "missing_report_dpo"),
                urgent=True,
            )
        )
    return sum(len(n.recipients) for n in notify_all(notices))


def due_records(days: Sequence[Day]) -> dict[int, list[DueRecord]]:
    """By school: records out whose (rolled) due day is today or earlier, except those taken
    today, with their items: one query for all schools (one per date, should schools' dates
    differ). A record whose holder's digest and whose school's SIRO digest were both written
    today is left out: it would change nothing, and a second sweep reads next to nothing."""
    by_school = {day.ctx.school.id: day for day in days}
    by_date: dict[date, list[int]] = defaultdict(list)
    for day in days:
        by_date[day.today].append(day.ctx.school.id)
    found: dict[int, list[DueRecord]] = defaultdict(list)
    for today, school_ids in by_date.items():
        for decl, holder in _due_on(days[0].ctx.session, school_ids, today):
            day = by_school[decl.school_id]
            # Records taken today and due back today are not chased minutes after declaring them.
            if day.calendar.today(decl.taken_at) == today:
                continue
            status = rules.due_status(day.calendar, decl, today)
            if status.due <= today:
                found[decl.school_id].append(DueRecord(decl, holder, status))
    return found


def _due_on(
    session: Session, school_ids: list[int], today: date
) -> list[tuple[DueDeclaration, Holder]]:
    """These schools' records out and due back by ``today``, and their holders, except those
    both of whose digests were written today: one query, a row per item."""
    both_digests_written = _written(
        literal("person:") + cast(OffsiteDeclaration.person_id, String), HOLDER_DIGEST, today
    ) & _written(
        literal("school:") + cast(OffsiteDeclaration.school_id, String), SIRO_DIGEST, today
    )
    rows = session.execute(
        select(
            OffsiteDeclaration.id,
            OffsiteDeclaration.school_id,
            OffsiteDeclaration.tier,
            OffsiteDeclaration.taken_at,
            OffsiteDeclaration.expected_return,
            Person.id,
            Person.display_name,
            OffsiteItem.category,
        )
        .join(Person, Person.id == OffsiteDeclaration.person_id)
        .outerjoin(OffsiteItem, OffsiteItem.declaration_id == OffsiteDeclaration.id)
        .where(
            OffsiteDeclaration.school_id.in_(school_ids),
            OffsiteDeclaration.status == "out",
            OffsiteDeclaration.expected_return <= today,
            ~both_digests_written,
        )
        .order_by(OffsiteDeclaration.expected_return, OffsiteDeclaration.id, OffsiteItem.id)
    )
    found: list[tuple[DueDeclaration, Holder]] = []
    holders: dict[int, Holder] = {}
    last: DueDeclaration | None = None
    for decl_id, school_id, tier, taken_at, back, holder_id, name, category in rows:
        if last is None or last.id != decl_id:
            last = DueDeclaration(decl_id, school_id, tier, taken_at, back, [])
            holder = holders.get(holder_id)
            if holder is None:
                holder = holders[holder_id] = Holder(holder_id, name)
            found.append((last, holder))
        if category is not None:
            last.items.append(DueItem(category))
    return found


def _written(subject: ColumnElement[str], kind: str, today: date) -> ColumnElement[bool]:
    """True where the ledger holds the declaration's school's key of this kind for ``subject``
    with today's date."""
    return exists().where(
        LedgerEntry.school_id == OffsiteDeclaration.school_id,
        LedgerEntry.subject == subject,
        LedgerEntry.kind == kind,
        LedgerEntry.window == today.isoformat(),
    )


def holder_digests(days: Sequence[Day], due: dict[int, list[DueRecord]]) -> int:
    """One message per holder per school day, listing everything due or overdue."""
    notices = []
    for day in days:
        by_holder: dict[int, list[DueRecord]] = defaultdict(list)
        for record in due.get(day.ctx.school.id, []):
            by_holder[record.holder.id].append(record)
        for records in by_holder.values():
            lines = [
                f"• {msg.reference(r.declaration)} · {msg.due_state(r.status, day.today)}"
                for r in records
            ]
            buttons = tuple(return_button(r.declaration) for r in records)
            holder = records[0].holder
            key = LedgerKey(f"person:{holder.id}", HOLDER_DIGEST, day.today.isoformat())
            notices.append(
                KeyedNotice(day.ctx, [holder], Notice(msg.due_digest(lines), buttons), key)
            )
    return sum(len(n.recipients) for n in notify_all(notices))


def siro_digests(days: Sequence[Day], due: dict[int, list[DueRecord]]) -> int:
    """One message to each school's SIRO per school day with every record overdue past its
    threshold."""
    notices = []
    for day in days:
        ctx = day.ctx
        escalated = [
            r
            for r in due.get(ctx.school.id, [])
            if r.status.school_days_overdue
            >= rules.escalation_after(ctx.settings, r.declaration.tier)
        ]
        if not escalated:
            continue
        lines = [
            f"• {msg.reference(r.declaration)} · {r.holder.display_name} · {msg.lateness(r.status)}"
            for r in escalated
        ]
        key = LedgerKey(f"school:{ctx.school.id}", SIRO_DIGEST, day.today.isoformat())
        notices.append(KeyedNotice(ctx, [], Notice(msg.siro_digest(lines)), key))
    if not notices:
        return 0
    siros = people_with_roles_by_school([n.ctx for n in notices], SIRO_ROLES)
    notices = [KeyedNotice(n.ctx, siros.get(n.ctx.school.id, []), n.notice, n.key) for n in notices]
    return sum(len(n.recipients) for n in notify_all(notices))
