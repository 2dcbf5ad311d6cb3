"""The breach log (UK GDPR Art 33(5)): staff's own reports, the register and governors' counts.

The register keeps every report, near misses and decisions not to report included, with the
fields the ICO's report form asks for (shared/DOMAIN.md §1): categories, bands, flags, dates and
decisions; never the breached data and never a name. The governors' summary is counts only.
"""

from __future__ import annotations

from datetime import date, datetime
from statistics import median

from sqlalchemy import select

from handlers.access import require
from handlers.breach import incidents
from handlers.breach import messages as msg
from handlers.context import Context
from handlers.register_table import Register
from handlers.replies import Button, Reply, Say
from handlers.settings import Term
from storage.models import Incident, Person

# ICO report form words for the people the data is about.
ICO_SUBJECTS = {
    "pupils": "children (pupils)",
    "parents": "parents or carers",
    "staff": "employees",
    "governors_volunteers": "volunteers and governors",
}
REGISTER_COLUMNS = [
    "reference",
    "status",
    "classification",
    "reported_at",
    "ico_deadline",
    "report_type",
    "what_happened",
    "breach_type_cia",
    "cyber_incident",
    "how_found_out",
    "occurred_at",
    "discovered_at",
    "location",
    "media",
    "encrypted",
    "asset_tag",
    "linked_declaration",
    "data_categories",
    "special_category_or_safeguarding",
    "child_at_immediate_risk",
    "subject_categories",
    "people_band",
    "approx_records",
    "approx_subjects",
    "description",
    "actions_taken",
    "police_reference",
    "risk",
    "risk_reasoning",
    "containment",
    "acknowledged_at",
    "minutes_to_acknowledge",
    "ico_decision",
    "ico_rationale",
    "ico_decided_at",
    "hours_to_decision",
    "ico_notified_at",
    "ico_case_ref",
    "delay_reason",
    "subjects_decision",
    "art34_exception",
    "subjects_rationale",
    "subjects_method",
    "subjects_told_at",
    "other_bodies_told",
    "reporter_role_group",
    "lessons_learned",
    "closed_at",
]


def own_reports(ctx: Context) -> Reply:
    """`/breach list`: the person's own reports, and nobody else's."""
    rows = ctx.session.scalars(
        select(Incident)
        .where(Incident.school_id == ctx.school.id, Incident.reporter_id == ctx.person.id)
        .order_by(Incident.number)
    ).all()
    if not rows:
        return Say(msg.NO_REPORTS)
    lines = ["Your breach reports:"]
    for incident in rows:
        lines.append(
            f"• Breach #{incident.number} · {incidents.what(incident)} · reported "
            f"{ctx.when(incident.reported_at)} · {_staff_status(incident)}"
        )
    return Say("\n".join(lines))


def _staff_status(incident: Incident) -> str:
    if incident.status == "closed":
        return "closed"
    if incident.acknowledged_at is not None:
        return "being handled"
    return "waiting for the DPO"


def open_incidents(ctx: Context) -> Reply:
    """`/breach open`: the leads' list of open reports with buttons to details and triage."""
    require(ctx, "breach.details", "breach:open")
    rows = ctx.session.scalars(
        select(Incident)
        .where(Incident.school_id == ctx.school.id, Incident.status != "closed")
        .order_by(Incident.number)
    ).all()
    if not rows:
        return Say(msg.NO_OPEN)
    ctx.audit("breach.open_listed", "breach:open", count=len(rows))
    lines, buttons = ["Open breach reports:"], []
    for incident in rows:
        deadline = incidents.ico_deadline(incident, ctx.settings)
        decided = "ICO decision recorded" if incident.ico_decision else "no ICO decision"
        lines.append(
            f"• Breach #{incident.number} · {incidents.what(incident)} · ICO deadline "
            f"{ctx.when(deadline)} · {decided}"
        )
        buttons.append(Button(f"Triage #{incident.number}", "breach.triage", str(incident.id)))
    return Say("\n".join(lines), tuple(buttons))


def breach_register(ctx: Context) -> Register:
    """Every report with the ICO form's fields, for the DPO and governors (`export breaches`)."""
    require(ctx, "breach.details", "export:breaches")
    register = Register("breaches", list(REGISTER_COLUMNS))
    for incident in _all(ctx):
        reporter = ctx.session.get_one(Person, incident.reporter_id)
        register.rows.append(_row(ctx, incident, reporter))
    return register


