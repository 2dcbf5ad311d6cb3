"""Settings from environment variables and an optional school.toml, validated at start-up.

Every problem is reported as a ConfigError whose message names the variable or the toml key,
so a school's IT technician can fix it without reading code.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.settings import DEFAULT_TIERS, RECORD_CATEGORIES, SchoolSettings, Term
from storage.crypto import KeyConfigError, KeyRing, new_key_spec
from storage.models.school import ROLE_GROUPS, ROLES

DEFAULT_DATABASE_URL = "sqlite:///safekeep.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
TEAMS_PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"


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


@dataclass(frozen=True)
class Settings:
    """Process settings from the environment."""

    database_url: str = DEFAULT_DATABASE_URL
    data_keys: str | None = None
    school_config: SchoolConfig | None = None
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    teams_client_id: str | None = None
    teams_client_secret: str | None = None
    teams_tenant_id: str | None = None
    graph_staff_group: str | None = None
    port: int = 3000
    timezone: str = "Europe/London"

    @property
    def has_slack(self) -> bool:
        single = bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))
        return single or bool(self.slack_client_id and self.slack_client_secret)

    @property
    def has_teams(self) -> bool:
        return bool(self.teams_client_id and self.teams_client_secret)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def key_ring(self, *, allow_local_key: bool) -> KeyRing:
        """The data keys; a demo on SQLite may use (and create) a local key file instead."""
        if self.data_keys:
            try:
                return KeyRing.parse(self.data_keys)
            except KeyConfigError as exc:
                raise ConfigError(str(exc)) from exc
        if allow_local_key and self.is_sqlite:
            return KeyRing.parse(_local_key(self.database_url))
        raise ConfigError(
            "SAFEKEEP_DATA_KEYS is not set. Safekeep encrypts every free-text field and token "
            "at rest and will not run in production without a key. Make one with "
            "'python -m bot keys new' and set SAFEKEEP_DATA_KEYS to it."
        )


def _local_key(database_url: str) -> str:
    """The console demo's key, kept in a file beside the SQLite database (created once)."""
    db_path = database_url.split("///", 1)[-1] if "///" in database_url else "safekeep.db"
    if db_path in ("", ":memory:"):
        db_path = "safekeep.db"
    key_file = Path(db_path).with_suffix(".key")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "w") as out:
            out.write(new_key_spec("local") + "\n")
    return key_file.read_text().strip()


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    port_text = get("PORT") or "3000"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"PORT must be a port number (1-65535), not '{port_text}'.")
    tz = get("TZ_SCHOOL") or "Europe/London"
    _check_timezone(tz, "TZ_SCHOOL")
    config_path = get("SAFEKEEP_SCHOOL_CONFIG")
    school_config = load_school_config(Path(config_path), default_tz=tz) if config_path else None
    api_url = get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
    if not api_url.startswith(("http://", "https://")):
        raise ConfigError(f"SLACK_API_URL must start with https:// (got '{api_url}').")
    return Settings(
        database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        data_keys=get("SAFEKEEP_DATA_KEYS"),
        school_config=school_config,
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_client_id=get("SLACK_CLIENT_ID"),
        slack_client_secret=get("SLACK_CLIENT_SECRET"),
        slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
        teams_client_id=get(TEAMS_PREFIX + "CLIENTID"),
        teams_client_secret=get(TEAMS_PREFIX + "CLIENTSECRET"),
        teams_tenant_id=get(TEAMS_PREFIX + "TENANTID"),
        graph_staff_group=get("SAFEKEEP_GRAPH_STAFF_GROUP"),
        port=int(port_text),
        timezone=tz,
    )


def _check_timezone(name: str, where: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{where} is not a known time zone: '{name}'.") from exc


# --- school.toml -------------------------------------------------------------------------------

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
        if key not in SECTIONS and key not in ("terms", "staff"):
            reader.fail(
                key, f"is not a known section (known: {', '.join(sorted(SECTIONS))}, terms, staff)"
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
        _check_timezone(tz, f"{reader.source}: school.timezone")
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
