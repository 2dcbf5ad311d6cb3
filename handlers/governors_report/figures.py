"""The termly report's figures: counts only, small numbers suppressed, platform-free.

A report is a list of sections; each is built by one function from ``(ctx, term)`` (``SECTIONS``)
and built twice, for the term and for the same term last year. Adding a section is one function
and one entry in ``SECTIONS``. What a figure shows is decided here:
counts under 3 read "fewer than 3", and a median or percentage worked out from fewer than 3
cases is not shown, so charts and CSV can only draw what the page says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from statistics import median

from sqlalchemy import select

from handlers.aup.register import signed_by_group
from handlers.aup.roster import GROUP_LABELS
from handlers.concern.log import termly_counts
from handlers.concern.messages import KINDS as CONCERN_KINDS
from handlers.context import Context
from handlers.governors_report import messages as msg
from handlers.governors_report import terms
from handlers.governors_report.terms import ReportTerm
from handlers.offsite import rules as offsite_rules
from handlers.school_calendar import SchoolCalendar
from storage.models import Incident, OffsiteDeclaration

SUPPRESS_BELOW = 3


@dataclass(frozen=True)
class Figure:
    """One measure for one term: what the page shows, and what a chart may draw (or None)."""

    key: str
    label: str
    shown: str
    chartable: float | None = None


def count(key: str, label: str, n: int) -> Figure:
    if n < SUPPRESS_BELOW:
        return Figure(key, label, msg.FEWER_THAN_3)
    return Figure(key, label, str(n), float(n))


def median_hours(key: str, label: str, hours: list[float], what: str) -> Figure:
    if len(hours) < SUPPRESS_BELOW:
        return Figure(key, label, msg.NOT_SHOWN_FEW.format(what=what))
    value = round(median(hours), 1)
    return Figure(key, label, f"{value:g}")


def percent(key: str, label: str, part: int, whole: int, what: str) -> Figure:
    if whole < SUPPRESS_BELOW:
        return Figure(key, label, msg.NOT_SHOWN_FEW.format(what=what))
    value = round(100 * part / whole)
    return Figure(key, label, f"{value}%", float(value))


def median_minutes(key: str, label: str, n: int, value: float | None, what: str) -> Figure:
    """A median already worked out from ``n`` cases, shown only from 3 cases up."""
    if n < SUPPRESS_BELOW or value is None:
        return Figure(key, label, msg.NOT_SHOWN_FEW.format(what=what))
    return Figure(key, label, f"{round(value):d}")


def not_kept(key: str, label: str) -> Figure:
    return Figure(key, label, msg.NOT_KEPT)


@dataclass(frozen=True)
class Section:
    """One part of the page: a title, its figures, and how its chart reads (counts or %)."""

    title: str
    figures: tuple[Figure, ...]
    unit: str = "count"  # "count" or "percent": the chart's axis
    note: str = ""


SectionBuilder = Callable[[Context, ReportTerm], Section]


def breaches(ctx: Context, term: ReportTerm) -> Section:
    rows = ctx.session.scalars(select(Incident).where(Incident.school_id == ctx.school.id))
    inside = [i for i in rows if term.covers(ctx.local(i.reported_at).date())]
    hours = [
        (i.ico_decided_at - i.reported_at).total_seconds() / 3600
        for i in inside
        if i.ico_decision and i.ico_decided_at
    ]
    deadline = ctx.settings.ico_deadline_hours
    return Section(
        msg.BREACHES,
        (
            count("breaches_logged", msg.LOGGED, len(inside)),
            count(
                "breaches_reported_to_ico",
                msg.REPORTED_TO_ICO,
                sum(i.ico_decision == "notify" for i in inside),
            ),
            count(
                "breaches_near_misses",
                msg.NEAR_MISSES,
                sum(i.classification == "near_miss" for i in inside),
            ),
            median_hours(
                "breaches_median_hours_to_ico_decision", msg.MEDIAN_HOURS, hours, msg.DECISIONS
            ),
            count(
                "breaches_decided_after_deadline",
                msg.AFTER_DEADLINE.format(hours=deadline),
                sum(h > deadline for h in hours),
            ),
        ),
    )


def offsite(ctx: Context, term: ReportTerm) -> Section:
    rows = ctx.session.scalars(
        select(OffsiteDeclaration).where(
            OffsiteDeclaration.school_id == ctx.school.id,
            OffsiteDeclaration.status.in_(("out", "returned", "lost")),
        )
    )
    inside = [d for d in rows if term.covers(ctx.local(d.taken_at).date())]
    # Late as the chasers count it: after the return date, rolled on to a school day.
    calendar = SchoolCalendar(ctx.settings)
    late = sum(
        d.returned_at is not None
        and offsite_rules.due_status(calendar, d, ctx.local(d.returned_at).date()).overdue
        for d in inside
    )
    missing = sum(item.status == "missing" for d in inside for item in d.items)
    return Section(
        msg.OFFSITE,
        (
            count("offsite_declared", msg.DECLARED, len(inside)),
            count("offsite_returned_late", msg.LATE, late),
            count("offsite_records_missing", msg.MISSING, missing),
        ),
    )


def concerns(ctx: Context, term: ReportTerm) -> Section:
    """Online-safety concerns by kind, and how quickly a lead acknowledged them."""
    counts = termly_counts(ctx, term.first_day, term.last_day)
    by_kind = tuple(
        count(f"concerns_{kind}", msg.CONCERN_KIND.format(kind=words), counts.by_kind.get(kind, 0))
        for kind, words in CONCERN_KINDS.items()
    )
    return Section(
        msg.CONCERNS,
        (
            count("concerns_reported", msg.CONCERNS_ALL, counts.total),
            *by_kind,
            median_minutes(
                "concerns_median_minutes_to_acknowledge",
                msg.MEDIAN_MINUTES_TO_ACK,
                counts.acknowledged,
                counts.median_minutes_to_acknowledge,
                msg.ACKNOWLEDGEMENTS,
            ),
        ),
    )


def aup(ctx: Context, term: ReportTerm) -> Section:
    """Signed % by group. The roster answers for today's round only, so it speaks for the term
    just ended (or the current one) and no earlier term: those figures are not kept."""
    ended = terms.just_ended(ctx.settings, ctx.today)
    current = ended is None or term.first_day >= ended.start
    counts = signed_by_group(ctx) if current else {}
    figures = []
    for group, label in GROUP_LABELS.items():
        key, words = f"aup_signed_{group}", msg.AUP_SIGNED.format(group=label)
        if not current:
            figures.append(not_kept(key, words))
        elif group in counts:
            done, due = counts[group]
            figures.append(percent(key, words, done, due, msg.TO_SIGN))
    return Section(
        msg.AUP, tuple(figures), unit="percent", note="" if figures or not current else msg.NO_AUP
    )


# The report's sections, in page order.
SECTIONS: list[SectionBuilder] = [breaches, offsite, concerns, aup]


@dataclass(frozen=True)
class Row:
    """One measure on the page: this term's figure and last year's (None: no such term)."""

    label: str
    key: str
    this: Figure
    last: Figure | None


@dataclass(frozen=True)
class SectionPair:
    title: str
    unit: str
    rows: tuple[Row, ...]
    note: str = ""


@dataclass(frozen=True)
class TermReport:
    school: str
    term: ReportTerm
    last_year: ReportTerm | None
    made_on: date
    sections: tuple[SectionPair, ...]

    @property
    def last_label(self) -> str:
        return self.last_year.name if self.last_year else msg.LAST_YEAR_MISSING

    @property
    def subtitle(self) -> str:
        return msg.SUBTITLE.format(
            school=self.school,
            term=self.term.name,
            dates=self.term.dates,
            last=self.last_year.name if self.last_year else msg.NO_LAST_YEAR,
        )


def build(ctx: Context, term: ReportTerm, last_year: ReportTerm | None) -> TermReport:
    """Every section for the term and for the same term last year, paired by measure."""
    pairs = []
    for builder in SECTIONS:
        this = builder(ctx, term)
        last = builder(ctx, last_year) if last_year else None
        before = {f.key: f for f in last.figures} if last else {}
        rows = tuple(Row(f.label, f.key, f, before.get(f.key)) for f in this.figures)
        pairs.append(SectionPair(this.title, this.unit, rows, this.note))
    return TermReport(ctx.school.name, term, last_year, ctx.today, tuple(pairs))


def chart_alt_text(report: TermReport, section: SectionPair) -> str:
    """The text alternative of a section's chart: every bar's figure in words."""
    parts = []
    for row in section.rows:
        if row.last is None:
            parts.append(msg.CHART_ALT_PART_ONE.format(label=row.label, this=row.this.shown))
        else:
            parts.append(
                msg.CHART_ALT_PART.format(
                    label=row.label,
                    this_term=report.term.name,
                    this=row.this.shown,
                    last_term=report.last_label,
                    last=row.last.shown,
                )
            )
    return msg.CHART_ALT.format(title=section.title, parts="; ".join(parts))


def charted(section: SectionPair) -> tuple[Row, ...]:
    """The rows a chart draws: counts and percentages (medians are read in the table)."""
    return tuple(r for r in section.rows if "_median_" not in r.key)
