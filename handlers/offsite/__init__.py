"""`/offsite`: declare records taken off site, list and return them, and the leads' register.

The flow lives in this package: declare (the dialog), approval (case-by-case permission),
returns (what is out, and marking it back), rules (tiers, permission and return dates as plain
rules), register (what is off site now, for leads) and messages (every word staff read). This
module routes the command and the buttons. The chasers are the sweep in
schedules/offsite_chasers.py.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.flow import ActionHandler, Command, FlowForm
from handlers.offsite import approval, declare, register, returns
from handlers.offsite import messages as msg
from handlers.replies import Reply, Say


def command(ctx: Context, text: str) -> Reply:
    """`/offsite` declares; `list`, `return` and (for leads) `register` do what they say."""
    word = text.split()[0].lower() if text.split() else ""
    if word in ("", "declare"):
        return declare.start(ctx)
    if word == "list":
        return returns.list_records(ctx)
    if word == "return":
        return returns.start_return(ctx)
    if word == "register":
        return register.register_view(ctx)
    return Say(msg.USAGE)


COMMANDS = (
    Command(
        "offsite",
        "Declare records you're taking off site, or mark them returned",
        "[list|return|register]",
        command,
    ),
)
ACTIONS: dict[str, ActionHandler] = {
    "offsite.start": lambda ctx, value: declare.start(ctx),
    **returns.ACTIONS,
    **approval.ACTIONS,
}
FORMS: dict[str, FlowForm] = {
    **declare.FORMS,
    **returns.FORMS,
    **approval.FORMS,
}
