"""Concerns as the flow sees them: lookup, locking, numbering, flags and the timeline.

Every state change goes through ``record_event``, which writes the concern's timeline entry and
the matching audit event together, with codes and flags only (never free text).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, inspect, select

from handlers.access import record_at_school
from handlers.concern import messages as msg
from handlers.concern import routing
from handlers.context import Context
from handlers.errors import UserError
from storage.models import Concern, ConcernEvent, School


def subject(concern: Concern) -> str:
    """The audit subject and ledger subject of a concern."""
    return f"concern:{concern.id}"


def route_of(ctx: Context, concern: Concern) -> routing.Route:
    """The route this concern took when it was reported."""
    return routing.route(concern.kind, concern.flags, in_hours="out_of_hours" not in concern.flags)


def next_number(ctx: Context) -> int:
    """The school's next concern reference (Concern #N)."""
    # The school row is locked first (PostgreSQL) so two reports never take the same number.
    ctx.session.execute(select(School.id).where(School.id == ctx.school.id).with_for_update())
    highest = ctx.session.scalar(
        select(func.max(Concern.number)).where(Concern.school_id == ctx.school.id)
    )
    return (highest or 0) + 1


def lock(ctx: Context, concern: Concern) -> Concern:
    """The concern freshly read under a row lock, school row first (as the audit chain does)."""
    ctx.session.execute(select(School.id).where(School.id == ctx.school.id).with_for_update())
    return ctx.session.scalars(
        select(Concern)
        .where(Concern.id == concern.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def find(ctx: Context, value: str | int) -> Concern:
    """The concern with this id (from a button) at the actor's school, or a UserError (a
    Refused, audited, for another school's)."""
    return record_at_school(ctx, Concern, value, msg.NOT_FOUND)


def find_by_number(ctx: Context, number: str) -> Concern:
    """The concern staff call "Concern #N" (typed as N or #N)."""
    digits = number.strip().lstrip("#")
    if not digits.isdigit():
        raise UserError(msg.NOT_FOUND)
    concern = ctx.session.scalar(
        select(Concern).where(Concern.school_id == ctx.school.id, Concern.number == int(digits))
    )
    if concern is None:
        raise UserError(msg.NOT_FOUND)
    return concern


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
