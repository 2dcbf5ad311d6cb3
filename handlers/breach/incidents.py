"""Incidents as the breach flow sees them: lookup, locking, numbering, who is alerted, the ICO
deadline and the timeline.

Every state change goes through ``record_event``, which writes the incident's timeline entry and
the matching audit event together, with codes and flags only (never free text). Every path that
changes an incident reads it with ``lock`` first, so two people acting at once are decided one
after the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, inspect

from handlers import numbered_records
from handlers.access import record_at_school
from handlers.breach import messages as msg
from handlers.context import Context
from handlers.settings import SchoolSettings
from storage import audit
from storage.models import Incident, IncidentEvent

# Who is told at once, and who escalation reaches (shared/DOMAIN.md §5). ``alert_roles`` is the
# one place that decides who a particular report alerts.
ALERT_ROLES = ("dpo", "headteacher", "it_lead")
SAFEGUARDING_ROLES = ("dsl", "deputy_dsl")
# Every role a breach alert can reach: these people see unacknowledged alerts on their home view.
ALERTED_ROLES = frozenset(ALERT_ROLES + SAFEGUARDING_ROLES)
# An alert role with nobody in it means the report reaches the school's Safekeep admins instead.
# Deputy DSLs are told when the school has them, but many small schools have none, so their
# absence alone is not a gap (the DSL's is).
FALLBACK_ROLE = "admin"
OPTIONAL_ALERT_ROLES = frozenset({"deputy_dsl"})
ESCALATION_ROLES = ("deputy_dsl", "headteacher")
# Record categories that are safeguarding, SEND or medical information themselves: ticking one
# answers "Any safeguarding, SEND, medical or child-protection information?" with yes
# (shared/DOMAIN.md §1 and §5).
SAFEGUARDING_CATEGORIES = frozenset({"safeguarding", "send", "medical"})
# Records that hold no such information about anyone: with only these the answer is no, unless
# the reporter says otherwise. Every other category (attendance with its illness codes, tracking
# with SEND flags, letters about a pupil's needs, parent contacts with a court order, appraisal
# with health details, "other", a code from an older list) may hold it, so the reporter is asked.
ROUTINE_CATEGORIES = frozenset({"planning", "marking", "staff_contacts", "accounting", "finance"})
# The roles whose alert carries the "Open triage" button (access.PERMISSIONS["breach.triage"]).
TRIAGE_ROLES = frozenset({"dpo", "headteacher", "dsl"})


def subject(incident: Incident) -> str:
    """The audit subject and ledger subject of an incident."""
    return f"breach:{incident.id}"


def ico_deadline(incident: Incident, settings: SchoolSettings) -> datetime:
    """T0 plus the school's deadline (72 hours by default), continuous: weekends count."""
    return incident.reported_at + timedelta(hours=settings.ico_deadline_hours)


def special_data_from_categories(categories: Iterable[str]) -> str | None:
    """What the record categories alone say about safeguarding, SEND or medical data: "yes",
    "no", or None when only the reporter can say (and so is asked)."""
    ticked = set(categories)
    if ticked & SAFEGUARDING_CATEGORIES:
        return "yes"
    if ticked and ticked <= ROUTINE_CATEGORIES:
        return "no"
    return None


def derive_special_data(categories: Iterable[str], answer: str | None) -> str:
    """The one truth about safeguarding, SEND or medical data ("yes", "no" or "unsure").

    Safeguarding, SEND or medical records mean yes whatever was answered; otherwise the
    reporter's answer counts (a "yes" about lesson plans with a pupil's needs in them too), and
    with no answer the categories decide, or "unsure" when they can't.
    """
    settled = special_data_from_categories(categories)
    if settled == "yes":
        return "yes"
    if answer in ("yes", "no", "unsure"):
        return answer
    return settled or "unsure"


