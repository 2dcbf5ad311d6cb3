"""The termly report to governors, sent on the first school day after each term ends.

In the reminder window of that day the report for the term just ended is queued as a DM, with
its PDF and CSV, to the Headteacher, the Online Safety lead and the Safeguarding Governor,
under a ledger key naming the term: sent once, however often the sweep runs. A school whose
worker was down that day gets it on a later school day of that week; a school that starts using
Safekeep mid-term is not sent a report for a term long gone.
"""

from __future__ import annotations

from handlers import governors_report
from handlers.access import people_with_roles
from handlers.context import Context
from handlers.governors_report import terms
from handlers.school_calendar import SchoolCalendar
from storage.outbox import LedgerKey, already_sent

# Sent on the first school day after the term, or (a worker down that day) within a school week.
CATCH_UP_SCHOOL_DAYS = 5


def sweep(ctx: Context) -> int:
    calendar = SchoolCalendar(ctx.settings)
    if not calendar.reminder_window_open(ctx.now):
        return 0
    term = terms.just_ended(ctx.settings, ctx.today)
    if term is None:
        return 0
    first = calendar.next_school_day(term.end)
    if ctx.today < first or calendar.school_days_between(first, ctx.today) >= CATCH_UP_SCHOOL_DAYS:
        return 0
    recipients = people_with_roles(ctx, governors_report.RECIPIENT_ROLES)
    key = LedgerKey(f"term:{term.name}", "governors_report", term.end.isoformat())
    if already_sent(ctx.session, ctx.school.id, key):
        return 0  # checked first: making the report's figures and PDF takes a moment
    report = governors_report.make(ctx, term)
    if not governors_report.send(ctx, report, recipients, key=key):
        return 0
    ctx.audit("report.sent", f"report:{term.name}", recipients=len(recipients))
    return len(recipients)
