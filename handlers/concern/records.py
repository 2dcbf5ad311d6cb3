"""Concerns as the flow sees them: lookup, locking, numbering, flags and the timeline.

Every state change goes through ``record_event``, which writes the concern's timeline entry and
the matching audit event together, with codes and flags only (never free text).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from handlers import numbered_records
from handlers.access import record_at_school
from handlers.concern import messages as msg
from handlers.concern import routing
from handlers.context import Context
from storage.models import Concern, ConcernEvent


def subject(concern: Concern) -> str:
    """The audit subject and ledger subject of a concern."""
    return f"concern:{concern.id}"


def route_of(ctx: Context, concern: Concern) -> routing.Route:
    """The route this concern took when it was reported."""
    return routing.route(concern.kind, concern.flags, in_hours="out_of_hours" not in concern.flags)


def next_number(ctx: Context) -> int:
    """The school's next concern reference (Concern #N)."""
    return numbered_records.next_number(ctx, Concern)


def lock(ctx: Context, concern: Concern) -> Concern:
    """The concern freshly read under a row lock, for a path that changes it."""
    return numbered_records.lock(ctx, Concern, concern)


def find(ctx: Context, value: str | int) -> Concern:
    """The concern with this id (from a button) at the actor's school, or a UserError (a
    Refused, audited, for another school's)."""
    return record_at_school(ctx, Concern, value, msg.NOT_FOUND)


def find_by_number(ctx: Context, number: str) -> Concern:
    """The concern staff call "Concern #N" (typed as N or #N)."""
    return numbered_records.find_by_number(ctx, Concern, number, msg.NOT_FOUND)


def record_event(ctx: Context, concern: Concern, event: str, /, **details: Any) -> None:
    """Add a timeline entry and the audit event ``concern.<event>`` in the same transaction."""
    actor_id = ctx.actor.id if ctx.actor else None
    entry = ConcernEvent(
        concern_id=concern.id, at=ctx.now, actor_id=actor_id, kind=event, details=dict(details)
    )
    if "events" in inspect(concern).unloaded:
        ctx.session.add(entry)
    else:
        concern.events.append(entry)
    ctx.session.flush()
    ctx.audit(f"concern.{event}", subject(concern), number=concern.number, **details)


def kind_words(concern: Concern) -> str:
    return msg.KIND_SHORT.get(concern.kind, concern.kind)


def flag_words(ctx: Context, concern: Concern) -> str:
    """' · possible illegal material: ... · consult the LADO by Wed 25 Nov': flags only."""
    due = routing.lado_due(ctx.settings, concern.reported_at)
    lado_day = ctx.local(due).strftime("%a %-d %b")
    words = [
        msg.FLAG_WORDS[f].format(lado_day=lado_day) for f in concern.flags if f in msg.FLAG_WORDS
    ]
    return "".join(f" · {w}" for w in words)


def system_name(ctx: Context) -> str:
    return ctx.settings.safeguarding_system or msg.SCHOOL_RECORD
