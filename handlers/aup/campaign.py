"""The AUP rounds and their timing: when the yearly round opens and is due, a new version's own
round, when each person still to sign is reminded, and when the leads get a digest.

The campaign sweep (schedules/aup_campaign.py) and `/safekeep settings` both read these rules,
so what the settings say is what the sweep does. Every day here is a school day
(handlers/school_calendar.py): reminders never fall in holidays, at weekends or on bank holidays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from sqlalchemy import select

from handlers.aup import messages as msg
from handlers.aup.roster import versions_in_force
from handlers.context import Context
from handlers.school_calendar import SchoolCalendar
from handlers.settings import SchoolSettings, Term, academic_year
from storage.models import AupCampaign, AupVersion

YEARLY, NEW_VERSION = "yearly", "new_version"
# A person still to sign is asked on their first day in the round, reminded this many school
# days later, on the school day before the due date, and every OVERDUE_EVERY school days from
# the first school day after it (shared/DOMAIN.md §6: +7, +14, the day before, weekly).
REMINDER_AFTER_SCHOOL_DAYS = (7, 14)
OVERDUE_EVERY_SCHOOL_DAYS = 5
# The Online Safety lead and the Headteacher hear of people two school weeks overdue, weekly.
DIGEST_AFTER_SCHOOL_DAYS = 10
DIGEST_EVERY_SCHOOL_DAYS = 5
DIGEST_ROLES = ("online_safety_lead", "headteacher")
# The months in which each campaign term starts (its academic year runs from August).
TERM_MONTHS = {"autumn": (8, 9, 10, 11, 12), "spring": (1, 2, 3), "summer": (4, 5, 6, 7)}
# The kinds of reminder, in the order a person meets them.
ASKED, REMINDER, DUE_NEXT, OVERDUE = "asked", "reminder", "due_next", "overdue"


@dataclass(frozen=True)
class YearlyDates:
    """When one academic year's round opens and is due, and where the dates came from."""

    cycle: str
    opens_on: date
    due_on: date
    term: Term | None  # the campaign term the dates were derived from; None when school-set


def year_label(year: int) -> str:
    """The academic year starting in ``year``, as schools write it: "2026/27"."""
    return f"{year}/{(year + 1) % 100:02d}"


def cycle_name(settings: SchoolSettings, year: int) -> str:
    """The yearly round's name, e.g. "2026/27 Spring"."""
    return f"{year_label(year)} {settings.aup_campaign_term.capitalize()}"


def campaign_term(settings: SchoolSettings, year: int) -> Term | None:
    """The configured term the yearly round runs in, in the academic year starting in ``year``."""
    months = TERM_MONTHS[settings.aup_campaign_term]
    terms = sorted(settings.terms, key=lambda t: t.start)
    return next(
        (t for t in terms if academic_year(t.start) == year and t.start.month in months), None
    )


def last_school_day_before(calendar: SchoolCalendar, day: date) -> date:
    """The last school day strictly before ``day``."""
    day -= timedelta(days=1)
    while not calendar.is_school_day(day):
        day -= timedelta(days=1)
    return day


def yearly_dates(calendar: SchoolCalendar, year: int) -> YearlyDates | None:
    """The yearly round of the academic year starting in ``year``: the school's own dates if
    school.toml sets them for that year, else the first school day of the campaign term and the
    last school day before its half-term (or its end); None without either."""
    settings = calendar.settings
    cycle = cycle_name(settings, year)
    opens, due = settings.aup_opens_on, settings.aup_due_on
    if opens is not None and due is not None and academic_year(opens) == year:
        return YearlyDates(cycle, opens, due, None)
    term = campaign_term(settings, year)
    if term is None:
        return None
    opens = calendar.school_day_on_or_after(term.start)
    due = last_school_day_before(calendar, term.half_term_start or term.end + timedelta(days=1))
    if due <= opens:  # a term too short to hold the round: give it a new version's time
        due = calendar.add_school_days(opens, settings.aup_new_version_school_days)
    return YearlyDates(cycle, opens, due, term)


def new_version_dates(calendar: SchoolCalendar, version: AupVersion) -> tuple[date, date]:
    """A version's own round: from the first school day it is in force (and published), due the
    school's number of school days later."""
    published = calendar.today(version.published_at)
    opens = calendar.school_day_on_or_after(max(version.effective_date, published))
    return opens, calendar.add_school_days(opens, calendar.settings.aup_new_version_school_days)


def current_versions(versions: Sequence[AupVersion]) -> list[AupVersion]:
    """Of the versions in force (newest first), those that are some group's current one."""
    found: list[AupVersion] = []
    for group in {g for v in versions for g in v.groups}:
        newest = next(v for v in versions if group in v.groups)
        if newest not in found:
            found.append(newest)
    return sorted(found, key=lambda v: v.id)


def supersedes(version: AupVersion, versions: Sequence[AupVersion]) -> bool:
    """True when ``version`` replaces an older version for at least one of its groups."""
    return any(
        (older.effective_date, older.id) < (version.effective_date, version.id)
        and set(older.groups) & set(version.groups)
        for older in versions
    )


