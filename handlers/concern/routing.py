"""Who hears about a concern, how soon, who may handle it and when it is escalated.

The one place for shared/DOMAIN.md §5 as it applies to online-safety concerns:

- a pupil: the DSL and deputies at once, at any hour; unacknowledged, the deputies and the
  Headteacher after the school's time in school hours (30 minutes by default), or at the start
  of the next school day;
- a filtering or monitoring failure: the Online Safety lead and the IT lead (the DSL too when
  illegal material is suspected), at once in school hours or when illegal material is suspected,
  otherwise on the next school morning;
- suspected misuse by an adult: the Headteacher and the DPO at once (the DSL too when a child
  could be affected); the chair of governors instead of the Headteacher when it concerns the
  Headteacher, who is then neither told nor allowed to open it; a LADO consultation within one
  working day when the harm threshold may be met;
- misuse of school devices or accounts by a pupil: the Online Safety lead on the next school day.

Every kind but a pupil concern is escalated on the next school day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from handlers.school_calendar import SchoolCalendar, is_bank_holiday
from handlers.settings import SchoolSettings

KINDS = ("pupil", "filtering", "adult", "device")
FLAGS = ("illegal_material", "about_headteacher", "child_affected", "harm_threshold")


@dataclass(frozen=True)
class Route:
    """Who a concern reaches and what follows, decided from its kind and flags."""

    roles: tuple[str, ...]  # told when it is reported
    at_once: bool  # urgent, whatever the hour; otherwise held to the next school morning
    escalate_to: tuple[str, ...]  # told when nobody acknowledges in time
    excluded: tuple[str, ...] = ()  # holders of these roles are never told and may not open it
    lado: bool = False  # the Headteacher (or chair) consults the LADO within one working day

    @property
    def handlers(self) -> tuple[str, ...]:
        """The roles that may acknowledge and open it: everyone it reaches."""
        return tuple(dict.fromkeys((*self.roles, *self.escalate_to)))

    @property
    def head(self) -> str:
        """Who stands for the Headteacher here: the chair of governors when it concerns them."""
        return "chair_of_governors" if "headteacher" in self.excluded else "headteacher"


def route(kind: str, flags: Iterable[str], *, in_hours: bool) -> Route:
    """The route for a concern of this kind with these flags, reported in or out of hours."""
    marked = set(flags)
    if kind == "pupil":
        return Route(("dsl", "deputy_dsl"), True, ("deputy_dsl", "headteacher"))
    if kind == "filtering":
        illegal = "illegal_material" in marked
        roles = ("online_safety_lead", "it_lead") + (("dsl",) if illegal else ())
        return Route(roles, in_hours or illegal, ("headteacher",))
    if kind == "adult":
        about_head = "about_headteacher" in marked
        head = "chair_of_governors" if about_head else "headteacher"
        roles = (head, "dpo") + (("dsl",) if "child_affected" in marked else ())
        return Route(
            roles,
            True,
            (head,),
            excluded=("headteacher",) if about_head else (),
            lado="harm_threshold" in marked,
        )
    if kind == "device":
        return Route(("online_safety_lead",), False, ("headteacher",))
    raise ValueError(f"unknown concern kind {kind!r}")


def in_school_hours(settings: SchoolSettings, moment: datetime) -> bool:
    """A school day, between the school's hours: when the DSL is likely to see a message."""
    calendar = SchoolCalendar(settings)
    local = calendar.local(moment)
    return (
        calendar.is_school_day(local.date())
        and settings.school_hours_start <= local.time() < settings.school_hours_end
    )


def next_school_start(settings: SchoolSettings, moment: datetime) -> datetime:
    """The start of school hours on the first school day after ``moment``'s day."""
    calendar = SchoolCalendar(settings)
    day = calendar.next_school_day(calendar.today(moment))
    return calendar.at(day, settings.school_hours_start)


def seen_from(settings: SchoolSettings, reported_at: datetime) -> datetime:
    """When the leads can first be expected to see a concern: now in school hours, else the
    start of the next school hours (the same day, before they begin)."""
    calendar = SchoolCalendar(settings)
    return calendar.in_hours(reported_at, settings.school_hours_start, settings.school_hours_end)


def delivered_from(settings: SchoolSettings, route_: Route, reported_at: datetime) -> datetime:
    """When the first messages go: at once, or on the next school day's morning."""
    if route_.at_once:
        return reported_at
    calendar = SchoolCalendar(settings)
    day = calendar.next_school_day(calendar.today(reported_at))
    return calendar.at(day, settings.morning_hour)


def escalation_due(
    settings: SchoolSettings, kind: str, route_: Route, reported_at: datetime
) -> datetime:
    """When an unacknowledged concern is escalated.

    A pupil concern: the school's minutes after it was reported in school hours, else at the
    start of the next school hours. Any other kind: at the start of the school day after the
    one its leads first get it.
    """
    if kind == "pupil":
        if in_school_hours(settings, reported_at):
            return reported_at + timedelta(minutes=settings.concern_ack_minutes)
        return seen_from(settings, reported_at)
    first = max(seen_from(settings, reported_at), delivered_from(settings, route_, reported_at))
    return next_school_start(settings, first)


def next_working_day(day: date) -> date:
    """The first weekday after ``day`` that is not a bank holiday: the LADO works in school
    holidays too."""
    day += timedelta(days=1)
    while day.weekday() >= 5 or is_bank_holiday(day):
        day += timedelta(days=1)
    return day


def lado_due(settings: SchoolSettings, reported_at: datetime) -> datetime:
    """The end of the next working day: by then the LADO should have been consulted."""
    calendar = SchoolCalendar(settings)
    day = next_working_day(calendar.today(reported_at))
    return calendar.at(day, settings.school_hours_end)


def lado_reminder_at(settings: SchoolSettings, reported_at: datetime) -> datetime:
    """The morning the Headteacher (or chair) is reminded, if the LADO is not yet consulted."""
    calendar = SchoolCalendar(settings)
    day = next_working_day(calendar.today(reported_at))
    return calendar.at(day, settings.school_hours_start)
