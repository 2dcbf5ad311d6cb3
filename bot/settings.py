"""Process settings from environment variables (and an env file), validated at start-up.

Every problem is reported as a ConfigError whose message names the variable, so a school's IT
technician can fix it without reading code. The school.toml schema is handlers/school_config.py.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from handlers.school_config import ConfigError, SchoolConfig, check_timezone, load_school_config
from storage.crypto import (
    WHERE_KEYS_COME_FROM,
    KeyConfigError,
    KeyRing,
    new_key_id,
    new_key_spec,
)

DEFAULT_DATABASE_URL = "sqlite:///safekeep.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_ENTRA_AUTHORITY = "https://login.microsoftonline.com"
DEFAULT_GRAPH_URL = "https://graph.microsoft.com"
TEAMS_PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
TEAMS_IDENTITY = ("CLIENTID", "CLIENTSECRET", "TENANTID")
# SQLAlchemy backend names Safekeep runs on (``postgres://`` is read as postgresql).
SUPPORTED_DATABASES = ("sqlite", "postgresql")


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
    # How long after a DM's answer was lost Slack may still post it: the check of the DM's
    # history (and any second post) waits this long (bot/slack/delivery.py PROCESSING_WINDOW).
    slack_processing_window_seconds: float = 120.0
    # conversations.history reads a minute per workspace (None: Tier 3's 50 for a single
    # workspace, 1 for an OAuth-distributed app outside the Marketplace).
    slack_history_reads_per_minute: float | None = None
    teams_client_id: str | None = None
    teams_client_secret: str | None = None
    teams_tenant_id: str | None = None
    teams_anonymous_allowed: bool = False  # local testing only: Teams requests unauthenticated
    graph_staff_group: str | None = None
    entra_authority: str = DEFAULT_ENTRA_AUTHORITY
    graph_url: str = DEFAULT_GRAPH_URL
    port: int = 3000
    host: str = "0.0.0.0"
    timezone: str = "Europe/London"
    # Where this server is reachable from outside: Teams DMs link to files served here.
    public_url: str | None = None

    @property
    def has_slack(self) -> bool:
        single = bool(self.slack_bot_token and (self.slack_signing_secret or self.slack_app_token))
        return single or bool(self.slack_client_id and self.slack_client_secret)

    @property
    def has_teams(self) -> bool:
        identity = bool(self.teams_client_id and self.teams_client_secret)
        return identity or bool(self.teams_anonymous_allowed and self.teams_tenant_id)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def local_key_file(self) -> Path | None:
        """The key file beside a SQLite database (safekeep.key for safekeep.db); None on
        PostgreSQL, which never uses one."""
        database = self.sqlite_file
        return None if database is None else database.with_suffix(".key")

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite database file (safekeep.db for an in-memory URL); None on PostgreSQL."""
        if not self.is_sqlite:
            return None
        db_path = self.database_url.split("///", 1)[-1] if "///" in self.database_url else ""
        return Path(db_path if db_path not in ("", ":memory:") else "safekeep.db")

    def key_ring(
        self,
        *,
        allow_local_key: bool,
        keys_in_use: Callable[[], Collection[str]] = tuple,
        create: bool = True,
    ) -> KeyRing:
        """The data keys; on SQLite the console and shell tools may use a local key file instead,
        made (with an id of its own) only while ``keys_in_use()`` finds no encrypted data."""
        if self.data_keys:
            try:
                return KeyRing.parse(self.data_keys)
            except KeyConfigError as exc:
                raise ConfigError(str(exc)) from exc
        key_file = self.local_key_file
        if allow_local_key and key_file is not None:
            if not key_file.exists():
                needed = sorted(keys_in_use())
                if needed or not create:
                    raise ConfigError(_no_key_file(self.sqlite_file, key_file, needed))
                _make_key_file(key_file)
            try:
                return KeyRing.parse(key_file.read_text().strip(), f"the key file {key_file}")
            except KeyConfigError as exc:
                raise ConfigError(str(exc)) from exc
        raise ConfigError(
            "SAFEKEEP_DATA_KEYS is not set. Safekeep encrypts every free-text field and token "
            "at rest and will not run in production without a key. Make one with "
            "'python -m bot keys new' and set SAFEKEEP_DATA_KEYS to it."
        )


def _no_key_file(database: Path | None, key_file: Path, needed: list[str]) -> str:
    if not needed:
        return (
            f"SAFEKEEP_DATA_KEYS is not set and there is no key file {key_file}. "
            + WHERE_KEYS_COME_FROM
        )
    ids = ", ".join(f"'{key_id}'" for key_id in needed)
    return (
        f"The database {database} already holds data encrypted with key {ids}, but "
        f"SAFEKEEP_DATA_KEYS is not set and the key file {key_file} is missing. Safekeep will not "
        "make a new key for it (a new key could never open that data). Copy the key file that "
        f"belongs with this database next to it, or set SAFEKEEP_DATA_KEYS to key {ids}. "
        + WHERE_KEYS_COME_FROM
    )


def _make_key_file(key_file: Path) -> None:
    """A new key file, readable by its owner only, whose key has an id of its own."""
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as out:
        out.write(new_key_spec(new_key_id("local")) + "\n")


ENV_FILE = "SAFEKEEP_ENV_FILE"


def env_file(env: Mapping[str, str] | None = None) -> Path | None:
    """The env file settings are read from: the one SAFEKEEP_ENV_FILE names, else ``.env`` in
    the working folder if there is one."""
    env = os.environ if env is None else env
    named = env.get(ENV_FILE, "").strip()
    if named:
        path = Path(named)
        if not path.exists():
            raise ConfigError(f"{ENV_FILE} points to {path}, which does not exist.")
        return path
    return Path(".env") if Path(".env").is_file() else None


def environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables Safekeep runs with: the env file's, with the real environment on top (a
    variable set in the environment always wins over the file).

    The file holds ``NAME=value`` lines as python-dotenv reads them (quotes, comments and
    ``export`` allowed)."""
    env = os.environ if env is None else env
    path = env_file(env)
    if path is None:
        return dict(env)
    try:
        values = dotenv_values(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the env file {path}: {exc}") from exc
    merged = {name: value for name, value in values.items() if value is not None}
    merged.update(env)
    return merged


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    port_text = get("PORT") or "3000"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"PORT must be a port number (1-65535), not '{port_text}'.")
    tz = get("TZ_SCHOOL") or "Europe/London"
    check_timezone(tz, "TZ_SCHOOL")
    config_path = get("SAFEKEEP_SCHOOL_CONFIG")
    school_config = load_school_config(Path(config_path), default_tz=tz) if config_path else None
    api_url = get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
    if not api_url.startswith(("http://", "https://")):
        raise ConfigError(f"SLACK_API_URL must start with https:// (got '{api_url}').")
    entra_authority = https_url(get("SAFEKEEP_ENTRA_AUTHORITY") or DEFAULT_ENTRA_AUTHORITY)
    graph_url = https_url(get("SAFEKEEP_GRAPH_URL") or DEFAULT_GRAPH_URL, "SAFEKEEP_GRAPH_URL")
    database_url = get("DATABASE_URL") or DEFAULT_DATABASE_URL
    check_database_url(database_url)
    window = positive_number(
        get("SLACK_PROCESSING_WINDOW_SECONDS"), "SLACK_PROCESSING_WINDOW_SECONDS"
    )
    reads = positive_number(get("SLACK_HISTORY_READS_PER_MINUTE"), "SLACK_HISTORY_READS_PER_MINUTE")
    anonymous = (get(TEAMS_PREFIX + "ANONYMOUS_ALLOWED") or "").lower() == "true"
    check_teams_identity({name: get(TEAMS_PREFIX + name) for name in TEAMS_IDENTITY}, anonymous)
    return Settings(
        database_url=database_url,
        data_keys=get("SAFEKEEP_DATA_KEYS"),
        school_config=school_config,
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_app_token=get("SLACK_APP_TOKEN"),
        slack_client_id=get("SLACK_CLIENT_ID"),
        slack_client_secret=get("SLACK_CLIENT_SECRET"),
        slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
        slack_processing_window_seconds=120.0 if window is None else window,
        slack_history_reads_per_minute=reads,
        teams_client_id=get(TEAMS_PREFIX + "CLIENTID"),
        teams_client_secret=get(TEAMS_PREFIX + "CLIENTSECRET"),
        teams_tenant_id=get(TEAMS_PREFIX + "TENANTID"),
        teams_anonymous_allowed=anonymous,
        graph_staff_group=get("SAFEKEEP_GRAPH_STAFF_GROUP"),
        entra_authority=entra_authority,
        graph_url=graph_url,
        port=int(port_text),
        host=get("HOST") or "0.0.0.0",
        timezone=tz,
        public_url=public_url(get("SAFEKEEP_PUBLIC_URL")),
    )


def positive_number(text: str | None, name: str) -> float | None:
    """An optional positive number setting (None when not set)."""
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise ConfigError(f"{name} must be a positive number, not '{text}'.")
    return value


def public_url(url: str | None) -> str | None:
    if url and not url.startswith(("https://", "http://")):
        raise ConfigError(f"SAFEKEEP_PUBLIC_URL must start with https:// (got '{url}').")
    return url.rstrip("/") if url else None


def https_url(url: str, name: str = "SAFEKEEP_ENTRA_AUTHORITY") -> str:
    """A Microsoft endpoint's base URL, without its trailing slash; tokens go only over https."""
    if not url.startswith("https://"):
        raise ConfigError(f"{name} must start with https:// (got '{url}').")
    return url.rstrip("/")


def check_database_url(url: str) -> None:
    """One line naming what is supported, for a URL Safekeep cannot use (``mysql://...``)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from storage.database import normalise_url

    supported = "sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DATABASE"
    try:
        backend = make_url(normalise_url(url)).get_backend_name()
    except ArgumentError:
        raise ConfigError(
            f"DATABASE_URL is not a database URL; Safekeep supports {supported}."
        ) from None
    if backend not in SUPPORTED_DATABASES:
        raise ConfigError(
            f"DATABASE_URL names a {backend} database, which Safekeep does not support; it "
            f"supports SQLite and PostgreSQL: {supported}."
        )


def check_teams_identity(values: Mapping[str, str | None], anonymous: bool) -> None:
    """The Teams bot identity is all three variables or none (anonymous local testing needs
    only the tenant id)."""
    needed = ("TENANTID",) if anonymous else TEAMS_IDENTITY
    given = [name for name in TEAMS_IDENTITY if values.get(name)]
    missing = [name for name in needed if not values.get(name)]
    if (given or anonymous) and missing:
        names = " and ".join(TEAMS_PREFIX + name for name in missing)
        why = (
            "anonymous local testing still needs the tenant id"
            if anonymous
            else "the bot's identity is the client id, client secret and tenant id together"
        )
        raise ConfigError(
            f"The Microsoft Teams settings are incomplete: {names} "
            f"{'is' if len(missing) == 1 else 'are'} not set ({why}). Set "
            f"{'it' if len(missing) == 1 else 'them'} from the Azure Bot registration, or unset "
            f"every {TEAMS_PREFIX}* variable to run without Teams."
        )
