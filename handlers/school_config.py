"""What a school may configure in school.toml, and the limits: the schema, its reading and checks.

Every problem is a ConfigError whose message names the file and the key, so a school's IT
technician can fix it without reading code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.settings import (
    DEFAULT_TIERS,
    POLICIES,
    RECORD_CATEGORIES,
    PolicySetting,
    SchoolSettings,
    Term,
)
from storage.models.school import ROLE_GROUPS, ROLES


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class StaffEntry:
    email: str
    name: str
    role_group: str = "teaching"


@dataclass(frozen=True)
class AupDocument:
    version: str
    title: str
    text: str
    url: str | None
    effective: date


@dataclass(frozen=True)
class SchoolConfig:
    """What a school.toml says."""

    name: str
    settings: SchoolSettings
    roles: dict[str, list[str]] = field(default_factory=dict)
    staff: tuple[StaffEntry, ...] = ()
    aup: AupDocument | None = None


def check_timezone(name: str, where: str) -> None:
    """Fail with ``where`` named unless ``name`` is a known IANA time zone."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{where} is not a known time zone: '{name}'.") from exc


SECTIONS: dict[str, set[str]] = {
    "school": {"name", "timezone"},
    "calendar": {"closures"},
    "reminders": {"morning", "afternoon", "afternoon_end"},
    "roles": set(ROLES),
    "aup": {"version", "title", "url", "text", "file", "effective", "campaign_term"},
    "offsite": {
        "max_school_days",
        "escalate_after_school_days",
        "escalate_sensitive_after_school_days",
        "permission_tier",
        "personal_device_max_tier",
        "unencrypted_max_tier",
        "approval_expiry",
        "tiers",
        "standing_permissions",
    },
    "breach": {"ack_minutes", "ico_reminder_hours"},
}
TERM_KEYS = {"name", "start", "end", "half_term"}
POLICY_KEYS = {"name", "owner", "next_review"}
STAFF_KEYS = {"email", "name", "role_group"}


