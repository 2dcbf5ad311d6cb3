"""`/aup`: read and agree to the Acceptable Use Policy that applies; `/aup status` for leads.

The flow lives in this package: versions (which version applies, publishing one), publish (the
`/aup publish` dialog), agree (the acknowledgement dialog), questions (a question to the Online
Safety lead and its answer), history (a person's own signatures), register (who has agreed,
for leads and the export) and messages.
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.access import allowed
from handlers.aup import agree, exemptions, history, paper, publish, questions, register
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
    if word in LEAD_WORDS:
        return LEAD_WORDS[word](ctx)
    if word == "publish":
        return publish.start(ctx)
    if word == "history":
        return history.history(ctx)
    if word not in ("", "read", "sign"):
        lead = allowed(ctx.actor, "aup.status")
        return Say(msg.USAGE + (f"\n{msg.LEAD_USAGE}" if lead else ""))
    mine = standing(ctx, ctx.person)
    version, signed = mine.version, mine.signature
    if version is None:
        return Say(msg.NO_VERSION)
    if mine.status == SIGNED and signed is not None:
        training = signed.training_completed_on
        text = msg.already_signed(
            version.title,
            version.version,
            ctx.when(signed.acknowledged_at),
            f"{training:%a} {training.day} {training:%b %Y}" if training else None,
        )
        return Say(text + (f"\nRead it again: {version.url}" if version.url else ""))
    return Ask(agree.agree_form(ctx, version))


# The leads' words after /aup (B: the roster); each checks its own permission.
LEAD_WORDS: dict[str, Callable[[Context], Reply]] = {
    "exempt": exemptions.open_exempt,
    "exempt end": exemptions.open_end,
    "record": paper.open_record,
}

COMMANDS = (
    Command(
        "aup",
        "Read and agree to the Acceptable Use Policy",
        "[history|status|publish|exempt|record]",
        command,
    ),
)
ACTIONS: dict[str, ActionHandler] = {
    "aup.start": lambda ctx, value: command(ctx, ""),
    # The leads' overdue digest's "See who": the names stay behind the role check.
    "aup.status": lambda ctx, value: register.status(ctx),
    **questions.ACTIONS,
}
FORMS: dict[str, FlowForm] = {
    **agree.FORMS,
    **exemptions.FORMS,
    **paper.FORMS,
    **publish.FORMS,
    **questions.FORMS,
}
