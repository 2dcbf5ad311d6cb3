"""Who has signed: `/aup status` for leads, the `export aup` register with every signature of
every version, and the counts for the governors' report.

The export's shape (CSV and JSON alike): one row per signature a person has given, oldest first,
across every version and round, plus one row with empty signature columns for someone who has
never signed. Every row repeats where the person stands now (``status``, the ``version`` that
applies to them, ``due_on``, ``exempt_until``), and ``counts_now`` marks the signature that
counts for that status. Leavers with signatures stay in it, with the status "left".
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from handlers.access import require
from handlers.aup import messages as msg
from handlers.aup.roster import (
    EXEMPT,
    GROUP_LABELS,
    NOTHING_TO_SIGN,
    SIGNED,
    STATUS_LABELS,
    Standing,
    roster,
)
from handlers.context import Context
from handlers.people import CSV
from handlers.register_table import Register
from handlers.replies import Reply, Say
from storage.models import AupAcknowledgement, Person

LEFT = "left"  # the export's status for a leaver (inactive) kept for their signatures


def status(ctx: Context) -> Reply:
    """Signed / to sign / overdue / exempt, by group, with the names of those not signed."""
    require(ctx, "aup.status", "aup")
    by_group: dict[str, list[Standing]] = defaultdict(list)
    for one in roster(ctx):
        if one.status != NOTHING_TO_SIGN:
            by_group[one.person.role_group].append(one)
    ctx.audit("aup.status_viewed", f"school:{ctx.school.id}")
    if not by_group:
        return Say("Nobody has an Acceptable Use Policy to sign yet.")
    lines = ["*Acceptable Use Policy: who has signed*"]
    for group, label in GROUP_LABELS.items():
        people = by_group.get(group)
        if not people:
            continue
        lines.append(_group_line(label, people))
        for state, words in STATUS_LABELS.items():
            names = [_named(ctx, one) for one in people if one.status == state]
            if names and state != SIGNED:
                lines.append(f"  {words}: {', '.join(names)}")
    lines.append(msg.STATUS_FOOTER)
    return Say("\n".join(lines))


def _group_line(label: str, people: list[Standing]) -> str:
    signed = sum(one.status == SIGNED for one in people)
    exempt = sum(one.status == EXEMPT for one in people)
    version = people[0].version
    assert version is not None
    line = (
        f"*{label}* · {version.title} version {version.version}: {signed} of {len(people)} signed"
    )
    if exempt:
        line += f", {exempt} exempt"
    campaign = people[0].campaign
    if campaign is not None:
        line += f" · round {campaign.cycle}, due {msg.day(campaign.due_on)}"
    return line


def _named(ctx: Context, one: Standing) -> str:
    """A name as the status lists it: with the exemption's last day, or a note that the person
    is only on the staff-list CSV with no chat account (a signature on paper or by email is the
    way for them)."""
    person = one.person
    if one.status == EXEMPT and one.exemption is not None:
        return f"{person.display_name} (until {msg.day(one.exemption.ends_on)})"
    if person.sources == [CSV.key] and not person.identities:
        return f"{person.display_name} ({msg.NOT_IN_CHAT})"
    return person.display_name


COLUMNS = [
    "person_email",
    "person_name",
    "role_group",
    "status",
    "version",
    "due_on",
    "exempt_until",
    "signed_version",
    "text_hash",
    "cycle",
    "acknowledged_at",
    "signed_on",
    "method",
    "platform",
    "interaction_id",
    "recorded_by",
    "evidence_ref",
    "counts_now",
]


def aup_register(ctx: Context) -> Register:
    """Every person on the roster, and every leaver who signed, with every signature they gave
    (see the module docstring for the shape)."""
    register = Register("aup", list(COLUMNS))
    signatures: dict[int, list[AupAcknowledgement]] = defaultdict(list)
    for ack in ctx.session.scalars(
        select(AupAcknowledgement)
        .where(AupAcknowledgement.school_id == ctx.school.id)
        .order_by(AupAcknowledgement.acknowledged_at, AupAcknowledgement.id)
    ):
        signatures[ack.person_id].append(ack)
    people = ctx.session.scalars(
        select(Person)
        .where(
            Person.school_id == ctx.school.id,
            Person.active.is_(True) | Person.id.in_(list(signatures)),
        )
        .order_by(Person.display_name, Person.id)
    ).all()
    emails = {
        person_id: email
        for person_id, email in ctx.session.execute(
            select(Person.id, Person.email).where(Person.school_id == ctx.school.id)
        )
    }
    for one in roster(ctx, people):
        person = one.person
        now: list[object] = [
            person.email,
            person.display_name,
            person.role_group,
            one.status if person.active else LEFT,
            one.version.version if one.version else "",
            one.due_on.isoformat() if one.due_on else "",
            one.exemption.ends_on.isoformat() if one.exemption else "",
        ]
        history: list[AupAcknowledgement | None] = list(signatures.get(person.id, [])) or [None]
        for signed in history:
            register.rows.append(now + _signature(ctx, signed, one, emails))
    return register


def _signature(
    ctx: Context, ack: AupAcknowledgement | None, one: Standing, emails: dict[int, str]
) -> list[object]:
    if ack is None:
        return [*[""] * 10, "no"]
    return [
        ack.version,
        ack.text_hash,
        ack.cycle,
        ack.acknowledged_at.isoformat(),
        (ack.signed_on or ctx.local(ack.acknowledged_at).date()).isoformat(),
        ack.method,
        ack.platform,
        ack.interaction_id or "",
        emails.get(ack.recorded_by_id, "") if ack.recorded_by_id else "",
        ack.evidence_ref or "",
        "yes" if one.signature is not None and one.signature.id == ack.id else "no",
    ]


def signed_by_group(ctx: Context) -> dict[str, tuple[int, int]]:
    """(signed, must sign) for each group with someone to sign, exemptions left out: the
    counts the governors' report shows."""
    counts: dict[str, list[int]] = {}
    for one in roster(ctx):
        if one.status in (NOTHING_TO_SIGN, EXEMPT):
            continue
        pair = counts.setdefault(one.person.role_group, [0, 0])
        pair[0] += one.status == SIGNED
        pair[1] += 1
    return {group: (pair[0], pair[1]) for group, pair in counts.items()}
