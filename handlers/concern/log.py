"""The Online Safety incident log: staff's own reports, the leads' log, the export and the
governors' counts.

The log lists every concern with its kind, dates, handling lead, outcome and time to
acknowledge; never what happened. A concern about the Headteacher is left out of what the
Headteacher sees. The governors get counts by kind and the time to acknowledge, never names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median

from sqlalchemy import select

from handlers.access import require
from handlers.concern import messages as msg
from handlers.concern import records
from handlers.context import Context
from handlers.register_table import Register
from handlers.replies import Button, Reply, Say
from storage.models import Concern, Person

REGISTER_COLUMNS = [
    "reference",
    "kind",
    "sub_kind",
    "flags",
    "status",
    "reported_at",
    "out_of_hours",
    "reporter_role_group",
    "handling_lead",
    "acknowledged_at",
    "minutes_to_acknowledge",
    "escalated",
    "safeguarding_system_reference",
    "outcomes",
    "parents_told_by",
    "parents_told_on",
    "filtering_changed_by",
    "actions_taken",
    "closed_at",
]


def own_reports(ctx: Context) -> Reply:
    """`/concern list`: the person's own reports, and nobody else's."""
    rows = ctx.session.scalars(
        select(Concern)
        .where(Concern.school_id == ctx.school.id, Concern.reporter_id == ctx.person.id)
        .order_by(Concern.number)
    ).all()
    if not rows:
        return Say(msg.NO_REPORTS)
    lines = ["Your online-safety concerns:"]
    for concern in rows:
        lines.append(
            f"• Concern #{concern.number} · {records.kind_words(concern)} · reported "
            f"{ctx.when(concern.reported_at)} · {msg.STATUS_WORDS[concern.status]}"
        )
    return Say("\n".join(lines))


def visible(ctx: Context) -> list[Concern]:
    """Every concern at the school, but none about the Headteacher for a Headteacher."""
    rows = list(
        ctx.session.scalars(
            select(Concern).where(Concern.school_id == ctx.school.id).order_by(Concern.number)
        )
    )
    if ctx.actor is not None and "headteacher" in ctx.actor.role_names:
        rows = [c for c in rows if "about_headteacher" not in c.flags]
    return rows


def incident_log(ctx: Context, *, still_open: bool = False) -> Reply:
    """`/concern log`: every concern, for the Headteacher, DSL and Online Safety lead
    (`/concern open`: those still open)."""
    require(ctx, "concern.log", "concern:log")
    rows = visible(ctx)
    if still_open:
        rows = [c for c in rows if c.status != "closed"]
    ctx.audit("concern.log_viewed", "concern:log", count=len(rows), still_open=still_open)
    if not rows:
        return Say(msg.NO_OPEN if still_open else msg.NO_CONCERNS)
    lines, buttons = [msg.OPEN_HEADING if still_open else msg.LOG_HEADING], []
    for concern in rows:
        lines.append(log_line(ctx, concern))
        if concern.status != "closed":
            buttons.append(Button(f"Open #{concern.number}", "concern.open", str(concern.id)))
    return Say("\n".join(lines), tuple(buttons), title="Online-safety incident log")


def log_line(ctx: Context, concern: Concern) -> str:
    sub_kind = f" ({msg.SUB_KINDS[concern.sub_kind].lower()})" if concern.sub_kind else ""
    parts = [
        f"• Concern #{concern.number} · {records.kind_words(concern)}{sub_kind}",
        f"reported {ctx.when(concern.reported_at)}",
    ]
    minutes = minutes_to_acknowledge(concern)
    if minutes is None:
        parts.append("not acknowledged")
    else:
        lead = ctx.session.get_one(Person, concern.acknowledged_by_id)
        parts.append(f"handled by {lead.display_name} (acknowledged after {minutes} min)")
    if concern.outcomes:
        parts.append("outcome: " + ", ".join(msg.OUTCOMES[o].lower() for o in concern.outcomes))
    parts.append(msg.STATUS_WORDS[concern.status])
    return " · ".join(parts)


def minutes_to_acknowledge(concern: Concern) -> int | None:
    if concern.acknowledged_at is None:
        return None
    return int((concern.acknowledged_at - concern.reported_at).total_seconds() // 60)


def concern_register(ctx: Context) -> Register:
    """Every concern, for `python -m bot export concerns`: codes, dates and the lead's record."""
    require(ctx, "concern.log", "export:concerns")
    register = Register("concerns", list(REGISTER_COLUMNS))
    for concern in visible(ctx):
        reporter = ctx.session.get_one(Person, concern.reporter_id)
        lead = (
            ctx.session.get_one(Person, concern.acknowledged_by_id)
            if concern.acknowledged_by_id
            else None
        )
        minutes = minutes_to_acknowledge(concern)
        values = {
            "reference": f"Concern #{concern.number}",
            "kind": msg.KINDS[concern.kind],
            "sub_kind": msg.SUB_KINDS.get(concern.sub_kind or "", ""),
            "flags": ", ".join(f for f in concern.flags if f != "out_of_hours"),
            "status": concern.status,
            "reported_at": _iso(concern.reported_at),
            "out_of_hours": "yes" if "out_of_hours" in concern.flags else "no",
            "reporter_role_group": reporter.role_group,
            "handling_lead": lead.display_name if lead else "",
            "acknowledged_at": _iso(concern.acknowledged_at),
            "minutes_to_acknowledge": "" if minutes is None else minutes,
            "escalated": "yes" if any(e.kind == "escalated" for e in concern.events) else "no",
            "safeguarding_system_reference": concern.system_ref or "",
            "outcomes": ", ".join(msg.OUTCOMES[o] for o in concern.outcomes),
            "parents_told_by": msg.TELLERS.get(concern.parents_told_by or "", ""),
            "parents_told_on": concern.parents_told_on.isoformat()
            if concern.parents_told_on
            else "",
            "filtering_changed_by": msg.CHANGERS.get(concern.filtering_changed_by or "", ""),
            "actions_taken": concern.actions or "",
            "closed_at": _iso(concern.closed_at),
        }
        register.rows.append([values[c] for c in REGISTER_COLUMNS])
    return register


@dataclass(frozen=True)
class TermlyCounts:
    """Concerns reported between two dates, for the governors: counts only, never names."""

    start: date
    end: date
    by_kind: dict[str, int] = field(default_factory=dict)  # every kind, 0 included
    total: int = 0
    acknowledged: int = 0
    median_minutes_to_acknowledge: float | None = None


def termly_counts(ctx: Context, start: date, end: date) -> TermlyCounts:
    """Counts of concerns by kind reported from ``start`` to ``end`` (school dates, both
    included) and the median minutes to acknowledge those acknowledged. Runs for anyone: it
    holds no names and nothing about any pupil."""
    rows = ctx.session.scalars(select(Concern).where(Concern.school_id == ctx.school.id))
    inside = [c for c in rows if start <= ctx.local(c.reported_at).date() <= end]
    by_kind = {kind: 0 for kind in msg.KINDS}
    for concern in inside:
        by_kind[concern.kind] = by_kind.get(concern.kind, 0) + 1
    minutes = [m for m in (minutes_to_acknowledge(c) for c in inside) if m is not None]
    return TermlyCounts(
        start=start,
        end=end,
        by_kind=by_kind,
        total=len(inside),
        acknowledged=len(minutes),
        median_minutes_to_acknowledge=float(median(minutes)) if minutes else None,
    )


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""
