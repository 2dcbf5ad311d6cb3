"""Acknowledging a breach alert: who saw it and when, which stops its escalation."""

from __future__ import annotations

from typing import Any

from handlers.access import require
from handlers.breach import incidents
from handlers.breach import messages as msg
from handlers.context import Context
from handlers.replies import Button, Reply, Say
from storage.models import Incident, Person


def acknowledge(ctx: Context, value: str) -> Reply:
    """Record who acknowledged the alert and when; this stops further escalation."""
    incident = incidents.find(ctx, value)
    require(ctx, "breach.acknowledge", incidents.subject(incident))
    incident = incidents.lock(ctx, incident)
    if incident.acknowledged_at is not None:
        who = ctx.session.get_one(Person, incident.acknowledged_by_id)
        return Say(
            msg.ALREADY_ACKNOWLEDGED.format(
                number=incident.number, who=who.display_name, at=ctx.when(incident.acknowledged_at)
            )
        )
    record_acknowledgement(ctx, incident)
    buttons: tuple[Button, ...] = ()
    if ctx.person.role_names & incidents.TRIAGE_ROLES:
        buttons = (Button("Open triage", "breach.triage", str(incident.id), "primary"),)
    return Say(
        msg.ACKNOWLEDGED.format(
            number=incident.number,
            at=ctx.when(ctx.now),
            deadline=ctx.when(incidents.ico_deadline(incident, ctx.settings)),
        ),
        buttons,
        done=True,
    )


def record_acknowledgement(ctx: Context, incident: Incident, **how: Any) -> None:
    """Who acknowledged (on the timeline and in the audit chain); the incident must be locked."""
    incident.acknowledged_at = ctx.now
    incident.acknowledged_by_id = ctx.person.id
    minutes = int((ctx.now - incident.reported_at).total_seconds() // 60)
    incidents.record_event(ctx, incident, "acknowledged", minutes_after_report=minutes, **how)