def _row(ctx: Context, incident: Incident, reporter: Person) -> list[object]:
    deadline = incidents.ico_deadline(incident, ctx.settings)
    acked = incident.acknowledged_at
    values = {
        "reference": f"Breach #{incident.number}",
        "status": incident.status,
        "classification": incident.classification or "investigating",
        "reported_at": _iso(incident.reported_at),
        "ico_deadline": _iso(deadline),
        "report_type": "initial" if incident.ico_notified_at else "",
        "what_happened": msg.label(msg.KINDS, incident.kind),
        "breach_type_cia": ", ".join(incident.cia),
        "cyber_incident": "yes" if incident.kind == "cyber" else "no",
        "how_found_out": "reported by a member of staff through Safekeep",
        "occurred_at": _iso(incident.occurred_at),
        "discovered_at": _iso(incident.discovered_at),
        "location": msg.label(msg.LOCATIONS, incident.location),
        "media": msg.label(msg.MEDIA, incident.media),
        "encrypted": msg.label(msg.ENCRYPTED, incident.encrypted),
        "asset_tag": incident.asset_tag or "",
        "linked_declaration": incident.declaration_id or "",
        "data_categories": ", ".join(msg.label(msg.CATEGORIES, c) for c in incident.categories),
        "special_category_or_safeguarding": incidents.yes_no(incidents.special_data(incident)),
        "child_at_immediate_risk": incidents.yes_no(incident.child_at_risk),
        "subject_categories": ", ".join(ICO_SUBJECTS.get(s, s) for s in incident.subject_types),
        "people_band": msg.label(msg.PEOPLE_BANDS, incident.people_band),
        "approx_records": msg.label(msg.COUNT_BANDS, incident.record_count),
        "approx_subjects": msg.label(msg.COUNT_BANDS, incident.subject_count),
        "description": incident.description or "",
        "actions_taken": incident.actions_taken or "",
        "police_reference": incident.police_ref or "",
        "risk": incident.risk or "",
        "risk_reasoning": incident.risk_reasoning or "",
        "containment": incident.containment or "",
        "acknowledged_at": _iso(acked),
        "minutes_to_acknowledge": (
            int((acked - incident.reported_at).total_seconds() // 60) if acked else ""
        ),
        "ico_decision": incident.ico_decision or "undecided",
        "ico_rationale": incident.ico_rationale or "",
        "ico_decided_at": _iso(incident.ico_decided_at),
        "hours_to_decision": _hours_to_decision(incident) if incident.ico_decision else "",
        "ico_notified_at": _iso(incident.ico_notified_at),
        "ico_case_ref": incident.ico_case_ref or "",
        "delay_reason": incident.delay_reason or "",
        "subjects_decision": incident.subjects_decision or "undecided",
        "art34_exception": incident.art34_exception or "",
        "subjects_rationale": incident.subjects_rationale or "",
        "subjects_method": incident.subjects_method or "",
        "subjects_told_at": _iso(incident.subjects_told_at),
        "other_bodies_told": ", ".join(incident.other_bodies),
        "reporter_role_group": reporter.role_group,
        "lessons_learned": incident.lessons_learned or "",
        "closed_at": _iso(incident.closed_at),
    }
    return [values[c] for c in REGISTER_COLUMNS]


def governors_summary(ctx: Context) -> Register:
    """Counts only, one row per term (`export breach-summary`): for the governing board."""
    require(ctx, "breach.details", "export:breach-summary")
    register = Register(
        "breach-summary",
        [
            "term",
            "logged",
            "confirmed",
            "near_misses",
            "not_a_breach",
            "still_investigating",
            "reported_to_ico",
            "decided_not_to_report",
            "decided_after_72_hours",
            "median_hours_to_decision",
            "longest_hours_to_decision",
        ],
    )
    rows = _all(ctx)
    for name, start, end in _periods(ctx, rows):
        inside = [i for i in rows if start <= ctx.local(i.reported_at).date() <= end]
        hours = [_hours_to_decision(i) for i in inside if i.ico_decision]
        deadline_hours = ctx.settings.ico_deadline_hours
        register.rows.append(
            [
                name,
                len(inside),
                sum(i.classification == "confirmed" for i in inside),
                sum(i.classification == "near_miss" for i in inside),
                sum(i.classification == "not_breach" for i in inside),
                sum(i.classification in (None, "investigating") for i in inside),
                sum(i.ico_decision == "notify" for i in inside),
                sum(i.ico_decision == "not_notify" for i in inside),
                sum(h > deadline_hours for h in hours),
                round(median(hours), 1) if hours else "",
                max(hours) if hours else "",
            ]
        )
    return register


def _periods(ctx: Context, rows: list[Incident]) -> list[tuple[str, date, date]]:
    """The school's terms up to today, holidays folded into the term before them.

    A school with no terms configured gets school years (September to August) instead.
    """
    today = ctx.today
    earliest = min((ctx.local(i.reported_at).date() for i in rows), default=None)
    terms: list[Term] = sorted(ctx.settings.terms, key=lambda t: t.start)
    if not terms:
        return _school_years(earliest, today) if earliest is not None else []
    periods: list[tuple[str, date, date]] = []
    for n, term in enumerate(terms):
        if term.start > today:
            break
        until = terms[n + 1].start.toordinal() - 1 if n + 1 < len(terms) else None
        end = date.fromordinal(until) if until else date.max
        periods.append((term.name, term.start, end))
    if earliest is not None and earliest < terms[0].start:
        before = date.fromordinal(terms[0].start.toordinal() - 1)
        periods.insert(0, (f"Before {terms[0].name}", date.min, before))
    return periods


def _school_years(earliest: date, today: date) -> list[tuple[str, date, date]]:
    """'School year 2026/27' (1 September to 31 August) from the first report's year to now."""

    def starting(day: date) -> int:
        return day.year if day.month >= 9 else day.year - 1

    return [
        (f"School year {year}/{(year + 1) % 100:02d}", date(year, 9, 1), date(year + 1, 8, 31))
        for year in range(starting(earliest), max(starting(earliest), starting(today)) + 1)
    ]


def _all(ctx: Context) -> list[Incident]:
    return list(
        ctx.session.scalars(
            select(Incident).where(Incident.school_id == ctx.school.id).order_by(Incident.number)
        )
    )


def _hours_to_decision(incident: Incident) -> float:
    assert incident.ico_decided_at is not None
    return round((incident.ico_decided_at - incident.reported_at).total_seconds() / 3600, 1)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""