def load_school_config(path: Path, default_tz: str = "Europe/London") -> SchoolConfig:
    """Read and validate a school.toml; errors name the file and the key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"SAFEKEEP_SCHOOL_CONFIG points to {path}, which does not exist."
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    return parse_school_config(raw, base_dir=path.parent, default_tz=default_tz, source=str(path))


def parse_school_config(
    raw: dict[str, Any], *, base_dir: Path, default_tz: str = "Europe/London", source: str = ""
) -> SchoolConfig:
    reader = _Reader(source or "school.toml")
    for key in raw:
        if key not in SECTIONS and key not in ("terms", "staff", "policies"):
            reader.fail(
                key,
                f"is not a known section (known: {', '.join(sorted(SECTIONS))}, terms, staff, "
                "policies)",
            )
    for section, allowed in SECTIONS.items():
        value = raw.get(section, {})
        if not isinstance(value, dict):
            reader.fail(section, "must be a table, e.g. [" + section + "]")
        for key in value:
            if key not in allowed:
                reader.fail(
                    f"{section}.{key}",
                    f"is not a known setting (known: {', '.join(sorted(allowed))})",
                )

    school = raw.get("school", {})
    name = reader.text(school, "school.name", required=True)
    tz = reader.text(school, "school.timezone") or default_tz
    try:
        check_timezone(tz, f"{reader.source}: school.timezone")
    except ConfigError as exc:
        raise ConfigError(str(exc)) from exc

    values: dict[str, Any] = {"timezone": tz}
    values["terms"] = tuple(reader.term(i, t) for i, t in enumerate(reader.list(raw, "terms")))
    values["closures"] = tuple(
        reader.date_value(d, f"calendar.closures[{i}]")
        for i, d in enumerate(
            reader.list(raw.get("calendar", {}), "calendar.closures", key="closures")
        )
    )
    reminders = raw.get("reminders", {})
    if "morning" in reminders:
        values["morning_hour"] = reader.clock_time(reminders["morning"], "reminders.morning")
    if "afternoon" in reminders:
        values["afternoon_hour"] = reader.clock_time(reminders["afternoon"], "reminders.afternoon")
    if "afternoon_end" in reminders:
        values["afternoon_end_hour"] = reader.clock_time(
            reminders["afternoon_end"], "reminders.afternoon_end"
        )
    afternoon = values.get("afternoon_hour", SchoolSettings.afternoon_hour)
    if values.get("afternoon_end_hour", SchoolSettings.afternoon_end_hour) <= afternoon:
        reader.fail("reminders.afternoon_end", "must be later than reminders.afternoon")
    offsite = raw.get("offsite", {})
    for toml_key, setting in (
        ("max_school_days", "max_offsite_school_days"),
        ("escalate_after_school_days", "escalate_overdue_after_school_days"),
        ("escalate_sensitive_after_school_days", "escalate_sensitive_overdue_after_school_days"),
        ("permission_tier", "permission_tier"),
    ):
        if toml_key in offsite:
            values[setting] = reader.whole(offsite[toml_key], f"offsite.{toml_key}", low=1, high=60)
    for toml_key in ("personal_device_max_tier", "unencrypted_max_tier"):
        if toml_key in offsite:
            values[toml_key] = reader.whole(offsite[toml_key], f"offsite.{toml_key}", low=0, high=3)
    if "approval_expiry" in offsite:
        values["approval_expiry_hour"] = reader.clock_time(
            offsite["approval_expiry"], "offsite.approval_expiry"
        )
    if "tiers" in offsite:
        tiers = dict(DEFAULT_TIERS)
        for cat, tier in reader.table(offsite["tiers"], "offsite.tiers").items():
            if cat not in RECORD_CATEGORIES:
                reader.fail(
                    f"offsite.tiers.{cat}",
                    f"is not a record category (known: {', '.join(RECORD_CATEGORIES)})",
                )
            tiers[cat] = reader.whole(tier, f"offsite.tiers.{cat}", low=1, high=3)
        values["tiers"] = tiers
    if "standing_permissions" in offsite:
        standing: dict[str, list[str]] = {}
        for role, cats in reader.table(
            offsite["standing_permissions"], "offsite.standing_permissions"
        ).items():
            where = f"offsite.standing_permissions.{role}"
            if role not in ROLES:
                reader.fail(where, f"is not a role (known: {', '.join(ROLES)})")
            if not isinstance(cats, list) or any(c not in RECORD_CATEGORIES for c in cats):
                reader.fail(where, "must be a list of record categories")
            standing[role] = list(cats)
        values["standing_permissions"] = standing
    breach = raw.get("breach", {})
    if "ack_minutes" in breach:
        values["alert_ack_minutes"] = reader.whole(
            breach["ack_minutes"], "breach.ack_minutes", low=5, high=24 * 60
        )
    if "ico_reminder_hours" in breach:
        hours = breach["ico_reminder_hours"]
        if not isinstance(hours, list) or not all(isinstance(h, int) and 0 < h < 72 for h in hours):
            reader.fail(
                "breach.ico_reminder_hours", "must be a list of whole hours between 1 and 71"
            )
        values["ico_reminder_hours"] = tuple(sorted(hours))
    aup_raw = raw.get("aup", {})
    if "campaign_term" in aup_raw:
        term = reader.text(aup_raw, "aup.campaign_term", key="campaign_term")
        if term not in ("autumn", "spring", "summer"):
            reader.fail("aup.campaign_term", "must be autumn, spring or summer")
        values["aup_campaign_term"] = term

    values["policies"] = reader.policies(reader.list(raw, "policies"))

    roles: dict[str, list[str]] = {}
    for role, emails in raw.get("roles", {}).items():
        if isinstance(emails, str):
            emails = [emails]
        if not isinstance(emails, list) or not all(isinstance(e, str) and "@" in e for e in emails):
            reader.fail(f"roles.{role}", "must be an email address or a list of them")
        roles[role] = [e.strip().lower() for e in emails]
    staff = tuple(reader.staff(i, s) for i, s in enumerate(reader.list(raw, "staff")))
    aup = reader.aup(aup_raw, base_dir) if {"version", "title"} & set(aup_raw) else None
    return SchoolConfig(
        name=name or "", settings=SchoolSettings(**values), roles=roles, staff=staff, aup=aup
    )


class _Reader:
    """Typed reads from parsed TOML that fail with the key's name."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> None:
        raise ConfigError(f"{self.source}: '{key}' {problem}.")

    def text(
        self, table: dict[str, Any], where: str, *, key: str | None = None, required: bool = False
    ) -> str | None:
        key = key or where.rsplit(".", 1)[-1]
        value = table.get(key)
        if value is None:
            if required:
                self.fail(where, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(where, "must be a non-empty string")
        return str(value).strip()

    def list(self, table: dict[str, Any], where: str, *, key: str | None = None) -> list[Any]:
        value = table.get(key or where, [])
        if not isinstance(value, list):
            self.fail(where, "must be a list")
        return list(value)

    def table(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, "must be a table")
        return dict(value)

    def whole(self, value: Any, where: str, *, low: int, high: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.fail(where, f"must be a whole number from {low} to {high}")
        return int(value)

    def date_value(self, value: Any, where: str) -> date:
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(where, "must be a date like 2026-09-02")
        raise AssertionError  # unreachable: fail() raises

    def clock_time(self, value: Any, where: str) -> time:
        if isinstance(value, str):
            try:
                return time.fromisoformat(value)
            except ValueError:
                pass
        self.fail(where, 'must be a time like "08:00"')
        raise AssertionError

    def term(self, index: int, raw: Any) -> Term:
        where = f"terms[{index}]"
        table = self.table(raw, where)
        for key in table:
            if key not in TERM_KEYS:
                self.fail(
                    f"{where}.{key}",
                    f"is not a term setting (known: {', '.join(sorted(TERM_KEYS))})",
                )
        name = self.text(table, f"{where}.name", key="name", required=True) or ""
        start = self.date_value(table.get("start"), f"{where}.start")
        end = self.date_value(table.get("end"), f"{where}.end")
        if end < start:
            self.fail(f"{where}.end", "is before the term's start")
        half_start = half_end = None
        if "half_term" in table:
            pair = table["half_term"]
            if not isinstance(pair, list) or len(pair) != 2:
                self.fail(f"{where}.half_term", "must be [first day, last day]")
            half_start = self.date_value(pair[0], f"{where}.half_term[0]")
            half_end = self.date_value(pair[1], f"{where}.half_term[1]")
            if not start <= half_start <= half_end <= end:
                self.fail(f"{where}.half_term", "must fall inside the term, first day first")
        return Term(name, start, end, half_start, half_end)

    def policies(self, raw: Any) -> tuple[PolicySetting, ...]:
        """[[policies]] entries: a known policy, once each, an owner role and a review date."""
        found: dict[str, PolicySetting] = {}
        for index, entry in enumerate(raw):
            where = f"policies[{index}]"
            table = self.table(entry, where)
            for key in table:
                if key not in POLICY_KEYS:
                    self.fail(
                        f"{where}.{key}",
                        f"is not a policy setting (known: {', '.join(sorted(POLICY_KEYS))})",
                    )
            name = self.text(table, f"{where}.name", key="name", required=True) or ""
            if name not in POLICIES:
                self.fail(f"{where}.name", f"must be one of {', '.join(POLICIES)}")
            if name in found:
                self.fail(f"{where}.name", f"lists '{name}' a second time")
            owner = self.text(table, f"{where}.owner", key="owner", required=True) or ""
            if owner not in ROLES:
                self.fail(f"{where}.owner", f"must be a role (known: {', '.join(ROLES)})")
            if "next_review" not in table:
                self.fail(f"{where}.next_review", "is required (a date like 2027-03-01)")
            due = self.date_value(table["next_review"], f"{where}.next_review")
            found[name] = PolicySetting(name, owner, due)
        return tuple(found.values())

    def staff(self, index: int, raw: Any) -> StaffEntry:
        where = f"staff[{index}]"
        table = self.table(raw, where)
        for key in table:
            if key not in STAFF_KEYS:
                self.fail(
                    f"{where}.{key}",
                    f"is not a staff setting (known: {', '.join(sorted(STAFF_KEYS))})",
                )
        email = self.text(table, f"{where}.email", key="email", required=True) or ""
        if "@" not in email:
            self.fail(f"{where}.email", "must be an email address")
        name = self.text(table, f"{where}.name", key="name", required=True) or ""
        group = self.text(table, f"{where}.role_group", key="role_group") or "teaching"
        if group not in ROLE_GROUPS:
            self.fail(f"{where}.role_group", f"must be one of {', '.join(ROLE_GROUPS)}")
        return StaffEntry(email.lower(), name, group)

    def aup(self, table: dict[str, Any], base_dir: Path) -> AupDocument:
        version = self.text(table, "aup.version", key="version", required=True) or ""
        title = self.text(table, "aup.title", key="title", required=True) or ""
        url = self.text(table, "aup.url", key="url")
        if "text" in table and "file" in table:
            self.fail("aup.file", "cannot be given together with aup.text")
        if "file" in table:
            file = base_dir / (self.text(table, "aup.file", key="file") or "")
            if not file.is_file():
                self.fail("aup.file", f"names {file}, which does not exist")
            text = file.read_text(encoding="utf-8")
        else:
            text = self.text(table, "aup.text", key="text") or ""
        if not text.strip() and not url:
            self.fail("aup", "needs text, file or url")
        effective = self.date_value(table.get("effective", date(2000, 1, 1)), "aup.effective")
        return AupDocument(version, title, text, url, effective)
