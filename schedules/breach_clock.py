"""The breach clock: escalates unacknowledged alerts and reminds the DPO of the ICO deadline.

Runs as the system for all schools at once. Everything it sends is urgent and ignores quiet hours
(shared/DOMAIN.md §6). Each message is written under a ledger key per incident and mark
(``escalation``, ``ico_24h`` ...), so running the sweep twice, or on two workers, sends nothing
twice. When the worker was down across several marks, only the latest one is sent: one
reminder that is true now beats a burst of stale ones.

It runs every minute, so one sweep costs the same few queries however many reports are open:
the recipients and the ledger keys already written are read once, and the incidents' timelines
are never loaded (an entry is added without them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session, raiseload

from handlers.access import people_with_roles
from handlers.breach import incidents
from handlers.breach import messages as msg
from handlers.breach.alerts import acknowledge_button
from handlers.context import Context
from handlers.replies import Button, Notice
from schedules.all_schools import AllSchools
from storage.models import Incident, LedgerEntry, Person
from storage.outbox import LedgerKey

ICO_REMINDER_ROLES = ("dpo", "headteacher")


@dataclass
class Sweep:
    """What one sweep reads once and shares across the school's open incidents."""

    ctx: Context
    sent: set[LedgerKey] = field(default_factory=set)
    _people: list[Person] | None = None

    def recipients(self, roles: tuple[str, ...]) -> list[Person]:
        """Active holders of these roles, from one lookup of everyone the clock may message."""
        if self._people is None:
            self._people = people_with_roles(
                self.ctx, (*incidents.ESCALATION_ROLES, *ICO_REMINDER_ROLES)
            )
        return [p for p in self._people if p.role_names & set(roles)]

    def notify(self, people: list[Person], notice: Notice, key: LedgerKey) -> bool:
        """Queue under ``key`` (False if it was written before) and remember it was written."""
        if not self.ctx.notify(people, notice, key=key, urgent=True):
            return False
        self.sent.add(key)
        return True


@AllSchools
def sweep(schools: Sequence[Context]) -> int:
    """Queue what is due for the schools' open incidents; returns the messages queued."""
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
    queued = 0
    for school_id, incidents_of_school in groupby(open_incidents, key=lambda i: i.school_id):
        ctx = by_school[school_id]
        run = Sweep(ctx, sent.get(school_id, set()))
        for incident in incidents_of_school:
            queued += escalate_if_unacknowledged(run, incident)
            queued += remind_of_ico_deadline(run, incident)
    return queued


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


def escalate_if_unacknowledged(run: Sweep, incident: Incident) -> int:
    """After the school's acknowledgement time, tell the deputy DSLs and the Headteacher."""
    ctx = run.ctx
    if incident.acknowledged_at is not None:
        return 0
    minutes = ctx.settings.alert_ack_minutes
    if ctx.now < incident.reported_at + timedelta(minutes=minutes):
        return 0
    key = LedgerKey(incidents.subject(incident), "escalation")
    if key in run.sent:
        return 0
    people = run.recipients(incidents.ESCALATION_ROLES)
    text = msg.ESCALATION.format(
        number=incident.number,
        minutes=minutes,
        what=incidents.what(incident),
        special=incidents.yes_no(incidents.special_data(incident)),
        child=incidents.yes_no(incident.child_at_risk),
        deadline=ctx.when(incidents.ico_deadline(incident, ctx.settings)),
    )
    buttons = (acknowledge_button(incident),)
    if not run.notify(people, Notice(text, buttons), key):
        return 0
    incidents.record_event(
        ctx, incident, "escalated", roles=sorted(incidents.ESCALATION_ROLES), minutes=minutes
    )
    return len(people)


def remind_of_ico_deadline(run: Sweep, incident: Incident) -> int:
    """The latest due reminder (24, 48, 60, 70 hours by default) until a decision is recorded."""
    ctx = run.ctx
    if incident.ico_decision is not None:
        return 0
    deadline = incidents.ico_deadline(incident, ctx.settings)
    elapsed = ctx.now - incident.reported_at
    mark: int | None = None
    if ctx.now >= deadline:
        kind = "ico_overdue"
    else:
        due = [h for h in ctx.settings.ico_reminder_hours if elapsed >= timedelta(hours=h)]
        if not due:
            return 0
        mark = max(due)
        kind = f"ico_{mark}h"
    key = LedgerKey(incidents.subject(incident), kind)
    if key in run.sent:
        return 0
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
    people = run.recipients(ICO_REMINDER_ROLES)
    buttons = (Button("Open triage", "breach.triage", str(incident.id), "primary"),)
    if not run.notify(people, Notice(text, buttons), key):
        return 0
    if mark is None:
        incidents.record_event(ctx, incident, "ico_overdue")
    else:
        incidents.record_event(ctx, incident, "ico_reminder", hours=mark)
    return len(people)


def _left(delta: timedelta) -> str:
    hours, rest = divmod(int(delta.total_seconds()) // 60, 60)
    return f"{hours}h {rest:02d}m"
