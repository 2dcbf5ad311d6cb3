"""What a school may configure in school.toml, and the limits: the schema, its reading and checks.

Every problem is a ConfigError whose message names the file and the key, so a school's IT
technician can fix it without reading code.
"""

from __future__ import annotations

import re
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
    academic_year,
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
    groups: tuple[str, ...] = ROLE_GROUPS  # the role groups it applies to


@dataclass(frozen=True)
class SchoolConfig:
    """What a school.toml says."""

    name: str
    settings: SchoolSettings
    roles: dict[str, list[str]] = field(default_factory=dict)
    staff: tuple[StaffEntry, ...] = ()
    aup: AupDocument | None = None  # the [aup] table's own document
    aup_more: tuple[AupDocument, ...] = ()  # [[aup.documents]]: one per group's variant

    @property
    def aup_documents(self) -> tuple[AupDocument, ...]:
        """Every AUP document the file gives: the [aup] table's, then [[aup.documents]]."""
        return ((self.aup,) if self.aup is not None else ()) + self.aup_more


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
    "aup": {
        "version",
        "title",
        "url",
        "text",
        "file",
        "effective",
        "groups",
        "campaign_term",
        "campaign_opens",
        "campaign_due",
        "new_version_school_days",
        "new_starter_school_days",
        "training_date",
        "documents",
    },
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
    "concern": {
        "ack_minutes",
        "school_hours",
        "children_social_care_phone",
        "safeguarding_system",
        "safeguarding_system_url",
    },
    "roster": {"default_group", "include_guests", "guest_group"},
    "retention": {
        "offsite_years",
        "breach_years",
        "concern_years",
        "leaver_aup_years",
        "message_days",
        "answered_question_days",
    },
}
# [retention] keys: the setting each fills and its limits (shared/DOMAIN.md §7 has the defaults).
RETENTION_LIMITS: dict[str, tuple[str, int, int, str]] = {
    "offsite_years": ("retention_offsite_years", 0, 10, "academic years"),
    "breach_years": ("retention_breach_years", 1, 100, "years"),
    "concern_years": ("retention_concern_years", 1, 100, "years"),
    "leaver_aup_years": ("retention_leaver_aup_years", 1, 100, "years"),
    # Not below 30: a Teams download link to a report file works for 30 days.
    "message_days": ("retention_message_days", 30, 3650, "days"),
    "answered_question_days": ("retention_answered_question_days", 30, 3650, "days"),
}
TERM_KEYS = {"name", "start", "end", "half_term"}
POLICY_KEYS = {"name", "owner", "next_review"}
STAFF_KEYS = {"email", "name", "role_group"}
# A UK phone number as people write it: digits, spaces, a leading + and brackets or dashes.
PHONE = re.compile(r"\+?[0-9][0-9 ()-]{5,20}[0-9]")
AUP_DOCUMENT_KEYS = {"version", "title", "url", "text", "file", "effective", "groups"}


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
        reader.known_keys(value, section, allowed, "known")

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
    values.update(_concern_settings(reader, raw.get("concern", {})))
    values.update(_retention_settings(reader, raw.get("retention", {})))
    aup_raw = raw.get("aup", {})
    if "campaign_term" in aup_raw:
        term = reader.text(aup_raw, "aup.campaign_term", key="campaign_term")
        if term not in ("autumn", "spring", "summer"):
            reader.fail("aup.campaign_term", "must be autumn, spring or summer")
        values["aup_campaign_term"] = term
    values.update(reader.roster(raw.get("roster", {})))
    _read_aup_campaign(reader, aup_raw, values)
    if "training_date" in aup_raw:
        if not isinstance(aup_raw["training_date"], bool):
            reader.fail("aup.training_date", "must be true or false")
        values["aup_training_date"] = aup_raw["training_date"]

    values["policies"] = reader.policies(reader.list(raw, "policies"))

    roles: dict[str, list[str]] = {}
    for role, emails in raw.get("roles", {}).items():
        if isinstance(emails, str):
            emails = [emails]
        if not isinstance(emails, list) or not all(isinstance(e, str) and "@" in e for e in emails):
            reader.fail(f"roles.{role}", "must be an email address or a list of them")
        roles[role] = [e.strip().lower() for e in emails]
    staff = tuple(reader.staff(i, s) for i, s in enumerate(reader.list(raw, "staff")))
    aup = reader.aup(aup_raw, base_dir, "aup") if {"version", "title"} & set(aup_raw) else None
    more = tuple(
        reader.aup(reader.table(doc, f"aup.documents[{i}]"), base_dir, f"aup.documents[{i}]")
        for i, doc in enumerate(reader.list(aup_raw, "aup.documents", key="documents"))
    )
    numbers = [d.version for d in ((aup,) if aup else ()) + more]
    for number in numbers:
        if numbers.count(number) > 1:
            reader.fail("aup.documents", f"give each document its own version ({number} twice)")
    return SchoolConfig(
        name=name or "",
        settings=SchoolSettings(**values),
        roles=roles,
        staff=staff,
        aup=aup,
        aup_more=more,
    )


