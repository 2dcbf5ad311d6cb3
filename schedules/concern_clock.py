"""The concern clock: escalates unacknowledged online-safety concerns and reminds the
Headteacher (or the chair of governors) to consult the LADO.

Runs as the system for all schools at once. A concern about a pupil nobody acknowledged goes to the
deputy DSLs and the Headteacher after the school's time in school hours, or at the start of the
next school day; the other kinds on the next school day (handlers/concern/routing.py decides
when and to whom). Each message is written under a ledger key per concern (``escalation``,
``lado``), so running the sweep twice, or on two workers, sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import raiseload

from handlers.concern import messages as msg
from handlers.concern import records, report, routing
from handlers.context import Context
from handlers.replies import Notice
from schedules.all_schools import AllSchools
from storage.models import Concern
from storage.outbox import LedgerKey


@AllSchools
def sweep(schools: Sequence[Context]) -> int:
    """Queue what is due for the schools' open concerns; returns the messages queued."""
    if not schools:
        return 0
    by_school = {ctx.school.id: ctx for ctx in schools}
    concerns = (
        schools[0]
        .session.scalars(
            select(Concern)
            .where(Concern.school_id.in_(by_school), Concern.status != "closed")
            .options(raiseload(Concern.events))
            .order_by(Concern.school_id, Concern.id)
        )
        .all()
    )
    queued = 0
    for concern in concerns:
        ctx = by_school[concern.school_id]
        queued += escalate_if_unacknowledged(ctx, concern)
        queued += remind_of_lado(ctx, concern)
    return queued


def escalate_if_unacknowledged(ctx: Context, concern: Concern) -> int:
    if concern.acknowledged_at is not None:
        return 0
    route = records.route_of(ctx, concern)
    due = routing.escalation_due(ctx.settings, concern.kind, route, concern.reported_at)
    if ctx.now < due:
        return 0
    people = report.recipients(ctx, route, route.escalate_to)
    text = msg.ESCALATION.format(
        number=concern.number,
        kind=records.kind_words(concern),
        flags=records.flag_words(ctx, concern),
        since=ctx.when(concern.reported_at),
    )
    key = LedgerKey(records.subject(concern), "escalation")
    if not ctx.notify(people, Notice(text, report.buttons(concern)), key=key, urgent=True):
        return 0
    records.record_event(
        ctx, concern, "escalated", roles=list(route.escalate_to), recipients=len(people)
    )
    return len(people)


def remind_of_lado(ctx: Context, concern: Concern) -> int:
    """The morning after a possible allegation, unless the LADO consultation is recorded."""
    route = records.route_of(ctx, concern)
    if not route.lado or "lado_consulted" in concern.outcomes:
        return 0
    if ctx.now < routing.lado_reminder_at(ctx.settings, concern.reported_at):
        return 0
    people = report.recipients(ctx, route, (route.head,))
    due = routing.lado_due(ctx.settings, concern.reported_at)
    text = msg.LADO_REMINDER.format(number=concern.number, day=ctx.local(due).strftime("%a %-d %b"))
    key = LedgerKey(records.subject(concern), "lado")
    if not ctx.notify(people, Notice(text, report.buttons(concern)), key=key, urgent=True):
        return 0
    records.record_event(ctx, concern, "lado_reminder", recipients=len(people))
    return len(people)
