"""A school's policy settings: every tier, period and hour, with shared/DOMAIN.md's defaults.

Stored as JSON on the school row (from school.toml or `/safekeep settings`) and read through
``SchoolSettings.from_json``, so code never hard-codes a threshold the DPO may change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

RECORD_CATEGORIES: dict[str, str] = {
    "planning": "Lesson planning",
    "marking": "Marking",
    "attendance": "Attendance spreadsheet",
    "tracking": "Cohort tracking",
    "letters": "Letters to parents",
    "parent_info": "Parent/carer information",
    "safeguarding": "Safeguarding information",
    "staff_contacts": "Staff contact details",
    "appraisal": "Appraisal, observation or supervision records",
    "send": "SEND records",
    "accounting": "Accounting and invoices",
    "finance": "School finance",
    "other": "Other",
}

DEFAULT_TIERS: dict[str, int] = {
    "planning": 1,
    "marking": 1,
    "attendance": 2,
    "tracking": 2,
    "letters": 2,
    "staff_contacts": 2,
    "finance": 2,
    "accounting": 2,
    "other": 2,
    "parent_info": 3,
    "safeguarding": 3,
    "send": 3,
    "appraisal": 3,
}

DEFAULT_STANDING_PERMISSIONS: dict[str, list[str]] = {
    "headteacher": ["parent_info", "safeguarding", "send", "appraisal"],
    "dsl": ["safeguarding", "parent_info"],
    "deputy_dsl": ["safeguarding"],
    "senco": ["send"],
    "business_manager": ["finance", "accounting", "staff_contacts"],
}


@dataclass(frozen=True)
class Term:
    """A school term; half-term weeks inside it are holidays."""

    name: str
    start: date
    end: date
    half_term_start: date | None = None
    half_term_end: date | None = None


# The school's policies that Safekeep carries, by the name school.toml and commands use.
POLICIES: dict[str, str] = {
    "offsite_records": "Off-site records policy",
    "online_safety": "Online Safety policy",
    "aup": "Acceptable Use Policy",
}


@dataclass(frozen=True)
class PolicySetting:
    """A policy's owner (a role) and its next review date, from school.toml."""

    name: str
    owner: str
    next_review: date


