"""The AUP campaign: opens the rounds, reminds each person still to sign, and sends the leads a
digest of who is overdue.

Rounds open at any hour (a row per version, handlers/aup/campaign.py says when). Messages go
only on school days, in the first reminder window the sweep runs in. A person still to sign
(handlers/aup/roster.py: not signed, not exempt, active) is asked when their round opens (a new
starter on their first school day on the roster), reminded at +7 and +14 school days and on the
school day before the due date, then weekly while overdue. Two school weeks after a round is
due, and weekly after that, the Online Safety lead and the Headteacher get the numbers overdue
by group. Each message is written under a ledger key for (person or round, kind, day), so a
sweep run twice, or by two workers, sends nothing twice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from handlers.access import people_with_roles
from handlers.aup import campaign
from handlers.aup import messages as msg
from handlers.aup.roster import (
    GROUP_LABELS,
    OVERDUE,
    TO_SIGN,
    Standing,
    first_asked_on,
    joined_during,
    roster,
)
from handlers.context import Context
from handlers.replies import Button, Notice
from handlers.school_calendar import SchoolCalendar
from storage import outbox
from storage.models import AupCampaign
from storage.outbox import LedgerKey


def sweep(ctx: Context) -> int:
    """Open what has opened; in a reminder window on a school day, remind and digest."""
    campaign.open_rounds(ctx)
    calendar = SchoolCalendar(ctx.settings)
    if not calendar.reminder_window_open(ctx.now):
        return 0
    today = calendar.today(ctx.now)
    waiting = [
        one
        for one in roster(ctx)
        if one.campaign is not None and one.due_on is not None and one.status in (TO_SIGN, OVERDUE)
    ]
    return reminders(ctx, calendar, waiting, today) + digests(ctx, calendar, waiting, today)


def reminders(ctx: Context, calendar: SchoolCalendar, waiting: list[Standing], today: date) -> int:
    """Each person's newest reminder, once, if they can be reached in chat."""
    queued = 0
    for one in waiting:
        assert one.campaign is not None and one.due_on is not None and one.version is not None
        if not campaign.reachable_in_chat(one.person, ctx.school.platform):
            continue
        first = first_asked_on(calendar, one.campaign, one.person)
        due = campaign.reminder_due(calendar, first, one.due_on, today)
        if due is None:
            continue
        day, kind = due
        new_starter = joined_during(calendar, one.campaign, one.person)
        if kind == campaign.ASKED and told_at_publishing(ctx, one.campaign) and not new_starter:
            continue  # publishing it already asked them (handlers/aup/versions.tell_people)
        label = msg.round_label(one.campaign.cycle, one.campaign.kind, one.version.version)
        text = msg.reminder(
            kind,
            label,
            one.due_on,
            calendar.next_school_day(today) == one.due_on,
            new_starter=new_starter,
        )
        notice = Notice(text, (Button(msg.READ_AND_AGREE, "aup.start", style="primary"),))
        key = LedgerKey(
            f"person:{one.person.id}", "aup_reminder", f"round:{one.campaign.id}:{day.isoformat()}"
        )
        if ctx.notify([one.person], notice, key=key):
            queued += 1
    return queued


def told_at_publishing(ctx: Context, round_: AupCampaign) -> bool:
    """A new version's round whose people were asked when it was published."""
    return round_.kind == campaign.NEW_VERSION and outbox.already_sent(
        ctx.session, ctx.school.id, LedgerKey(f"aup:{round_.aup_version_id}", "aup.new_version")
    )


def digests(ctx: Context, calendar: SchoolCalendar, waiting: list[Standing], today: date) -> int:
    """For each round two school weeks or more past due, the numbers overdue by group, weekly."""
    by_cycle: dict[str, list[Standing]] = defaultdict(list)
    rounds: dict[str, AupCampaign] = {}
    for one in waiting:
        assert one.campaign is not None and one.due_on is not None
        rounds.setdefault(one.campaign.cycle, one.campaign)
        if one.status == OVERDUE and campaign.overdue_long_enough(calendar, one.due_on, today):
            by_cycle[one.campaign.cycle].append(one)
    leads = people_with_roles(ctx, campaign.DIGEST_ROLES)
    queued = 0
    for cycle, overdue in by_cycle.items():
        first = rounds[cycle]
        day = campaign.digest_day(calendar, first.due_on, today)
        if day is None or not leads:
            continue
        groups = Counter(one.person.role_group for one in overdue)
        counts = [(label, groups[g]) for g, label in GROUP_LABELS.items() if groups[g]]
        version = overdue[0].version
        assert version is not None
        label = msg.round_label(cycle, first.kind, version.version)
        notice = Notice(msg.overdue_digest(label, counts), (Button(msg.SEE_WHO, "aup.status"),))
        key = LedgerKey(f"aup_round:{cycle}", "aup_overdue_digest", day.isoformat())
        if ctx.notify(leads, notice, key=key):
            queued += len(leads)
    return queued
