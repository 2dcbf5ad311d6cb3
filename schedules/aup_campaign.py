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
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from sqlalchemy import select

from handlers.access import people_with_roles_by_school
from handlers.aup import campaign
from handlers.aup import messages as msg
from handlers.aup.roster import (
    GROUP_LABELS,
    OVERDUE,
    TO_SIGN,
    RosterPerson,
    SignatureRow,
    Standing,
    newest_open_rounds,
    roster_people,
    rosters,
    round_first_day,
    round_started,
    rounds_by_school,
    version_for_group,
    versions_in_force_by_school,
)
from handlers.context import Context, KeyedNotice, notify_all
from handlers.replies import Button, Notice
from handlers.school_calendar import SchoolCalendar
from schedules.all_schools import AllSchools
from storage import outbox
from storage.models import (
    AupAcknowledgement,
    AupCampaign,
    AupExemption,
    AupVersion,
    LedgerEntry,
    PlatformIdentity,
)
from storage.models.school import ROLE_GROUPS
from storage.outbox import LedgerKey

# The ledger kinds of a person's reminder and of a round's digest for the leads.
REMINDER, DIGEST = "aup_reminder", "aup_overdue_digest"


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
    standings = rosters(
        reminding, versions, rounds, people_to_read(reminding, calendars, versions, rounds)
    )
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
        notices += [n._replace(recipients=leads.get(n.ctx.school.id, [])) for n in overdue_digests]
    return sum(len(n.recipients) for n in notify_all(notices))


def reminder_key(person_id: int, round_: AupCampaign, day: date) -> LedgerKey:
    """The ledger key of a person's reminder in a round on a day."""
    return LedgerKey(f"person:{person_id}", REMINDER, f"round:{round_.id}:{day.isoformat()}")


def digest_key(cycle: str, day: date) -> LedgerKey:
    """The ledger key of a round's overdue digest on a day."""
    return LedgerKey(f"aup_round:{cycle}", DIGEST, day.isoformat())


def people_to_read(
    schools: Sequence[Context],
    calendars: Mapping[int, SchoolCalendar],
    versions: Mapping[int, Sequence[AupVersion]],
    rounds: Mapping[int, Sequence[AupCampaign]],
) -> dict[int, list[RosterPerson]] | None:
    """Whose standing the sweep must read, by school, by name (None: everyone's). Left out are
    people who signed in their round or are exempt today, and people who joined before their
    round started whose reminder for the day everyone in their round is reminded is in the
    ledger: they would be sent nothing, and a second sweep in the same window reads almost
    nobody. Schools with an overdue digest still to send are read whole (it counts everyone
    overdue). A few light queries: the active people, the signatures and exemptions, the
    ledger's keys; the people read are handed to ``rosters``, which does not read them again."""
    expected: dict[tuple[int, str], tuple[AupCampaign, str]] = {}
    digest_days: dict[int, list[LedgerKey]] = {}
    for ctx in schools:
        calendar = calendars[ctx.school.id]
        today = calendar.today(ctx.now)
        open_now = newest_open_rounds(rounds[ctx.school.id], today)
        days = [(r, campaign.digest_day(calendar, r.due_on, today)) for r in open_now.values()]
        digest_days[ctx.school.id] = [digest_key(r.cycle, d) for r, d in days if d is not None]
        for group in ROLE_GROUPS:
            version = version_for_group(versions[ctx.school.id], group)
            round_ = open_now.get(version.id) if version is not None else None
            if round_ is None:
                continue
            first = round_first_day(calendar, round_)
            due = campaign.reminder_due(calendar, first, round_.due_on, today)
            if due is not None:
                expected[ctx.school.id, group] = (round_, reminder_key(0, round_, due[0]).window)
    whole = _digest_still_due(schools, digest_days)
    if not expected or len(whole) == len(schools):
        return None
    session = schools[0].session
    ids = [ctx.school.id for ctx in schools]
    written = {
        (subject, window)
        for subject, window in session.execute(
            select(LedgerEntry.subject, LedgerEntry.window).where(
                LedgerEntry.school_id.in_(ids),
                LedgerEntry.kind == REMINDER,
                LedgerEntry.window.in_({window for _, window in expected.values()}),
            )
        )
    }
    signed = {
        (person_id, version_id, cycle)
        for person_id, version_id, cycle in session.execute(
            select(
                AupAcknowledgement.person_id,
                AupAcknowledgement.aup_version_id,
                AupAcknowledgement.cycle,
            ).where(
                AupAcknowledgement.school_id.in_(ids),
                AupAcknowledgement.cycle.in_({r.cycle for r, _ in expected.values()} | {""}),
            )
        )
    }
    dates = {ctx.school.id: calendars[ctx.school.id].today(ctx.now) for ctx in schools}
    exempt = {
        person_id
        for person_id, school_id, starts_on, ends_on in session.execute(
            select(
                AupExemption.person_id,
                AupExemption.school_id,
                AupExemption.starts_on,
                AupExemption.ends_on,
            ).where(AupExemption.school_id.in_(ids), AupExemption.ended_at.is_(None))
        )
        if starts_on <= dates[school_id] <= ends_on
    }
    to_read: dict[int, list[RosterPerson]] = defaultdict(list)
    for person in roster_people(session, ids):
        person_id, school_id, joined_on = person.id, person.school_id, person.joined_on
        if school_id in whole:
            to_read[school_id].append(person)
            continue
        known = expected.get((school_id, person.role_group))
        if known is None:  # no round open for their group, or nobody in it is asked yet
            continue
        round_, window = known
        if person_id in exempt or (person_id, round_.aup_version_id, round_.cycle) in signed:
            continue
        if round_.kind == campaign.NEW_VERSION and (person_id, round_.aup_version_id, "") in signed:
            continue  # signed the version before its round was written (roster.standings)
        new_starter = joined_on is not None and joined_on > round_started(
            calendars[school_id], round_
        )
        if new_starter or (f"person:{person_id}", window) not in written:
            to_read[school_id].append(person)
    return to_read


