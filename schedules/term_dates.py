"""A once-only warning to the school's admins that the configured term dates are running out.

After the last configured term ends, the calendar counts every weekday that is not a bank
holiday as a school day (better a reminder in the holidays than none), so chasers and deadlines
keep working but holidays are no longer respected. This sweep tells the admins, in a reminder
window, once the last term ends within 30 school days, so they can add next year's terms
before that happens. The ledger key names the last term's end, so adding a later term arms
the warning again for the new end.
"""

from __future__ import annotations

from handlers.access import people_with_roles
from handlers.context import Context
from handlers.replies import Notice
from handlers.school_calendar import SchoolCalendar
from storage.outbox import LedgerKey

ADMIN_ROLES = ("admin",)
WARN_WITHIN_SCHOOL_DAYS = 30


def running_out(end_label: str) -> str:
    return f"Safekeep has term dates only until {end_label}: add next year's terms to school.toml."


def sweep(ctx: Context) -> int:
    """Warn the admins once when the last configured term ends within 30 school days."""
    calendar = SchoolCalendar(ctx.settings)
    last = calendar.last_term_end
    if last is None or not calendar.reminder_window_open(ctx.now):
        return 0
    today = calendar.today(ctx.now)
    if calendar.school_days_between(today, last) > WARN_WITHIN_SCHOOL_DAYS:
        return 0
    admins = people_with_roles(ctx, ADMIN_ROLES)
    notice = Notice(running_out(f"{last:%a} {last.day} {last:%b %Y}"))
    key = LedgerKey(f"school:{ctx.school.id}", "term_dates_running_out", last.isoformat())
    return len(admins) if ctx.notify(admins, notice, key=key) else 0