def open_rounds(
    ctx: Context,
    versions: Sequence[AupVersion] | None = None,
    rounds: Sequence[AupCampaign] | None = None,
) -> list[AupCampaign]:
    """Write the rounds that have opened by today and are not written yet (idempotent); the
    sweep passes the school's versions in force (newest first) and rounds, read for many schools
    at once.

    The yearly round opens for each version in force on its opening day, from then until it
    is due (a school that starts using Safekeep after the due date begins with next year's).
    A version that replaces another later in the year opens its own round for the groups it
    applies to; a school's first version waits for the yearly round.
    """
    calendar = SchoolCalendar(ctx.settings)
    today = ctx.today
    if versions is None:
        versions = versions_in_force(ctx)
    if rounds is None:
        rounds = ctx.session.scalars(
            select(AupCampaign).where(AupCampaign.school_id == ctx.school.id)
        ).all()
    current = current_versions(versions)
    existing = {(c.aup_version_id, c.cycle) for c in rounds}
    rounded = {version_id for version_id, _ in existing}
    opened: list[AupCampaign] = []
    yearly = yearly_dates(calendar, academic_year(today))
    if yearly is not None and yearly.opens_on <= today <= yearly.due_on:
        for version in current:
            if version.effective_date > yearly.opens_on or (version.id, yearly.cycle) in existing:
                continue
            opened.append(_open(ctx, version, yearly.cycle, YEARLY, yearly.opens_on, yearly.due_on))
            rounded.add(version.id)
    for version in current:
        if version.id in rounded or not supersedes(version, versions):
            continue
        opens, due = new_version_dates(calendar, version)
        if due < today:  # found long after its time (say, from before rounds existed)
            continue
        cycle = f"{year_label(academic_year(opens))} version {version.version}"
        opened.append(_open(ctx, version, cycle, NEW_VERSION, opens, due))
    return opened


def _open(
    ctx: Context, version: AupVersion, cycle: str, kind: str, opens: date, due: date
) -> AupCampaign:
    row = AupCampaign(
        school_id=ctx.school.id,
        cycle=cycle,
        aup_version_id=version.id,
        opens_on=opens,
        due_on=due,
        created_at=ctx.now,
        kind=kind,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit(
        "aup.round_opened",
        f"aup:{version.id}",
        cycle=cycle,
        kind=kind,
        opens_on=opens.isoformat(),
        due_on=due.isoformat(),
    )
    return row


def reminder_due(
    calendar: SchoolCalendar, first_asked: date, due_on: date, today: date
) -> tuple[date, str] | None:
    """The newest reminder a person still to sign should have had by ``today`` (its day and
    kind), or None before they are first asked. A day the sweep missed is made up on the next
    school day, but only the newest reminder is ever sent."""
    if today < first_asked:
        return None
    points = [(first_asked, ASKED)]
    day_before = last_school_day_before(calendar, due_on)
    for after in REMINDER_AFTER_SCHOOL_DAYS:
        day = calendar.add_school_days(first_asked, after)
        if day < day_before:
            points.append((day, REMINDER))
    if day_before > first_asked:
        points.append((day_before, DUE_NEXT))
    overdue = calendar.next_school_day(due_on)
    while overdue <= today:
        if overdue > first_asked:
            points.append((overdue, OVERDUE))
        overdue = calendar.add_school_days(overdue, OVERDUE_EVERY_SCHOOL_DAYS)
    return max((p for p in points if p[0] <= today), key=lambda p: p[0])


def digest_day(calendar: SchoolCalendar, due_on: date, today: date) -> date | None:
    """The newest digest day of a round due on ``due_on`` by ``today``: two school weeks after
    the due date, then weekly (None before the first)."""
    day = calendar.add_school_days(due_on, DIGEST_AFTER_SCHOOL_DAYS)
    if day > today:
        return None
    while (following := calendar.add_school_days(day, DIGEST_EVERY_SCHOOL_DAYS)) <= today:
        day = following
    return day


def overdue_long_enough(calendar: SchoolCalendar, due_on: date, today: date) -> bool:
    """True when someone due on ``due_on`` is at least two school weeks overdue."""
    return calendar.school_days_between(due_on, today) >= DIGEST_AFTER_SCHOOL_DAYS


def reachable_in_chat(person: Reachable, in_chat: Callable[[int], bool]) -> bool:
    """Whether a DM can reach this person: everyone but those known only from the CSV list
    (governors and volunteers not in chat, whose signatures leads record on paper).
    ``in_chat`` says whether someone (by id) has an identity on the school's platform; it is
    asked only about people known only from the CSV list."""
    sources = person.sources
    if "csv" not in sources:  # most people: no set to make
        return True
    return set(sources) != {"csv"} or in_chat(person.id)


class Reachable(Protocol):
    """A Person, or the campaign sweep's RosterPerson: whom a DM may reach."""

    @property
    def id(self) -> int: ...

    @property
    def sources(self) -> Sequence[str]: ...


def settings_lines(ctx: Context) -> list[str]:
    """What `/safekeep settings` says about the AUP rounds: this year's dates and the rules."""
    s = ctx.settings
    calendar = SchoolCalendar(s)
    year = academic_year(ctx.today)
    lines = []
    for shown in (year, year + 1):
        dates = yearly_dates(calendar, shown)
        if dates is None:
            lines.append(msg.settings_no_round(cycle_name(s, shown), s.aup_campaign_term))
            if shown == year:
                continue
            break
        lines.append(msg.settings_round(dates.cycle, dates.opens_on, dates.due_on, dates.term))
        if dates.due_on >= ctx.today:
            break
    lines.append(
        msg.settings_rules(
            REMINDER_AFTER_SCHOOL_DAYS,
            DIGEST_AFTER_SCHOOL_DAYS,
            s.aup_new_version_school_days,
            s.aup_new_starter_school_days,
            s.morning_hour,
            s.afternoon_hour,
        )
    )
    return lines
