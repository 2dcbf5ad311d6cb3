"""`/safekeep report`: the termly, counts-only report for the governing board.

Breaches (logged, reported to the ICO, hours to decision), records taken off site and overdue
now, and AUP sign-off by role group. Counts only: no names, nothing about any pupil.
"""

from __future__ import annotations

from sqlalchemy import select

from handlers.aup.register import signed_by_group
from handlers.aup.roster import GROUP_LABELS
from handlers.breach.log import governors_summary
from handlers.context import Context
from handlers.offsite import rules as offsite_rules
from handlers.replies import Say
from handlers.school_calendar import SchoolCalendar
from storage.models import OffsiteDeclaration


def termly_report(ctx: Context) -> Say:
    """This term's counts (the breach summary checks the reader may see breach figures)."""
    summary = governors_summary(ctx).as_dicts()
    calendar = SchoolCalendar(ctx.settings)
    today = calendar.today(ctx.now)
    term = calendar.term_of(today)
    row = next((r for r in summary if r["term"] == term), summary[-1] if summary else None)
    period = row["term"] if row else "this school year"
    lines = [f"*Report for governors: {period}* (counts only)", "", "*Breaches*"]
    if row is None:
        lines.append("• None logged.")
    else:
        hours = row["median_hours_to_decision"]
        lines += [
            f"• Logged: {row['logged']} (near misses {row['near_misses']}, "
            f"still being assessed {row['still_investigating']})",
            f"• Reported to the ICO: {row['reported_to_ico']}; decided not to report: "
            f"{row['decided_not_to_report']}",
            f"• Typical hours from report to ICO decision: {hours if hours != '' else 'n/a'}; "
            f"decided after {ctx.settings.ico_deadline_hours} hours: "
            f"{row['decided_after_72_hours']}",
        ]
    out = ctx.session.scalars(
        select(OffsiteDeclaration).where(
            OffsiteDeclaration.school_id == ctx.school.id,
            OffsiteDeclaration.status.in_(("out", "lost")),
        )
    ).all()
    overdue = sum(
        d.status == "out" and offsite_rules.due_status(calendar, d, today).overdue for d in out
    )
    lines += [
        "",
        "*Records taken off site*",
        f"• Out now: {sum(d.status == 'out' for d in out)} ({overdue} overdue); "
        f"reported lost: {sum(d.status == 'lost' for d in out)}",
        "",
        "*Acceptable Use Policy*",
        *aup_by_role_group(ctx),
    ]
    ctx.audit("report.viewed", "report:governors")
    return Say("\n".join(lines), title="Governors' report")


def aup_by_role_group(ctx: Context) -> list[str]:
    counts = signed_by_group(ctx)
    if not counts:
        return ["• No policy published in Safekeep yet."]
    signed = sum(pair[0] for pair in counts.values())
    total = sum(pair[1] for pair in counts.values())
    lines = [f"• Everyone who must sign: {_percent(signed, total)} signed"]
    for group, label in GROUP_LABELS.items():
        if group in counts:
            done, due = counts[group]
            lines.append(f"  – {label}: {done} of {due} ({_percent(done, due)})")
    return lines


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "n/a"