@dataclass(frozen=True)
class SchoolSettings:
    timezone: str = "Europe/London"
    terms: tuple[Term, ...] = ()
    closures: tuple[date, ...] = ()  # extra days the school is shut (not INSET: staff are in)
    # Routine messages go out 30 minutes from the morning hour, or from the afternoon hour
    # until the afternoon end (shared/DOMAIN.md §6: 08:00-08:30 or 15:30-17:30).
    morning_hour: time = time(8, 0)
    afternoon_hour: time = time(15, 30)
    afternoon_end_hour: time = time(17, 30)
    # Off-site records.
    tiers: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_TIERS))
    permission_tier: int = 3
    standing_permissions: dict[str, list[str]] = field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_STANDING_PERMISSIONS.items()}
    )
    max_offsite_school_days: int = 10
    escalate_overdue_after_school_days: int = 2
    escalate_sensitive_overdue_after_school_days: int = 1
    # A case-by-case request not answered by this local time on its school day expires.
    approval_expiry_hour: time = time(17, 30)
    # Declarations above these tiers are refused: on a personal device, or not encrypted.
    personal_device_max_tier: int = 1
    unencrypted_max_tier: int = 1
    # Breaches.
    alert_ack_minutes: int = 60
    ico_reminder_hours: tuple[int, ...] = (24, 48, 60, 70)
    ico_deadline_hours: int = 72
    # AUP.
    aup_campaign_term: str = "spring"
    # Online-safety concerns. School hours decide whether the DSL is likely to see a concern
    # today; an unacknowledged concern about a pupil is escalated after concern_ack_minutes in
    # school hours, at the start of the next school day otherwise.
    concern_ack_minutes: int = 30
    school_hours_start: time = time(8, 0)
    school_hours_end: time = time(17, 0)
    # The local children's social care (front door) number, shown out of hours.
    children_social_care_phone: str = ""
    # The school's safeguarding record (e.g. "CPOMS", "MyConcern") and its address.
    safeguarding_system: str = ""
    safeguarding_system_url: str = ""
    # The staff list (school.toml [roster]): the group a synced newcomer gets when the list
    # doesn't say (Slack and Entra never do; a CSV may), and whether Slack guests count.
    default_group: str = "teaching"
    include_guests: bool = False
    guest_group: str = "visitor"
    # The yearly round's dates for the academic year they fall in (None: from the term dates,
    # the first school day of the campaign term and the last school day before its half-term).
    aup_opens_on: date | None = None
    aup_due_on: date | None = None
    # A version taking effect mid-year, and a new starter, have this many school days to sign.
    aup_new_version_school_days: int = 10
    aup_new_starter_school_days: int = 10
    # Ask, with the agreement, the date this year's online-safety training was completed.
    aup_training_date: bool = False
    # Policies: owner and next review date (reminders from 30 school days before, weekly).
    policies: tuple[PolicySetting, ...] = ()
    # Retention (shared/DOMAIN.md §7; handlers/retention.py applies them). Off-site declarations
    # are kept for the academic year they were made in and this many more; a declaration linked
    # to a breach is kept as long as the breach's details.
    retention_offsite_years: int = 1
    # Closed breaches' details (free text, timeline) and closed online-safety concerns' notes:
    # years after closure. The codes the governors' report counts stay.
    retention_breach_years: int = 6
    retention_concern_years: int = 6
    # A leaver's AUP history (signatures, questions, exemptions): years after leaving.
    retention_leaver_aup_years: int = 6
    # Delivered chat messages and the files they carried; answered AUP questions: days.
    retention_message_days: int = 30
    retention_answered_question_days: int = 365

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def tier_of(self, category: str) -> int:
        return self.tiers.get(category, 2)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["terms"] = [
            {k: (v.isoformat() if isinstance(v, date) else v) for k, v in t.items()}
            for t in data["terms"]
        ]
        data["closures"] = [d.isoformat() for d in self.closures]
        for name in ("aup_opens_on", "aup_due_on"):
            value = getattr(self, name)
            data[name] = value.isoformat() if value else None
        data["morning_hour"] = self.morning_hour.strftime("%H:%M")
        data["afternoon_hour"] = self.afternoon_hour.strftime("%H:%M")
        data["afternoon_end_hour"] = self.afternoon_end_hour.strftime("%H:%M")
        data["approval_expiry_hour"] = self.approval_expiry_hour.strftime("%H:%M")
        data["school_hours_start"] = self.school_hours_start.strftime("%H:%M")
        data["school_hours_end"] = self.school_hours_end.strftime("%H:%M")
        data["ico_reminder_hours"] = list(self.ico_reminder_hours)
        data["policies"] = [
            {"name": p.name, "owner": p.owner, "next_review": p.next_review.isoformat()}
            for p in self.policies
        ]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SchoolSettings:
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        if "terms" in values:
            values["terms"] = tuple(
                Term(
                    name=t["name"],
                    start=date.fromisoformat(t["start"]),
                    end=date.fromisoformat(t["end"]),
                    half_term_start=_maybe_date(t.get("half_term_start")),
                    half_term_end=_maybe_date(t.get("half_term_end")),
                )
                for t in values["terms"]
            )
        if "closures" in values:
            values["closures"] = tuple(date.fromisoformat(d) for d in values["closures"])
        for name in (
            "morning_hour",
            "afternoon_hour",
            "afternoon_end_hour",
            "approval_expiry_hour",
            "school_hours_start",
            "school_hours_end",
        ):
            if name in values:
                values[name] = time.fromisoformat(values[name])
        if "ico_reminder_hours" in values:
            values["ico_reminder_hours"] = tuple(values["ico_reminder_hours"])
        for name in ("aup_opens_on", "aup_due_on"):
            if name in values:
                values[name] = _maybe_date(values[name])
        if "tiers" in values:
            values["tiers"] = {**DEFAULT_TIERS, **values["tiers"]}
        if "policies" in values:
            values["policies"] = tuple(
                PolicySetting(p["name"], p["owner"], date.fromisoformat(p["next_review"]))
                for p in values["policies"]
            )
        return cls(**values)


def academic_year(day: date) -> int:
    """The year the academic year holding ``day`` starts in: it runs from August to July, so
    the summer holiday's August belongs to the year about to start."""
    return day.year if day.month >= 8 else day.year - 1


def _maybe_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
