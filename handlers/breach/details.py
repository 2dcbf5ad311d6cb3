"""The whole report and its timeline, for the DPO, SIRO (Headteacher) and DSL only.

``access.require`` audits every refusal, and every opening of the details is audited with who
looked.
"""

from __future__ import annotations

from handlers.access import require
from handlers.breach import incidents
from handlers.breach import messages as msg
from handlers.context import Context
from handlers.replies import Button, Reply, Say
from storage.models import Incident, Person


def details(ctx: Context, value: str) -> Reply:
    """The whole report and its timeline, for the DPO, SIRO and DSL; each look is audited."""
    incident = incidents.find(ctx, value)
    return show_details(ctx, incident)


def show_details(ctx: Context, incident: Incident) -> Reply:
    require(ctx, "breach.details", incidents.subject(incident))
    incidents.record_event(ctx, incident, "details_viewed")
    return Say(
        details_text(ctx, incident),
        (Button("Open triage", "breach.triage", str(incident.id), "primary"),),
        title=f"Breach #{incident.number}",
    )


def details_text(ctx: Context, incident: Incident) -> str:
    reporter = ctx.session.get_one(Person, incident.reporter_id)
    deadline = incidents.ico_deadline(incident, ctx.settings)
    lines = [
        f"*Breach #{incident.number}* · {msg.label(msg.KINDS, incident.kind)} · "
        f"status {incident.status}",
        f"Reported {ctx.when(incident.reported_at)} by {reporter.display_name} · "
        f"ICO deadline {ctx.when(deadline)}",
        f"Involved: {msg.label(msg.MEDIA, incident.media)}"
        + (f" (asset {incident.asset_tag})" if incident.asset_tag else "")
        + f" · encrypted: {msg.label(msg.ENCRYPTED, incident.encrypted)}",
        "Records: " + ", ".join(msg.label(msg.CATEGORIES, c) for c in incident.categories),
        f"Safeguarding/SEND/medical data: {incidents.yes_no(incidents.special_data(incident))} · "
        f"child at immediate risk: {incidents.yes_no(incident.child_at_risk)}",
        f"People: {msg.label(msg.PEOPLE_BANDS, incident.people_band)} · "
        + ", ".join(msg.label(msg.SUBJECT_TYPES, s) for s in incident.subject_types),
    ]
    if incident.discovered_at is None:
        lines.append("The reporter has not added when, where and what happened yet.")
    else:
        happened = ctx.when(incident.occurred_at) if incident.occurred_at else "not known"
        lines += [
            f"Happened: {happened} · discovered {ctx.when(incident.discovered_at)} · "
            f"where: {msg.label(msg.LOCATIONS, incident.location)}",
            f"What happened: {incident.description or ''}",
            f"Already done: {incident.actions_taken or 'nothing recorded'}"
            + (f" · police reference {incident.police_ref}" if incident.police_ref else ""),
        ]
    if incident.acknowledged_at:
        who = ctx.session.get_one(Person, incident.acknowledged_by_id)
        lines.append(f"Acknowledged by {who.display_name} at {ctx.when(incident.acknowledged_at)}")
    if incident.classification:
        lines.append(
            f"Triage: {msg.label(msg.CLASSIFICATIONS, incident.classification)} · risk "
            f"{msg.label(msg.RISKS, incident.risk) or 'not assessed'} · ICO: "
            f"{msg.label(msg.ICO_DECISIONS, incident.ico_decision or 'undecided')}"
        )
    if incident.details_purged_at:
        day = ctx.local(incident.details_purged_at).strftime("%-d %b %Y")
        lines.append(msg.DETAILS_PURGED.format(day=day))
    lines.append("Timeline:")
    for event in incident.events:
        if event.kind == "details_viewed":
            continue
        actor = ctx.session.get(Person, event.actor_id) if event.actor_id else None
        lines.append(
            f"• {ctx.when(event.at)} {msg.EVENT_LABELS.get(event.kind, event.kind)}"
            + (f" ({actor.display_name})" if actor else "")
        )
    return "\n".join(lines)
