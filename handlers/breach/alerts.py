"""Who is told about a breach report, and the alert they get.

The urgent alerts go out when the first step of the report is stored; the reporter is told in
plain words who was alerted, from the roles somebody actually holds. The "Acknowledge" button on
an alert is built here only: the escalation sweep (schedules/breach_clock.py) uses it too.
"""

from __future__ import annotations

from handlers.access import ROLE_LABELS, people_with_roles
from handlers.breach import incidents
from handlers.breach import messages as msg
from handlers.context import Context, KeyedNotice, notify_all
from handlers.replies import Button, Notice, listed
from storage.models import Incident, Person
from storage.outbox import LedgerKey


def acknowledge_button(incident: Incident) -> Button:
    """The button that acknowledges an alert (and so stops its escalation)."""
    return Button("Acknowledge", "breach.acknowledge", str(incident.id), "primary")


def send_alerts(ctx: Context, incident: Incident) -> str:
    """Queue the urgent alerts (quiet hours never apply); returns the words for who was told.

    A role this report needs with nobody in it sends the alert to the school's Safekeep admins
    too, and the reporter is told exactly that: never that a role was alerted when nobody holds
    it.
    """
    roles = incidents.alert_roles(incident)
    # The admins too, in the same query, for a role nobody holds.
    found = people_with_roles(ctx, (*roles, incidents.FALLBACK_ROLE))
    people = [p for p in found if not p.role_names.isdisjoint(roles)]
    held = {r for p in people for r in p.role_names}
    told = [r for r in roles if r in held]
    missing = [r for r in roles if r not in held and r not in incidents.OPTIONAL_ALERT_ROLES]
    leads = [p for p in people if p.role_names & incidents.TRIAGE_ROLES]
    others = [p for p in people if not p.role_names & incidents.TRIAGE_ROLES]
    text = alert_text(ctx, incident)
    acknowledge = acknowledge_button(incident)
    triage = Button("Open triage", "breach.triage", str(incident.id))
    key = incidents.subject(incident)
    # Windows of one "alert" key: leads also get the triage button, others only acknowledge,
    # and admins hear about a role nobody holds. Queued together: one ledger statement.
    notices = [
        KeyedNotice(
            ctx,
            leads,
            Notice(text, (acknowledge, triage)),
            LedgerKey(key, "alert", "triage"),
            urgent=True,
        ),
        KeyedNotice(
            ctx,
            others,
            Notice(text, (acknowledge,)),
            LedgerKey(key, "alert", "support"),
            urgent=True,
        ),
    ]
    admins: list[Person] = []
    if missing:
        admins = [p for p in found if incidents.FALLBACK_ROLE in p.role_names]
        gap = msg.ALERT_ROLE_GAP.format(roles=listed([ROLE_LABELS[r] for r in missing]))
        notices.append(
            KeyedNotice(
                ctx,
                admins,
                Notice(alert_text(ctx, incident, needs_ack=False) + gap),
                LedgerKey(key, "alert", "admin"),
                urgent=True,
            )
        )
    notify_all(notices)
    incidents.record_event(
        ctx,
        incident,
        "alerted",
        roles=told,
        missing=missing,
        admins=len(admins),
        recipients=len({p.id for p in (*people, *admins)}),
    )
    return alerted_words(told, missing, len(admins))


def alert_text(ctx: Context, incident: Incident, *, needs_ack: bool = True) -> str:
    return msg.ALERT.format(
        number=incident.number,
        what=incidents.what(incident),
        special=incidents.yes_no(incidents.special_data(incident)),
        child=incidents.yes_no(incident.child_at_risk),
        deadline=ctx.when(incidents.ico_deadline(incident, ctx.settings)),
    ) + (msg.ALERT_NEEDS_ACK if needs_ack and incident.acknowledged_at is None else "")


def alerted_words(told: list[str], missing: list[str], admins: int) -> str:
    """'the DPO and the IT lead have been alerted', from the roles somebody actually holds."""
    labels = [msg.ALERTED_LABELS[r] for r in told]
    if admins:
        labels.append(msg.ADMINS_LABEL)
    if not labels:
        return msg.NOBODY_ALERTED
    plural = len(labels) > 1 or labels[0] in msg.PLURAL_LABELS
    words = f"{listed(labels)} {'have' if plural else 'has'} been alerted"
    if missing:
        gap = msg.NOBODY_HOLDS if admins else msg.NOBODY_HOLDS_NO_ADMINS
        words += gap.format(roles=listed([ROLE_LABELS[r] for r in missing]))
    return words


def alerted_for(incident: Incident) -> str:
    """The words for who was told, from the incident's own record of the alert it sent."""
    sent = next((e for e in reversed(incident.events) if e.kind == "alerted"), None)
    if sent is None:
        return msg.NOBODY_ALERTED
    details = sent.details
    return alerted_words(
        list(details.get("roles", [])), list(details.get("missing", [])), details.get("admins", 0)
    )
