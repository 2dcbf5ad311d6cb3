"""The breach clock: escalates unacknowledged alerts and reminds the DPO of the ICO deadline.

Runs as the system for one school. Everything it sends is urgent and ignores quiet hours
(shared/DOMAIN.md §6). Each message is written under a ledger key per incident and mark
(``escalation``, ``ico_24h`` ...), so running the sweep twice, or on two workers, sends nothing
twice. When the worker was down across several marks, only the latest one is sent: one
reminder that is true now beats a burst of stale ones.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers import breach_incidents as incidents
from handlers import breach_messages as msg
from handlers.access import people_with_roles
from handlers.context import Context
from handlers.replies import Button, Notice
from storage.models import Incident
from storage.outbox import LedgerKey

ICO_REMINDER_ROLES = ("dpo", "headteacher")


def sweep(ctx: Context) -> int:
    """Queue what is due for the school's open incidents; returns the messages queued."""
    queued = 0
    open_incidents = ctx.session.scalars(
        select(Incident)
        .where(Incident.school_id == ctx.school.id, Incident.status != "closed")
        .order_by(Incident.id)
    )
    for incident in open_incidents:
        queued += escalate_if_unacknowledged(ctx, incident)
        queued += remind_of_ico_deadline(ctx, incident)
    return queued


def escalate_if_unacknowledged(ctx: Context, incident: Incident) -> int:
    """After the school's acknowledgement time, tell the deputy DSLs and the Headteacher."""
    if incident.acknowledged_at is not None:
        return 0
    minutes = ctx.settings.alert_ack_minutes
    if ctx.now < incident.reported_at + timedelta(minutes=minutes):
        return 0
    people = people_with_roles(ctx, incidents.ESCALATION_ROLES)
    text = msg.ESCALATION.format(
        number=incident.number,
        minutes=minutes,
        what=incidents.what(incident),
        special=incidents.yes_no(incident.special_data),
        child=incidents.yes_no(incident.child_at_risk),
        deadline=ctx.when(incidents.ico_deadline(incident, ctx.settings)),
    )
    buttons = (Button("Acknowledge", "breach.acknowledge", str(incident.id), "primary"),)
    key = LedgerKey(incidents.subject(incident), "escalation")
    if not ctx.notify(people, Notice(text, buttons), key=key, urgent=True):
        return 0
    incidents.record_event(
        ctx, incident, "escalated", roles=sorted(incidents.ESCALATION_ROLES), minutes=minutes
    )
    return len(people)


def remind_of_ico_deadline(ctx: Context, incident: Incident) -> int:
    """The latest due reminder (24, 48, 60, 70 hours by default) until a decision is recorded."""
    if incident.ico_decided_at is not None:
        return 0
    deadline = incidents.ico_deadline(incident, ctx.settings)
    elapsed = ctx.now - incident.reported_at
    if ctx.now >= deadline:
        kind, text = (
            "ico_overdue",
            msg.ICO_OVERDUE.format(number=incident.number, deadline=ctx.when(deadline)),
        )
        mark = None
    else:
        due = [h for h in ctx.settings.ico_reminder_hours if elapsed >= timedelta(hours=h)]
        if not due:
            return 0
        mark = max(due)
        kind = f"ico_{mark}h"
        text = msg.ICO_REMINDER.format(
            number=incident.number,
            hours=mark,
            deadline=ctx.when(deadline),
            left=_left(deadline - ctx.now),
        )
    people = people_with_roles(ctx, ICO_REMINDER_ROLES)
    buttons = (Button("Open triage", "breach.triage", str(incident.id), "primary"),)
    key = LedgerKey(incidents.subject(incident), kind)
    if not ctx.notify(people, Notice(text, buttons), key=key, urgent=True):
        return 0
    if mark is None:
        incidents.record_event(ctx, incident, "ico_overdue")
    else:
        incidents.record_event(ctx, incident, "ico_reminder", hours=mark)
    return len(people)


def _left(delta: timedelta) -> str:
    hours, rest = divmod(int(delta.total_seconds()) // 60, 60)
    return f"{hours}h {rest:02d}m"
