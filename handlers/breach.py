"""Lost devices and suspected breaches: the `/breach` command, its buttons and forms.

The flow lives in four modules: breach_report (the staff's two-step report, T0 and the alerts),
breach_triage (acknowledge, details and the DPO's decisions), breach_log (own reports, the
register and the governors' counts) and breach_messages (every word staff read). The ICO clock
and escalation are the sweep in schedules/breach_clock.py.

`/breach` reports; `/breach list` shows your own reports; for the DPO, Headteacher and DSL,
`/breach open` lists open reports and `/breach details N` / `/breach triage N` open Breach #N.
"""

from __future__ import annotations

from handlers import breach_incidents as incidents
from handlers import breach_log, breach_report, breach_triage
from handlers.breach_log import breach_register, governors_summary
from handlers.breach_report import start_report
from handlers.context import Context
from handlers.flow import ActionHandler, Command, FlowForm
from handlers.replies import Reply, Say

__all__ = ["breach_register", "governors_summary", "start_report"]

USAGE = (
    "Use `/breach` to report a lost device or a suspected data breach, or `/breach list` to "
    "see your reports. The DPO, Headteacher and DSL can also use `/breach open`, "
    "`/breach details N` and `/breach triage N`."
)


def command(ctx: Context, text: str) -> Reply:
    word, _, rest = text.strip().partition(" ")
    word = word.lower()
    if word in ("", "report", "new"):
        return start_report(ctx)
    if word in ("list", "mine"):
        return breach_log.own_reports(ctx)
    if word == "open":
        return breach_log.open_incidents(ctx)
    if word == "details" and rest:
        return breach_triage.show_details(ctx, incidents.find_by_number(ctx, rest))
    if word == "triage" and rest:
        return breach_triage.triage_for(ctx, incidents.find_by_number(ctx, rest))
    return Say(USAGE)


COMMANDS = (
    Command("breach", "Report a lost or stolen device or a suspected data breach", "", command),
)
ACTIONS: dict[str, ActionHandler] = {
    "breach.start": lambda ctx, value: start_report(ctx),
    "breach.acknowledge": breach_triage.acknowledge,
    "breach.triage": breach_triage.open_triage,
    "breach.details": breach_triage.details,
}
FORMS: dict[str, FlowForm] = {**breach_report.FORMS, **breach_triage.FORMS}
