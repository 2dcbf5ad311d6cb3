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
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

from sqlalchemy import select

from handlers.access import people_with_roles_by_school
from handlers.aup import campaign
from handlers.aup import messages as msg
from handlers.aup.roster import (
    GROUP_LABELS,
    OVERDUE,
    TO_SIGN,
    Standing,
    first_asked_on,
    joined_during,
    rosters,
    rounds_by_school,
    versions_in_force_by_school,
)
from handlers.context import Context, KeyedNotice, notify_all
from handlers.replies import Button, Notice
from handlers.school_calendar import SchoolCalendar
from schedules.all_schools import AllSchools
from storage import outbox
from storage.models import AupCampaign, Person, PlatformIdentity
from storage.outbox import LedgerKey


@AllSchools
def sweep(schools: Sequence[Context]) -> int:
    """Open what has opened; for the schools in a reminder window on a school day, remind and
    digest. A few statements for all schools together, however many people are waiting."""
    versions = versions_in_force_by_school(schools)
    rounds = rounds_by_school(schools)
    for ctx in schools:
        rounds[ctx.school.id] += campaign.open_rounds(
            ctx, versions[ctx.school.id], rounds[ctx.school.id]
        )
    calendars = {ctx.school.id: SchoolCalendar(ctx.settings) for ctx in schools}
    reminding = [ctx for ctx in schools if calendars[ctx.school.id].reminder_window_open(ctx.now)]
    standings = rosters(reminding, versions, rounds)
    notices: list[KeyedNotice] = []
    overdue_digests: list[KeyedNotice] = []
    in_chat = identities_in_chat(reminding)
    for ctx in reminding:
        calendar = calendars[ctx.school.id]
        today = calendar.today(ctx.now)
        waiting = [
            one
            for one in standings[ctx.school.id]
            if one.campaign is not None
            and one.due_on is not None
            and one.status in (TO_SIGN, OVERDUE)
        ]
        notices += reminders(ctx, calendar, waiting, today, in_chat)
        overdue_digests += digests(ctx, calendar, waiting, today)
    if overdue_digests:
        leads = people_with_roles_by_school([n.ctx for n in overdue_digests], campaign.DIGEST_ROLES)
        notices += [replace(n, recipients=leads.get(n.ctx.school.id, [])) for n in overdue_digests]
    return sum(len(n.recipients) for n in notify_all(notices))


def identities_in_chat(schools: Sequence[Context]) -> Callable[[Person], bool]:
    """Whether a person has an identity on their school's platform, from one query for all
    these schools, made the first time it is asked."""
    platforms = {ctx.school.id: ctx.school.platform for ctx in schools}
    known: set[int] = set()
    read = False

    def in_chat(person: Person) -> bool:
        nonlocal read
        if not read:
            rows = schools[0].session.execute(
                select(
                    PlatformIdentity.school_id,
                    PlatformIdentity.person_id,
                    PlatformIdentity.platform,
                ).where(PlatformIdentity.school_id.in_(platforms))
            )
            known.update(pid for sid, pid, platform in rows if platforms[sid] == platform)
            read = True
        return person.id in known

    return in_chat


def reminders(
    ctx: Context,
    calendar: SchoolCalendar,
    waiting: list[Standing],
    today: date,
    in_chat: Callable[[Person], bool],
) -> list[KeyedNotice]:
    """Each person's newest reminder, to be queued once, if they can be reached in chat."""
    found = []
    # Most people share a round's dates: work each (first asked, due) pair out once.
    due_by_dates: dict[tuple[date, date], tuple[date, str] | None] = {}
    told: dict[int, bool] = {}
    notices: dict[tuple[str, str, date, bool], Notice] = {}
    for one in waiting:
        assert one.campaign is not None and one.due_on is not None and one.version is not None
        if not campaign.reachable_in_chat(one.person, in_chat):
            continue
        first = first_asked_on(calendar, one.campaign, one.person)
        if (first, one.due_on) not in due_by_dates:
            due_by_dates[first, one.due_on] = campaign.reminder_due(
                calendar, first, one.due_on, today
            )
        due = due_by_dates[first, one.due_on]
        if due is None:
            continue
        day, kind = due
        new_starter = joined_during(calendar, one.campaign, one.person)
        if kind == campaign.ASKED and not new_starter:
            if one.campaign.id not in told:
                told[one.campaign.id] = told_at_publishing(ctx, one.campaign)
            if told[one.campaign.id]:
                continue  # publishing it already asked them (handlers/aup/versions.tell_people)
        label = msg.round_label(one.campaign.cycle, one.campaign.kind, one.version.version)
        wording = (kind, label, one.due_on, new_starter)
        if wording not in notices:  # most people are sent the same words: make them once
            text = msg.reminder(
                kind,
                label,
                one.due_on,
                calendar.next_school_day(today) == one.due_on,
                new_starter=new_starter,
            )
            notices[wording] = Notice(
                text, (Button(msg.READ_AND_AGREE, "aup.start", style="primary"),)
            )
        key = LedgerKey(
            f"person:{one.person.id}", "aup_reminder", f"round:{one.campaign.id}:{day.isoformat()}"
        )
        found.append(KeyedNotice(ctx, [one.person], notices[wording], key))
    return found


def told_at_publishing(ctx: Context, round_: AupCampaign) -> bool:
    """A new version's round whose people were asked when it was published."""
    return round_.kind == campaign.NEW_VERSION and outbox.already_sent(
        ctx.session, ctx.school.id, LedgerKey(f"aup:{round_.aup_version_id}", "aup.new_version")
    )


def digests(
    ctx: Context, calendar: SchoolCalendar, waiting: list[Standing], today: date
) -> list[KeyedNotice]:
    """For each round two school weeks or more past due, the numbers overdue by group, weekly
    (without recipients: the sweep adds the school's leads)."""
    by_cycle: dict[str, list[Standing]] = defaultdict(list)
    rounds: dict[str, AupCampaign] = {}
    for one in waiting:
        assert one.campaign is not None and one.due_on is not None
        rounds.setdefault(one.campaign.cycle, one.campaign)
        if one.status == OVERDUE and campaign.overdue_long_enough(calendar, one.due_on, today):
            by_cycle[one.campaign.cycle].append(one)
    found = []
    for cycle, overdue in by_cycle.items():
        first = rounds[cycle]
        day = campaign.digest_day(calendar, first.due_on, today)
        if day is None:
            continue
        groups = Counter(one.person.role_group for one in overdue)
        counts = [(label, groups[g]) for g, label in GROUP_LABELS.items() if groups[g]]
        version = overdue[0].version
        assert version is not None
        label = msg.round_label(cycle, first.kind, version.version)
        notice = Notice(msg.overdue_digest(label, counts), (Button(msg.SEE_WHO, "aup.status"),))
        key = LedgerKey(f"aup_round:{cycle}", "aup_overdue_digest", day.isoformat())
        found.append(KeyedNotice(ctx, [], notice, key))
    return found