def _digest_still_due(
    schools: Sequence[Context], digest_days: Mapping[int, list[LedgerKey]]
) -> set[int]:
    """The schools with an overdue digest due and not yet in the ledger."""
    if not any(digest_days.values()):
        return set()
    written = {
        (school_id, LedgerKey(subject, DIGEST, window))
        for school_id, subject, window in schools[0].session.execute(
            select(LedgerEntry.school_id, LedgerEntry.subject, LedgerEntry.window).where(
                LedgerEntry.school_id.in_(digest_days), LedgerEntry.kind == DIGEST
            )
        )
    }
    return {
        school_id
        for school_id, keys in digest_days.items()
        if any((school_id, key) not in written for key in keys)
    }


def identities_in_chat(schools: Sequence[Context]) -> Callable[[int], bool]:
    """Whether a person (by id) has an identity on their school's platform, from one query for
    all these schools, made the first time it is asked."""
    platforms = {ctx.school.id: ctx.school.platform for ctx in schools}
    known: set[int] = set()
    read = False

    def in_chat(person_id: int) -> bool:
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
        return person_id in known

    return in_chat


def reminders(
    ctx: Context,
    calendar: SchoolCalendar,
    waiting: list[Standing[RosterPerson, SignatureRow]],
    today: date,
    in_chat: Callable[[int], bool],
) -> list[KeyedNotice]:
    """Each person's newest reminder, to be queued once, if they can be reached in chat."""
    found = []
    # Most people share a round's dates: work each (first asked, due) pair out once, and each
    # round's first day, label and ledger window once.
    due_by_dates: dict[tuple[date, date], tuple[date, str] | None] = {}
    told: dict[int, bool] = {}
    notices: dict[tuple[str, str, date, bool], Notice] = {}
    # id(round): its id, when it started, its first day and its label
    rounds: dict[int, tuple[int, date, date, str]] = {}
    windows: dict[tuple[int, date], str] = {}
    for one in waiting:
        round_, person, due_on, version = one.campaign, one.person, one.due_on, one.version
        assert round_ is not None and due_on is not None and version is not None
        if not campaign.reachable_in_chat(person, in_chat):
            continue
        known = rounds.get(id(round_))
        if known is None:
            label = msg.round_label(round_.cycle, round_.kind, version.version)
            known = rounds[id(round_)] = (
                round_.id,
                round_started(calendar, round_),
                round_first_day(calendar, round_),
                label,
            )
        round_id, started, first_day, label = known
        # A new starter (joined the roster after the round started) is first asked on their
        # first school day on it (roster.first_asked_on, joined_during).
        new_starter = person.joined_on is not None and person.joined_on > started
        first = calendar.school_day_on_or_after(person.joined_on) if new_starter else first_day
        due = due_by_dates.get((first, due_on), False)
        if due is False:
            due = due_by_dates[first, due_on] = campaign.reminder_due(
                calendar, first, due_on, today
            )
        if due is None:
            continue
        day, kind = due
        if kind == campaign.ASKED and not new_starter:
            if round_id not in told:
                told[round_id] = told_at_publishing(ctx, round_)
            if told[round_id]:
                continue  # publishing it already asked them (handlers/aup/versions.tell_people)
        wording = (kind, label, due_on, new_starter)
        notice = notices.get(wording)
        if notice is None:  # most people are sent the same words: make them once
            text = msg.reminder(
                kind,
                label,
                due_on,
                calendar.next_school_day(today) == due_on,
                new_starter=new_starter,
            )
            notice = notices[wording] = Notice(
                text, (Button(msg.READ_AND_AGREE, "aup.start", style="primary"),)
            )
        window = windows.get((round_id, day))
        if window is None:
            window = windows[round_id, day] = reminder_key(0, round_, day).window
        key = LedgerKey(f"person:{person.id}", REMINDER, window)
        found.append(KeyedNotice(ctx, [person], notice, key))
    return found


def told_at_publishing(ctx: Context, round_: AupCampaign) -> bool:
    """A new version's round whose people were asked when it was published."""
    return round_.kind == campaign.NEW_VERSION and outbox.already_sent(
        ctx.session, ctx.school.id, LedgerKey(f"aup:{round_.aup_version_id}", "aup.new_version")
    )


def digests(
    ctx: Context,
    calendar: SchoolCalendar,
    waiting: list[Standing[RosterPerson, SignatureRow]],
    today: date,
) -> list[KeyedNotice]:
    """For each round two school weeks or more past due, the numbers overdue by group, weekly
    (without recipients: the sweep adds the school's leads)."""
    by_cycle: dict[str, list[Standing[RosterPerson, SignatureRow]]] = defaultdict(list)
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
        key = digest_key(cycle, day)
        found.append(KeyedNotice(ctx, [], notice, key))
    return found
