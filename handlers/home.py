"""What a person has outstanding (the Slack App Home, and any adapter's "home"), with buttons.

Everyone sees their records off site, the agreement they still have to sign, approvals and
breach alerts waiting for them, and the two buttons staff need most. Leads also get a short
overview of the school. Only references, categories and dates: no pupil or staff details.
"""

from __future__ import annotations

from sqlalchemy import func, select

from handlers import access
from handlers.access import allowed
from handlers.aup import roster as aup_roster
from handlers.breach import incidents as breach_incidents
from handlers.concern import records as concern_records
from handlers.context import Context
from handlers.offsite import messages as msg
from handlers.offsite import returns as offsite_return
from handlers.offsite import rules as offsite_rules
from handlers.replies import Button, Say
from handlers.school_calendar import SchoolCalendar
from storage.models import (
    Concern,
    Incident,
    OffsiteApproval,
    OffsiteDeclaration,
    Person,
)

# Everyone a breach alert can reach (the IT lead included) sees unacknowledged ones here.
ALERT_ROLES = breach_incidents.ALERTED_ROLES
OVERVIEW_PERMISSIONS = ("offsite.register", "aup.status", "breach.details")

HEADING = "*Your Safekeep*"
NOTHING = "Nothing is waiting for you. Thank you for keeping our pupils' data safe."
REPORT = Button("Report a lost device or breach", "breach.start", style="danger")
CONCERN = Button("Report an online-safety concern", "concern.start", style="danger")
DECLARE = Button("Declare records taken off site", "offsite.start")


def outstanding(ctx: Context) -> Say:
    """Everything waiting for the acting person, and for leads an overview of the school."""
    person = ctx.person
    lines: list[str] = [HEADING]
    buttons: list[Button] = []

    calendar = SchoolCalendar(ctx.settings)
    today = calendar.today(ctx.now)
    for declaration in offsite_return.records_out(ctx, person):
        # The same due day and lateness the chasers use: a holiday return date rolls forward.
        status = offsite_rules.due_status(calendar, declaration, today)
        late = " · *overdue*" if status.overdue else ""
        categories = msg.categories_label(
            item.category for item in declaration.items if item.status == "out"
        )
        lines.append(
            f"• Records off site #{declaration.id} ({categories}) · "
            f"due back {msg.day_label(status.due)}{late}"
        )
        buttons.append(offsite_return.return_button(declaration))

    mine = aup_roster.standing(ctx, person)
    version = mine.version
    if version is not None and mine.status in (aup_roster.TO_SIGN, aup_roster.OVERDUE):
        lines.append(f"• Please read and agree to the {version.title} (version {version.version})")
        buttons.append(Button("Read and agree", "aup.start", style="primary"))

    for approval in _approvals_waiting(ctx, person):
        lines.append(
            f"• Off-site request #{approval.declaration_id} needs your decision by "
            f"{ctx.when(approval.expires_at)}"
        )
        buttons.append(
            Button(
                f"Approve #{approval.declaration_id}",
                "offsite.approve",
                str(approval.id),
                "primary",
            )
        )
        buttons.append(
            Button(f"Decline #{approval.declaration_id}", "offsite.decline", str(approval.id))
        )

    for incident in _alerts_waiting(ctx, person):
        special = breach_incidents.yes_no(breach_incidents.special_data(incident))
        lines.append(
            f"• Breach #{incident.number} reported {ctx.when(incident.reported_at)} "
            f"(safeguarding/SEND/medical data: {special}) is not acknowledged yet"
        )
        buttons.append(
            Button(
                f"Acknowledge #{incident.number}", "breach.acknowledge", str(incident.id), "primary"
            )
        )

    for concern in concern_waiting(ctx, person):
        lines.append(
            f"• Concern #{concern.number} ({concern_records.kind_words(concern)}) reported "
            f"{ctx.when(concern.reported_at)} is not acknowledged yet"
        )
        buttons.append(
            Button(
                f"Acknowledge concern #{concern.number}",
                "concern.acknowledge",
                str(concern.id),
                "primary",
            )
        )

    if len(lines) == 1:
        lines.append(NOTHING)
    if any(allowed(person, p) for p in OVERVIEW_PERMISSIONS):
        lines.append("")
        lines.extend(overview(ctx))
    return Say("\n".join(lines), (*buttons, REPORT, CONCERN, DECLARE), title="Safekeep")


def overview(ctx: Context) -> list[str]:
    """The leads' view of the school: records out, overdue, open breaches and AUP sign-off."""
    school_id = ctx.school.id
    calendar = SchoolCalendar(ctx.settings)
    today = calendar.today(ctx.now)
    records_out = ctx.session.scalars(
        select(OffsiteDeclaration).where(
            OffsiteDeclaration.school_id == school_id, OffsiteDeclaration.status == "out"
        )
    ).all()
    out = len(records_out)
    overdue = sum(offsite_rules.due_status(calendar, d, today).overdue for d in records_out)
    open_breaches = ctx.session.scalar(
        select(func.count(Incident.id)).where(
            Incident.school_id == school_id, Incident.status != "closed"
        )
    )
    lines = [
        "*School overview*",
        f"• Records off site: {out} ({overdue} overdue)",
        f"• Breaches open: {open_breaches or 0}",
    ]
    everyone = [one for one in aup_roster.roster(ctx) if one.version is not None]
    if everyone:
        signed = sum(one.status == aup_roster.SIGNED for one in everyone)
        lines.append(f"• Acceptable Use Policy: {signed} of {len(everyone)} signed")
    return lines


def _approvals_waiting(ctx: Context, person: Person) -> list[OffsiteApproval]:
    return list(
        ctx.session.scalars(
            select(OffsiteApproval)
            .join(OffsiteDeclaration, OffsiteDeclaration.id == OffsiteApproval.declaration_id)
            .where(
                OffsiteDeclaration.school_id == ctx.school.id,
                OffsiteApproval.approver_id == person.id,
                OffsiteApproval.decision == "pending",
                OffsiteApproval.expires_at > ctx.now,
            )
            .order_by(OffsiteApproval.expires_at)
        )
    )


def concern_waiting(ctx: Context, person: Person) -> list[Concern]:
    """Unacknowledged concerns this person was told about (or may be escalated to)."""
    if not person.role_names & access.PERMISSIONS["concern.handle"]:
        return []
    rows = ctx.session.scalars(
        select(Concern)
        .where(Concern.school_id == ctx.school.id, Concern.acknowledged_at.is_(None))
        .order_by(Concern.reported_at)
    )
    waiting = []
    for concern in rows:
        route = concern_records.route_of(ctx, concern)
        if person.role_names & set(route.roles) and not person.role_names & set(route.excluded):
            waiting.append(concern)
    return waiting


def _alerts_waiting(ctx: Context, person: Person) -> list[Incident]:
    if not person.role_names & ALERT_ROLES:
        return []
    return list(
        ctx.session.scalars(
            select(Incident)
            .where(
                Incident.school_id == ctx.school.id,
                Incident.acknowledged_at.is_(None),
                Incident.status != "closed",
            )
            .order_by(Incident.reported_at)
        )
    )