def special_data(incident: Incident) -> str:
    """Whether safeguarding, SEND or medical data is involved: what every alert, view, export
    and the routing read. Derived on read, so reports stored before the rule agree too."""
    return derive_special_data(incident.categories, incident.special_data)


def needs_safeguarding_leads(incident: Incident) -> bool:
    """The DSL and deputies are told when sensitive data or a child may be involved."""
    return special_data(incident) in ("yes", "unsure") or child_may_be_at_risk(incident)


def alert_roles(incident: Incident) -> tuple[str, ...]:
    """The roles this report alerts at once: the one rule the alerts and their words follow."""
    if needs_safeguarding_leads(incident):
        return ALERT_ROLES + SAFEGUARDING_ROLES
    return ALERT_ROLES


def child_may_be_at_risk(incident: Incident) -> bool:
    return incident.child_at_risk in ("yes", "unsure")


def next_number(ctx: Context) -> int:
    """The school's next incident reference (Breach #N)."""
    return numbered_records.next_number(ctx, Incident)


def lock(ctx: Context, incident: Incident) -> Incident:
    """The incident freshly read under a row lock, for a path that changes it."""
    return numbered_records.lock(ctx, Incident, incident)


def find(ctx: Context, value: str | int) -> Incident:
    """The incident with this id (from a button) at the actor's school, or a UserError (a
    Refused, audited, for another school's)."""
    return record_at_school(ctx, Incident, value, msg.NOT_FOUND)


def find_by_number(ctx: Context, number: str) -> Incident:
    """The incident staff call "Breach #N" (typed as N or #N)."""
    return numbered_records.find_by_number(ctx, Incident, number, msg.NOT_FOUND)


def record_event(ctx: Context, incident: Incident, event: str, /, **details: Any) -> None:
    """Add a timeline entry and the audit event ``breach.<event>`` in the same transaction."""
    actor_id = ctx.actor.id if ctx.actor else None
    entry = IncidentEvent(
        incident_id=incident.id, at=ctx.now, actor_id=actor_id, kind=event, details=dict(details)
    )
    if "events" in inspect(incident).unloaded:
        # The breach clock reads incidents without their timelines: add the entry on its own.
        ctx.session.add(entry)
    else:
        incident.events.append(entry)
    ctx.audit(f"breach.{event}", subject(incident), number=incident.number, **details)


def record_events(events: Sequence[tuple[Context, Incident, str, dict[str, Any]]]) -> None:
    """``record_event`` for many incidents (of contexts sharing a session) at once, in the order
    given: the timeline entries in one insert and the audit events in a few statements, however
    many (the breach clock's, for a trust). Timelines not loaded are not loaded for this."""
    if not events:
        return
    session = events[0][0].session
    entries = []
    rows = []  # timeline entries of incidents whose timelines are not loaded: rows, no objects
    for ctx, incident, event, details in events:
        actor_id = ctx.actor.id if ctx.actor else None
        entry = {
            "incident_id": incident.id,
            "at": ctx.now,
            "actor_id": actor_id,
            "kind": event,
            "details": dict(details),
        }
        if "events" in inspect(incident).unloaded:
            rows.append(entry)
        else:
            incident.events.append(IncidentEvent(**entry))
        entries.append(
            audit.Entry(
                ctx.school.id,
                f"breach.{event}",
                ctx.now,
                actor_id,
                subject(incident),
                {"number": incident.number, **details},
            )
        )
    if rows:
        session.execute(insert(IncidentEvent), rows)
    audit.record_all(session, entries)


def what(incident: Incident) -> str:
    """'lost device', 'stolen paper', 'sent to wrong recipient': the DM's short category."""
    parts = [msg.KIND_SHORT.get(incident.kind, incident.kind), msg.MEDIA_SHORT.get(incident.media)]
    return " ".join(p for p in parts if p)


def yes_no(value: str) -> str:
    return {"yes": "yes", "no": "no", "unsure": "not sure"}.get(value, value)