def _concern_settings(reader: _Reader, concern: dict[str, Any]) -> dict[str, Any]:
    """The [concern] section: escalation time, school hours, phone number and the safeguarding
    system's name and address."""
    values: dict[str, Any] = {}
    if "ack_minutes" in concern:
        values["concern_ack_minutes"] = reader.whole(
            concern["ack_minutes"], "concern.ack_minutes", low=5, high=24 * 60
        )
    if "school_hours" in concern:
        pair = concern["school_hours"]
        if not isinstance(pair, list) or len(pair) != 2:
            reader.fail("concern.school_hours", 'must be [start, end], e.g. ["08:00", "17:00"]')
        start = reader.clock_time(pair[0], "concern.school_hours[0]")
        end = reader.clock_time(pair[1], "concern.school_hours[1]")
        if end <= start:
            reader.fail("concern.school_hours", "must end later than it starts")
        values["school_hours_start"], values["school_hours_end"] = start, end
    if "children_social_care_phone" in concern:
        phone = reader.text(concern, "concern.children_social_care_phone") or ""
        if not PHONE.fullmatch(phone):
            reader.fail(
                "concern.children_social_care_phone",
                'must be a phone number, e.g. "0300 123 4567"',
            )
        values["children_social_care_phone"] = phone
    if "safeguarding_system" in concern:
        values["safeguarding_system"] = reader.text(concern, "concern.safeguarding_system")
    if "safeguarding_system_url" in concern:
        url = reader.text(concern, "concern.safeguarding_system_url") or ""
        if not url.startswith(("https://", "http://")):
            reader.fail("concern.safeguarding_system_url", "must start with https://")
        values["safeguarding_system_url"] = url
    return values


def _retention_settings(reader: _Reader, retention: dict[str, Any]) -> dict[str, Any]:
    """The [retention] section: how long each kind of record is kept, in whole years or days."""
    values: dict[str, Any] = {}
    for key, (setting, low, high, unit) in RETENTION_LIMITS.items():
        if key in retention:
            value = retention[key]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                reader.fail(
                    f"retention.{key}", f"must be a whole number of {unit} from {low} to {high}"
                )
            values[setting] = value
    return values


