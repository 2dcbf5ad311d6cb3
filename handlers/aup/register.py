"""Who has signed: `/aup status` for leads and the `export aup` register."""

from __future__ import annotations

from collections import defaultdict

from handlers.access import require
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
from handlers.register_table import Register
from handlers.replies import Reply, Say


def status(ctx: Context) -> Reply:
    """Signed / to sign / overdue / exempt, by group, with names."""
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
        signed = sum(one.status == SIGNED for one in people)
        version = people[0].version
        assert version is not None
        lines.append(
            f"*{label}* · {version.title} version {version.version}: "
            f"{signed} of {len(people)} signed"
        )
        for state, words in STATUS_LABELS.items():
            names = [one.person.display_name for one in people if one.status == state]
            if names and state != SIGNED:
                lines.append(f"  {words}: {', '.join(names)}")
    return Say("\n".join(lines))


def aup_register(ctx: Context) -> Register:
    """Every active person and where they stand with the AUP that applies to them."""
    register = Register(
        "aup",
        [
            "person_email",
            "person_name",
            "role_group",
            "version",
            "status",
            "acknowledged_at",
            "text_hash",
            "platform",
        ],
    )
    for one in roster(ctx):
        signed = one.signature
        register.rows.append(
            [
                one.person.email,
                one.person.display_name,
                one.person.role_group,
                one.version.version if one.version else "",
                one.status,
                signed.acknowledged_at.isoformat() if signed else "",
                signed.text_hash if signed else "",
                signed.platform if signed else "",
            ]
        )
    return register


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
