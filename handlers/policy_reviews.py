"""Policy reviews: when each policy Safekeep carries is next due, reminders, and recording one.

school.toml names each policy's owner (a role) and next review date. A recorded review
(`/safekeep policy reviewed NAME`) sets the next date a year on; the later of the two dates is
the one that counts, so editing school.toml can postpone a review but never undo a recorded one.
The owner is reminded from 30 school days before the date, then every 5 school days (a school
week) until a review is recorded, in the reminder window, once per (policy, date, week).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from handlers.access import ROLE_LABELS, people_with_roles, require
from handlers.context import Context
from handlers.errors import UserError
from handlers.replies import Notice, Reply, Say, listed
from handlers.school_calendar import SchoolCalendar
from handlers.settings import POLICIES, PolicySetting
from storage.models import PolicyReview
from storage.outbox import LedgerKey

REMIND_FROM_SCHOOL_DAYS = 30
REMIND_EVERY_SCHOOL_DAYS = 5

REMINDER = (
    "Policy review: the {title} is due for review on {due}{when}. When it has been reviewed, "
    "record it with `/safekeep policy reviewed {name}`."
)
IN_DAYS = " ({days} school days from today)"
OVERDUE = " (overdue)"
RECORDED = "Recorded: the {title} was reviewed today. The next review is due on {due}."
NONE_SET = "No policies are listed in school.toml yet ([[policies]] with name, owner, next_review)."
LIST_HEAD = "*Policy reviews*"
LIST_LINE = "• {title} (`{name}`): owner {owner}; next review {due}"
USAGE = "Use `/safekeep policy` to see the review dates, or `/safekeep policy reviewed NAME`."
UNKNOWN = "'{name}' is not one of the school's policies in Safekeep. Policies: {names}."


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def next_review(ctx: Context, policy: PolicySetting) -> date:
    """The date that counts: school.toml's, or a year after the latest recorded review."""
    recorded = ctx.session.scalar(
        select(PolicyReview.next_review)
        .where(PolicyReview.school_id == ctx.school.id, PolicyReview.policy == policy.name)
        .order_by(PolicyReview.next_review.desc())
        .limit(1)
    )
    return max(policy.next_review, recorded) if recorded else policy.next_review


def a_year_on(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def reminders_due(ctx: Context) -> int:
    """Remind each policy's owner when due (the sweep); returns notifications queued."""
    calendar = SchoolCalendar(ctx.settings)
    if not calendar.reminder_window_open(ctx.now):
        return 0
    today, queued = ctx.today, 0
    for policy in ctx.settings.policies:
        due = next_review(ctx, policy)
        left = calendar.school_days_between(today, due)
        if left > REMIND_FROM_SCHOOL_DAYS:
            continue
        past = calendar.school_days_between(due, today)
        week = (REMIND_FROM_SCHOOL_DAYS - left + past) // REMIND_EVERY_SCHOOL_DAYS
        owners = people_with_roles(ctx, (policy.owner,))
        when = OVERDUE if today > due else IN_DAYS.format(days=left) if left else ""
        notice = Notice(
            REMINDER.format(title=POLICIES[policy.name], due=_day(due), when=when, name=policy.name)
        )
        key = LedgerKey(f"policy:{policy.name}", "policy_review", f"{due.isoformat()}:{week}")
        if ctx.notify(owners, notice, key=key):
            queued += len(owners)
    return queued


def command(ctx: Context, words: list[str]) -> Reply:
    """`/safekeep policy` (the list) and `/safekeep policy reviewed NAME` (leads only)."""
    require(ctx, "policy.review", "policy")
    if not words or words[0] == "list":
        return _listing(ctx)
    if words[0] == "reviewed" and len(words) == 2:
        return record_review(ctx, words[1])
    return Say(USAGE)


def _listing(ctx: Context) -> Reply:
    if not ctx.settings.policies:
        return Say(NONE_SET)
    lines = [LIST_HEAD]
    for policy in ctx.settings.policies:
        lines.append(
            LIST_LINE.format(
                title=POLICIES[policy.name],
                name=policy.name,
                owner=ROLE_LABELS[policy.owner],
                due=_day(next_review(ctx, policy)),
            )
        )
    return Say("\n".join(lines), title="Policies")


def record_review(ctx: Context, name: str) -> Reply:
    """Record today's review of a policy: the next date is a year on; audited."""
    found = {p.name: p for p in ctx.settings.policies}
    policy = found.get(name.strip().lower())
    if policy is None:
        names = listed([f"`{n}`" for n in found], "or") or "none yet"
        raise UserError(UNKNOWN.format(name=name, names=names))
    due = a_year_on(ctx.today)
    ctx.session.add(
        PolicyReview(
            school_id=ctx.school.id,
            policy=policy.name,
            reviewed_on=ctx.today,
            next_review=due,
            reviewed_by_id=ctx.actor.id if ctx.actor else None,
            recorded_at=ctx.now,
        )
    )
    ctx.audit("policy.reviewed", f"policy:{policy.name}", next_review=due.isoformat())
    return Say(RECORDED.format(title=POLICIES[policy.name], due=_day(due)), done=True)
