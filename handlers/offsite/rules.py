"""The off-site records policy as plain rules: tiers, permission, refusals and return dates.

Every threshold comes from the school's settings (shared/DOMAIN.md §4(i) gives the defaults),
so these functions take the settings and calendar rather than knowing any number themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from handlers.school_calendar import SchoolCalendar
from handlers.settings import SchoolSettings

FORMATS: dict[str, str] = {
    "paper": "Paper",
    "school_laptop": "Encrypted school laptop",
    "usb": "Encrypted USB stick",
    "remote": "Remote access to school systems",
    "personal": "Personal device",
}
# Formats that hold the records on a device someone could lose.
DEVICE_FORMATS = frozenset({"school_laptop", "usb", "personal"})
# School devices are on the asset register, so their tag identifies them in a breach report.
ASSET_TAG_FORMATS = frozenset({"school_laptop", "usb"})

ENCRYPTION: dict[str, str] = {
    "yes": "Yes, encrypted",
    "no": "No",
    "dont_know": "Don't know",
    "n/a": "Not a device (paper or remote access)",
}
# What a device's carrier is asked (paper and remote access are not asked, and stored as n/a).
DEVICE_ENCRYPTION = {k: v for k, v in ENCRYPTION.items() if k != "n/a"}


@dataclass(frozen=True)
class Permission:
    """What a declaration needs before the records may go: nothing, a role, or an approver."""

    basis: str  # "none", "role" or "case_by_case"
    sensitive: tuple[str, ...]  # the categories at or above the permission tier


@dataclass(frozen=True)
class Refusal:
    """A combination the policy does not allow; ``code`` is audited, never free text."""

    code: str  # "personal_device", "unencrypted" or "encryption_unknown"


def tier_of(settings: SchoolSettings, categories: Iterable[str]) -> int:
    """A declaration's tier is its most sensitive category's tier."""
    return max((settings.tier_of(c) for c in categories), default=1)


def sensitive_categories(settings: SchoolSettings, categories: Iterable[str]) -> tuple[str, ...]:
    return tuple(c for c in categories if settings.tier_of(c) >= settings.permission_tier)


def covered_by_roles(settings: SchoolSettings, roles: Iterable[str]) -> set[str]:
    """Categories a person may take without asking, from the standing permissions of roles."""
    covered: set[str] = set()
    for role in roles:
        covered.update(settings.standing_permissions.get(role, ()))
    return covered


def permission_needed(
    settings: SchoolSettings, categories: Iterable[str], roles: Iterable[str]
) -> Permission:
    sensitive = sensitive_categories(settings, categories)
    if not sensitive:
        return Permission("none", ())
    if set(sensitive) <= covered_by_roles(settings, roles):
        return Permission("role", sensitive)
    return Permission("case_by_case", sensitive)


def refusal(
    settings: SchoolSettings, tier: int, format: str, encryption: str | None
) -> Refusal | None:
    """The policy's dangerous combinations: sensitive records on a personal or unencrypted
    device. Paper and remote access hold nothing on a device, so encryption does not apply."""
    if format == "personal" and tier > settings.personal_device_max_tier:
        return Refusal("personal_device")
    if format in DEVICE_FORMATS and tier > settings.unencrypted_max_tier:
        if encryption == "no":
            return Refusal("unencrypted")
        if encryption == "dont_know":
            return Refusal("encryption_unknown")
    return None


def normalised_encryption(format: str, answer: str | None) -> str:
    """Paper and remote access are stored as "n/a" whatever was ticked."""
    return answer if format in DEVICE_FORMATS and answer else "n/a"


def default_return(calendar: SchoolCalendar, today: date) -> date:
    """Records are due back the next school day unless the person says otherwise."""
    return calendar.next_school_day(today)


def latest_return(calendar: SchoolCalendar, settings: SchoolSettings, today: date) -> date:
    return calendar.add_school_days(today, settings.max_offsite_school_days)


@dataclass(frozen=True)
class DueStatus:
    """When a declaration is really due and how late it is: the one answer every list, report
    and chaser shows, so none of them can disagree."""

    due: date  # the school day it is due: a return date in a holiday rolls forward
    overdue: bool  # the due day has passed (also true on the weekend or holiday after it)
    school_days_overdue: int  # school days since the due day, up to and including today


class Categorised(Protocol):
    @property
    def category(self) -> str: ...


class Declared(Protocol):
    """What chasers and lists read of a declaration: an OffsiteDeclaration, or a lighter row of
    one (the chasers read a trust's ten thousand due records as DueDeclaration rows)."""

    @property
    def id(self) -> int: ...

    @property
    def expected_return(self) -> date: ...

    @property
    def items(self) -> Sequence[Categorised]: ...


def due_status(calendar: SchoolCalendar, decl: Declared, today: date) -> DueStatus:
    due = calendar.school_day_on_or_after(decl.expected_return)
    return DueStatus(due, due < today, calendar.school_days_between(due, today))


# An approver gets at least this long to answer; a request made closer to the expiry hour
# lapses at the end of the next school day instead.
LEAST_TIME_TO_ANSWER = timedelta(hours=1)


def approval_expiry(calendar: SchoolCalendar, settings: SchoolSettings, now: datetime) -> datetime:
    """The end of the school day the request was made on, or of the next school day if it was
    made within an hour of that end, after hours, at a weekend or in a holiday."""
    today = calendar.today(now)
    end_of_today = calendar.at(today, settings.approval_expiry_hour)
    if calendar.is_school_day(today) and now + LEAST_TIME_TO_ANSWER <= end_of_today:
        return end_of_today
    return calendar.at(calendar.next_school_day(today), settings.approval_expiry_hour)


def escalation_after(settings: SchoolSettings, tier: int) -> int:
    """School days overdue after which the SIRO hears about a record (sooner if sensitive)."""
    if tier >= settings.permission_tier:
        return settings.escalate_sensitive_overdue_after_school_days
    return settings.escalate_overdue_after_school_days