def _read_aup_campaign(reader: _Reader, aup_raw: dict[str, Any], values: dict[str, Any]) -> None:
    """The yearly round's dates (both or neither, in one academic year) and the school days a
    new version's round and a new starter have to sign."""
    opens = aup_raw.get("campaign_opens")
    due = aup_raw.get("campaign_due")
    if (opens is None) != (due is None):
        missing = "aup.campaign_due" if due is None else "aup.campaign_opens"
        reader.fail(missing, "is needed too: give the yearly round both its dates, or neither")
    if opens is not None:
        opens_on = reader.date_value(opens, "aup.campaign_opens")
        due_on = reader.date_value(due, "aup.campaign_due")
        if due_on <= opens_on:
            reader.fail("aup.campaign_due", "must be after aup.campaign_opens")
        if academic_year(opens_on) != academic_year(due_on):
            reader.fail(
                "aup.campaign_due",
                "must be in the same academic year (August to July) as aup.campaign_opens",
            )
        values["aup_opens_on"], values["aup_due_on"] = opens_on, due_on
    for key in ("new_version_school_days", "new_starter_school_days"):
        if key in aup_raw:
            values[f"aup_{key}"] = reader.whole(aup_raw[key], f"aup.{key}", low=1, high=60)


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

    def known_keys(self, table: dict[str, Any], where: str, known: set[str], what: str) -> None:
        """Fail on the first key of ``table`` that is not in ``known`` (a misspelt setting is
        named, with the settings that exist, rather than silently ignored)."""
        for key in table:
            if key not in known:
                self.fail(
                    f"{where}.{key}",
                    f"is not a {what} setting (known: {', '.join(sorted(known))})",
                )

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
        self.known_keys(table, where, TERM_KEYS, "term")
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
            self.known_keys(table, where, POLICY_KEYS, "policy")
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
        self.known_keys(table, where, STAFF_KEYS, "staff")
        email = self.text(table, f"{where}.email", key="email", required=True) or ""
        if "@" not in email:
            self.fail(f"{where}.email", "must be an email address")
        name = self.text(table, f"{where}.name", key="name", required=True) or ""
        group = self.text(table, f"{where}.role_group", key="role_group") or "teaching"
        if group not in ROLE_GROUPS:
            self.fail(f"{where}.role_group", f"must be one of {', '.join(ROLE_GROUPS)}")
        return StaffEntry(email.lower(), name, group)

    def roster(self, table: dict[str, Any]) -> dict[str, Any]:
        """[roster]: the group synced newcomers get, and whether Slack guests count."""
        values: dict[str, Any] = {}
        for key in ("default_group", "guest_group"):
            if key in table:
                group = self.text(table, f"roster.{key}", key=key) or ""
                if group not in ROLE_GROUPS:
                    self.fail(f"roster.{key}", f"must be one of {', '.join(ROLE_GROUPS)}")
                values[key] = group
        if "include_guests" in table:
            if not isinstance(table["include_guests"], bool):
                self.fail("roster.include_guests", "must be true or false")
            values["include_guests"] = table["include_guests"]
        return values

    def aup(self, table: dict[str, Any], base_dir: Path, where: str) -> AupDocument:
        """One AUP document: the [aup] table's own, or one of [[aup.documents]] (``where``)."""
        if where != "aup":
            self.known_keys(table, where, AUP_DOCUMENT_KEYS, "document")
        version = self.text(table, f"{where}.version", key="version", required=True) or ""
        title = self.text(table, f"{where}.title", key="title", required=True) or ""
        url = self.text(table, f"{where}.url", key="url")
        if "text" in table and "file" in table:
            self.fail(f"{where}.file", f"cannot be given together with {where}.text")
        if "file" in table:
            file = base_dir / (self.text(table, f"{where}.file", key="file") or "")
            if not file.is_file():
                self.fail(f"{where}.file", f"names {file}, which does not exist")
            text = file.read_text(encoding="utf-8")
        else:
            text = self.text(table, f"{where}.text", key="text") or ""
        if not text.strip() and not url:
            self.fail(where, "needs text, file or url")
        effective = self.date_value(table.get("effective", date(2000, 1, 1)), f"{where}.effective")
        groups: tuple[str, ...] = ROLE_GROUPS
        if "groups" in table:
            named = self.list(table, f"{where}.groups", key="groups")
            unknown = [g for g in named if g not in ROLE_GROUPS]
            if not named or unknown:
                self.fail(f"{where}.groups", f"must list some of {', '.join(ROLE_GROUPS)}")
            groups = tuple(g for g in ROLE_GROUPS if g in named)
        return AupDocument(version, title, text, url, effective, groups)
