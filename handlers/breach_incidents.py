"""Incidents as the breach flow sees them: lookup, numbering, the ICO deadline and the timeline.

Every state change goes through ``record_event``, which writes the incident's timeline entry and
the matching audit event together, with codes and flags only (never free text).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from handlers import breach_messages as msg
from handlers.context import Context
from handlers.errors import UserError
from handlers.settings import SchoolSettings
from storage.models import Incident, IncidentEvent, School

# Who is told at once, and who escalation reaches (shared/DOMAIN.md §5).
ALERT_ROLES = ("dpo", "headteacher", "it_lead")
SAFEGUARDING_ROLES = ("dsl", "deputy_dsl")
ESCALATION_ROLES = ("deputy_dsl", "headteacher")
# The roles whose alert carries the "Open triage" button (access.PERMISSIONS["breach.triage"]).
TRIAGE_ROLES = frozenset({"dpo", "headteacher", "dsl"})


def subject(incident: Incident) -> str:
    """The audit subject and ledger subject of an incident."""
    return f"breach:{incident.id}"


def ico_deadline(incident: Incident, settings: SchoolSettings) -> datetime:
    """T0 plus the school's deadline (72 hours by default), continuous: weekends count."""
    return incident.reported_at + timedelta(hours=settings.ico_deadline_hours)


def needs_safeguarding_leads(incident: Incident) -> bool:
    """The DSL and deputies are told when sensitive data or a child may be involved."""
    return incident.special_data in ("yes", "unsure") or incident.child_at_risk in (
        "yes",
        "unsure",
    )


def child_may_be_at_risk(incident: Incident) -> bool:
    return incident.child_at_risk in ("yes", "unsure")


def next_number(ctx: Context) -> int:
    """The school's next breach reference (Breach #N), one after the highest so far."""
    # Lock the school row first (PostgreSQL) so two reports at once never take the same number;
    # SQLite serialises writers already.
    ctx.session.execute(select(School.id).where(School.id == ctx.school.id).with_for_update())
    highest = ctx.session.scalar(
        select(func.max(Incident.number)).where(Incident.school_id == ctx.school.id)
    )
    return (highest or 0) + 1


def find(ctx: Context, value: str | int) -> Incident:
    """The incident with this id (from a button) at the actor's school, or a UserError."""
    try:
        incident_id = int(value)
    except (TypeError, ValueError):
        raise UserError(msg.NOT_FOUND) from None
    incident = ctx.session.get(Incident, incident_id)
    if incident is None or incident.school_id != ctx.school.id:
        raise UserError(msg.NOT_FOUND)
    return incident


def find_by_number(ctx: Context, number: str) -> Incident:
    """The incident staff call "Breach #N" (typed as N or #N)."""
    digits = number.strip().lstrip("#")
    if not digits.isdigit():
        raise UserError(msg.NOT_FOUND)
    incident = ctx.session.scalar(
        select(Incident).where(Incident.school_id == ctx.school.id, Incident.number == int(digits))
    )
    if incident is None:
        raise UserError(msg.NOT_FOUND)
    return incident


def record_event(ctx: Context, incident: Incident, event: str, /, **details: Any) -> None:
    """Add a timeline entry and the audit event ``breach.<event>`` in the same transaction."""
    actor_id = ctx.actor.id if ctx.actor else None
    incident.events.append(
        IncidentEvent(at=ctx.now, actor_id=actor_id, kind=event, details=dict(details))
    )
    ctx.session.flush()
    ctx.audit(f"breach.{event}", subject(incident), number=incident.number, **details)


def what(incident: Incident) -> str:
    """'lost device', 'stolen paper', 'sent to wrong recipient': the DM's short category."""
    parts = [msg.KIND_SHORT.get(incident.kind, incident.kind), msg.MEDIA_SHORT.get(incident.media)]
    return " ".join(p for p in parts if p)


def yes_no(value: str) -> str:
    return {"yes": "yes", "no": "no", "unsure": "not sure"}.get(value, value)
