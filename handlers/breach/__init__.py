"""Lost devices and suspected breaches: the `/breach` command, its buttons and forms.

The flow lives in this package: report (the staff's two-step report and T0), alerts (who is
told, and the alert), acknowledge, details and triage (the leads' view and the DPO's decisions),
incidents (lookup, locking, the ICO deadline and the timeline), log (own reports, the register
and the governors' counts) and messages (every word staff read). The ICO clock and escalation
are the sweep in schedules/breach_clock.py.

`/breach` reports; `/breach list` shows your own reports; for the DPO, Headteacher and DSL,
`/breach open` lists open reports and `/breach details N` / `/breach triage N` open Breach #N.
"""

from __future__ import annotations

from handlers.breach import acknowledge, details, incidents, log, report, triage
from handlers.breach import messages as msg
from handlers.breach.report import start_report
from handlers.context import Context
from handlers.flow import ActionHandler, Command, FlowForm
from handlers.replies import Reply, Say


def command(ctx: Context, text: str) -> Reply:
    word, _, rest = text.strip().partition(" ")
    word = word.lower()
    if word in ("", "report", "new"):
        return start_report(ctx)
    if word in ("list", "mine"):
        return log.own_reports(ctx)
    if word == "open":
        return log.open_incidents(ctx)
    if word == "details" and rest:
        return details.show_details(ctx, incidents.find_by_number(ctx, rest))
    if word == "triage" and rest:
        return triage.triage_for(ctx, incidents.find_by_number(ctx, rest))
    return Say(msg.USAGE)


COMMANDS = (
    Command(
        "breach",
        "Report a lost or stolen device or a suspected data breach",
        "[list|open|details N|triage N]",
        command,
    ),
)
ACTIONS: dict[str, ActionHandler] = {
    "breach.start": lambda ctx, value: start_report(ctx),
    "breach.acknowledge": acknowledge.acknowledge,
    "breach.triage": triage.open_triage,
    "breach.details": details.details,
}
FORMS: dict[str, FlowForm] = {**report.FORMS, **triage.FORMS}
