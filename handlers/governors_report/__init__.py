"""The termly report to governors: counts only, as a one-page PDF with charts and as CSV.

``figures`` computes (platform-free); ``pdf``, ``charts`` and ``table_csv`` render bytes and are
imported only when a file is made (matplotlib takes a moment to load). This module makes a
report for a term and queues it as a DM with its files, for `/safekeep report [TERM]`, the
end-of-term sweep and `python -m bot report`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from handlers.access import require
from handlers.context import Context
from handlers.errors import UserError
from handlers.governors_report import messages as msg
from handlers.governors_report import terms
from handlers.governors_report.figures import TermReport, build
from handlers.replies import Notice, Reply, Say
from handlers.settings import Term
from storage.models import Person
from storage.outbox import LedgerKey, already_sent

# Who is sent the report at the end of each term (the policy: the Headteacher reviews incident
# logs with the Safeguarding Governor and receives the Online Safety lead's monitoring reports).
RECIPIENT_ROLES = ("headteacher", "online_safety_lead", "safeguarding_governor")
PDF, CSV = "application/pdf", "text/csv"


@dataclass(frozen=True)
class ReportFiles:
    pdf_name: str
    pdf: bytes
    csv_name: str
    csv: bytes


def make(ctx: Context, term: Term) -> TermReport:
    """The report for ``term``, compared with the same term last year."""
    last = terms.same_term_last_year(ctx.settings, term)
    return build(
        ctx,
        terms.report_term(ctx.settings, term),
        terms.report_term(ctx.settings, last) if last else None,
    )


def term_for(ctx: Context, name: str = "") -> Term:
    """The named term, or the term just ended; a UserError if there is none."""
    if not ctx.settings.terms:
        raise UserError(msg.NO_TERMS)
    if name.strip():
        return terms.named(ctx.settings, name)
    ended = terms.just_ended(ctx.settings, ctx.today)
    if ended is None:
        raise UserError(msg.NO_TERM_ENDED)
    return ended


def files(report: TermReport) -> ReportFiles:
    """The report as PDF and CSV bytes, named for the term."""
    from handlers.governors_report.pdf import render_pdf
    from handlers.governors_report.table_csv import render_csv

    stem = "governors-report-" + re.sub(r"[^a-z0-9]+", "-", report.term.name.lower()).strip("-")
    return ReportFiles(f"{stem}.pdf", render_pdf(report), f"{stem}.csv", render_csv(report))


def send(
    ctx: Context, report: TermReport, recipients: Sequence[Person], key: LedgerKey | None = None
) -> bool:
    """Queue the report as a DM with its PDF and CSV; False if the key was used before."""
    if not recipients or (key is not None and already_sent(ctx.session, ctx.school.id, key)):
        return False
    made = files(report)
    notice = Notice(
        msg.DM_TEXT.format(term=report.term.name),
        files=(
            ctx.attach(made.pdf_name, PDF, made.pdf),
            ctx.attach(made.csv_name, CSV, made.csv),
        ),
    )
    return ctx.notify(recipients, notice, key=key)


def summary(report: TermReport) -> str:
    """The report's figures as chat text (the same words as the page)."""
    lines = [f"*{msg.TITLE}*", report.subtitle, ""]
    for section in report.sections:
        lines.append(f"*{section.title}*")
        if section.note:
            lines.append(section.note)
        for row in section.rows:
            last = f" ({report.last_label}: {row.last.shown})" if row.last else ""
            lines.append(f"• {row.label}: {row.this.shown}{last}")
        lines.append("")
    lines.append(msg.COUNTS_ONLY)
    return "\n".join(lines)


def on_demand(ctx: Context, text: str) -> Reply:
    """`/safekeep report [TERM]`: the figures in chat and the PDF and CSV as a DM (leads)."""
    require(ctx, "report.view", "report:governors")
    report = make(ctx, term_for(ctx, text))
    send(ctx, report, [ctx.person])
    ctx.audit("report.made", f"report:{report.term.name}", on_demand=True)
    return Say(msg.ON_DEMAND.format(summary=summary(report)), title=msg.TITLE)
