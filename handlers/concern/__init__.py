"""Online-safety concerns: the `/concern` command, its buttons and forms.

The flow lives in this package: report (the staff's two-step report), routing (who is told, how
soon, who may handle it and when it is escalated), records (lookup, locking and the timeline),
handling (acknowledge, open and the lead's record), log (own reports, the incident log, the
export and the governors' counts) and messages (every word staff read). Escalation and the LADO
reminder are the sweep in schedules/concern_clock.py.

`/concern` reports; `/concern list` shows your own reports; for the Headteacher, DSL and Online
Safety lead, `/concern log` is the Online Safety incident log, `/concern open` the concerns
still open, and `/concern open N` opens Concern #N for the leads it reached.
"""

from __future__ import annotations

from handlers.concern import handling, log, records, report
from handlers.concern import messages as msg
from handlers.context import Context
from handlers.flow import ActionHandler, Command, FlowForm
from handlers.replies import Reply, Say


def command(ctx: Context, text: str) -> Reply:
    word, _, rest = text.strip().partition(" ")
    word = word.lower()
    if word in ("", "report", "new"):
        return report.start_report(ctx)
    if word in ("list", "mine"):
        return log.own_reports(ctx)
    if word == "log":
        return log.incident_log(ctx)
    if word == "open":
        if rest:
            return handling.open_found(ctx, records.find_by_number(ctx, rest))
        return log.incident_log(ctx, still_open=True)
    return Say(msg.USAGE)


COMMANDS = (
    Command(
        "concern",
        "Report an online-safety concern, a filtering failure or suspected misuse",
        "[list|log|open N]",
        command,
    ),
)
ACTIONS: dict[str, ActionHandler] = {
    "concern.start": lambda ctx, value: report.start_report(ctx),
    "concern.acknowledge": handling.acknowledge,
    "concern.open": handling.open_concern,
}
FORMS: dict[str, FlowForm] = {**report.FORMS, **handling.FORMS}
