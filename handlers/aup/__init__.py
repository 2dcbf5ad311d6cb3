"""`/aup`: read and agree to the Acceptable Use Policy that applies; `/aup status` for leads.

The flow lives in this package: versions (which version applies, publishing one), agree (the
acknowledgement dialog), register (who has agreed, for leads and the export) and messages.
"""

from __future__ import annotations

from handlers.aup import agree, register
from handlers.aup import messages as msg
from handlers.aup.roster import SIGNED, standing
from handlers.context import Context
from handlers.flow import ActionHandler, Command, FlowForm
from handlers.replies import Ask, Reply, Say


def command(ctx: Context, text: str) -> Reply:
    """`/aup` shows the current policy to agree to; `/aup status` is for leads."""
    word = text.strip().lower()
    if word == "status":
        return register.status(ctx)
    if word not in ("", "read", "sign"):
        return Say(msg.USAGE)
    mine = standing(ctx, ctx.person)
    version, signed = mine.version, mine.signature
    if version is None:
        return Say(msg.NO_VERSION)
    if mine.status == SIGNED and signed is not None:
        return Say(
            f"You agreed to *{version.title}* (version {version.version}) on "
            f"{ctx.when(signed.acknowledged_at)}. Nothing more to do."
            + (f"\nRead it again: {version.url}" if version.url else "")
        )
    return Ask(agree.agree_form(version))


COMMANDS = (Command("aup", "Read and agree to the Acceptable Use Policy", "[status]", command),)
ACTIONS: dict[str, ActionHandler] = {
    "aup.start": lambda ctx, value: command(ctx, ""),
    # The leads' overdue digest's "See who": the names stay behind the role check.
    "aup.status": lambda ctx, value: register.status(ctx),
}
FORMS: dict[str, FlowForm] = {**agree.FORMS}
