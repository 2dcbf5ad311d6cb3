"""The breach clock: escalates unacknowledged alerts and reminds the DPO of the ICO deadline.

Runs as the system for all schools at once. Everything it sends is urgent and ignores quiet hours
(shared/DOMAIN.md §6). Each message is written under a ledger key per incident and mark
(``escalation``, ``ico_24h`` ...), so running the sweep twice, or on two workers, sends nothing
twice. When the worker was down across several marks, only the latest one is sent: one
reminder that is true now beats a burst of stale ones.

It runs every minute, so one sweep costs the same few statements however many reports are open
or due: the recipients and the ledger keys already written are read once, the messages, timeline
entries and audit events are written together, and the incidents' timelines are never loaded
(an entry is added without them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, raiseload

from handlers.access import people_with_roles_by_school
from handlers.breach import incidents
from handlers.breach import messages as msg
from handlers.breach.alerts import acknowledge_button
from handlers.context import Context, KeyedNotice, notify_all
from handlers.replies import Button, Notice
from schedules.all_schools import AllSchools
from storage.models import Incident, LedgerEntry
from storage.outbox import LedgerKey

ICO_REMINDER_ROLES = ("dpo", "headteacher")


@dataclass(frozen=True)
class Due:
    """A message the clock owes an incident, and the timeline entry recorded once it is queued."""

    ctx: Context
    incident: Incident
    roles: tuple[str, ...]  # whom it goes to
    notice: Notice
    key: LedgerKey
    event: str
    details: dict[str, Any]


@AllSchools
def sweep(schools: Sequence[Context]) -> int:
    """Queue what is due for the schools' open incidents; returns the messages queued. The
    recipients, the messages and their timeline and audit entries are written for all
    incidents together, in a few statements however many are due."""
    if not schools:
        return 0
    by_school = {ctx.school.id: ctx for ctx in schools}
    open_incidents = list(
        schools[0].session.scalars(
            select(Incident)
            .where(Incident.school_id.in_(by_school), Incident.status != "closed")
            .options(raiseload(Incident.events))
            .order_by(Incident.school_id, Incident.id)
        )
    )
    if not open_incidents:
        return 0
    sent = _ledger_keys(schools[0].session, open_incidents)
    due: list[Due] = []
    for incident in open_incidents:
        ctx = by_school[incident.school_id]
        written = sent.get(incident.school_id, set())
        for found in (escalation(ctx, incident, written), ico_reminder(ctx, incident, written)):
            if found is not None:
                due.append(found)
    if not due:
        return 0
    contexts = list({id(d.ctx): d.ctx for d in due}.values())
    people = people_with_roles_by_school(
        contexts, (*incidents.ESCALATION_ROLES, *ICO_REMINDER_ROLES)
    )
    notices = [
        KeyedNotice(
            d.ctx,
            [p for p in people.get(d.ctx.school.id, []) if p.role_names & set(d.roles)],
            d.notice,
            d.key,
            urgent=True,
        )
        for d in due
    ]
    queued = {id(n) for n in notify_all(notices)}
    done = [(d, n) for d, n in zip(due, notices, strict=True) if id(n) in queued]
    incidents.record_events([(d.ctx, d.incident, d.event, d.details) for d, _ in done])
    return sum(len(n.recipients) for _, n in done)


def _ledger_keys(session: Session, open_incidents: list[Incident]) -> dict[int, set[LedgerKey]]:
    """Every ledger key already written for these incidents, by school, in one query."""
    subjects = [incidents.subject(i) for i in open_incidents]
    rows = session.execute(
        select(
            LedgerEntry.school_id, LedgerEntry.subject, LedgerEntry.kind, LedgerEntry.window
        ).where(
            LedgerEntry.school_id.in_({i.school_id for i in open_incidents}),
            LedgerEntry.subject.in_(subjects),
        )
    )
    found: dict[int, set[LedgerKey]] = defaultdict(set)
    for school_id, subject, kind, window in rows:
        found[school_id].add(LedgerKey(subject, kind, window))
    return found


def escalation(ctx: Context, incident: Incident, sent: set[LedgerKey]) -> Due | None:
    """After the school's acknowledgement time, tell the deputy DSLs and the Headteacher."""
    if incident.acknowledged_at is not None:
        return None
    minutes = ctx.settings.alert_ack_minutes
    if ctx.now < incident.reported_at + timedelta(minutes=minutes):
        return None
    key = LedgerKey(incidents.subject(incident), "escalation")
    if key in sent:
        return None
    text = msg.ESCALATION.format(
        number=incident.number,
        minutes=minutes,
        what=incidents.what(incident),
        special=incidents.yes_no(incidents.special_data(incident)),
        child=incidents.yes_no(incident.child_at_risk),
        deadline=ctx.when(incidents.ico_deadline(incident, ctx.settings)),
    )
    notice = Notice(text, (acknowledge_button(incident),))
    details = {"roles": sorted(incidents.ESCALATION_ROLES), "minutes": minutes}
    return Due(ctx, incident, incidents.ESCALATION_ROLES, notice, key, "escalated", details)


def ico_reminder(ctx: Context, incident: Incident, sent: set[LedgerKey]) -> Due | None:
    """The latest due reminder (24, 48, 60, 70 hours by default) until a decision is recorded."""
    if incident.ico_decision is not None:
        return None
    deadline = incidents.ico_deadline(incident, ctx.settings)
    elapsed = ctx.now - incident.reported_at
    mark: int | None = None
    if ctx.now >= deadline:
        kind = "ico_overdue"
    else:
        due = [h for h in ctx.settings.ico_reminder_hours if elapsed >= timedelta(hours=h)]
        if not due:
            return None
        mark = max(due)
        kind = f"ico_{mark}h"
    key = LedgerKey(incidents.subject(incident), kind)
    if key in sent:
        return None
    if mark is None:
        text = msg.ICO_OVERDUE.format(
            number=incident.number,
            hours=ctx.settings.ico_deadline_hours,
            deadline=ctx.when(deadline),
        )
    else:
        text = msg.ICO_REMINDER.format(
            number=incident.number,
            hours=mark,
            deadline=ctx.when(deadline),
            left=_left(deadline - ctx.now),
        )
    notice = Notice(text, (Button("Open triage", "breach.triage", str(incident.id), "primary"),))
    if mark is None:
        return Due(ctx, incident, ICO_REMINDER_ROLES, notice, key, "ico_overdue", {})
    return Due(ctx, incident, ICO_REMINDER_ROLES, notice, key, "ico_reminder", {"hours": mark})


def _left(delta: timedelta) -> str:
    hours, rest = divmod(int(delta.total_seconds()) // 60, 60)
    return f"{hours}h {rest:02d}m"
