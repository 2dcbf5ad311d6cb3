"""`python -m bot doctor`: check the set-up end to end and say what to do about each failure.

One line per check, ✓ or ✗, in the order a technician would fix them: the database, its schema,
the data keys (every key id the stored data needs, and a sample of every encrypted column), the
chat platform's credentials and scopes, and for each school its term dates and required roles.
It changes nothing: no key file is made, no schema migrated. Exit status 0 only when all pass.
"""

from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.settings import ConfigError, Settings, env_file
from handlers import admin
from handlers.access import ROLE_LABELS
from handlers.clock import Clock
from handlers.school_calendar import SchoolCalendar
from handlers.settings import SchoolSettings
from storage import crypto, rotation
from storage.crypto import WHERE_KEYS_COME_FROM, KeyConfigError, KeyRing, MissingKeyError
from storage.database import SchemaOutOfDate, check_schema, make_engine, session_factory
from storage.models import School

# Roles every school needs before Safekeep can tell the right people about a breach or concern.
REQUIRED_ROLES = ("headteacher", "dsl", "dpo", "it_lead", "online_safety_lead")
# Term dates must reach this many school days ahead, so chasers and deadlines keep to term time.
SCHOOL_DAYS_AHEAD = 60


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, whether it passed, what was found or to do."""

    name: str
    ok: bool | None  # None: not checked, because an earlier check failed
    detail: str

    def line(self) -> str:
        mark = {True: "✓", False: "✗", None: "-"}[self.ok]
        return f"{mark} {self.name}: {self.detail}"


def doctor_options(p: argparse.ArgumentParser) -> None:
    """doctor takes no options."""


def doctor_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """check the set-up end to end (database, schema, keys, credentials and scopes, term dates,
    roles) and say what to do; exit status 0 only when every check passes"""
    checks = list(run_checks(settings, clock))
    for check in checks:
        print(check.line())
    failed = sum(1 for c in checks if c.ok is not True)
    print("All checks passed." if not failed else f"{failed} check(s) need attention.")
    return 0 if not failed else 1


def run_checks(settings: Settings, clock: Clock) -> Iterator[Check]:
    yield from private_files_check(settings)
    engine = _reachable(settings)
    if isinstance(engine, Check):
        yield engine
        for name in ("schema", "data keys", "encrypted data", "schools"):
            yield Check(name, None, "not checked: the database must be reachable first")
        yield from platform_checks(settings, None)
        return
    try:
        yield Check("database", True, f"reachable ({_shown(settings.database_url)})")
        schema = schema_check(engine)
        yield schema
        ring = _key_ring(settings, engine)
        if isinstance(ring, Check):
            yield ring
            if ring.ok:
                yield Check("encrypted data", True, "none stored yet")
            else:
                yield Check("encrypted data", None, "not checked: the data keys must load first")
        else:
            crypto.use_keys(ring)  # stored Slack tokens are read through the encrypted columns
            yield keys_check(engine, ring, settings)
            yield samples_check(engine, ring)
        usable = schema.ok and isinstance(ring, KeyRing)
        yield from platform_checks(settings, engine if usable else None)
        if schema.ok:
            yield from school_checks(engine, settings, clock)
        else:
            yield Check("schools", None, "not checked: the schema must be current first")
    finally:
        engine.dispose()


# --- the files that hold secrets -----------------------------------------------------------


def private_files_check(settings: Settings) -> Iterator[Check]:
    """The env file and the key file hold keys and tokens: nobody else may read them."""
    files = [("env file", env_file()), ("key file", settings.local_key_file)]
    for name, path in files:
        if path is None or not path.is_file() or os.name != "posix":
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & stat.S_IROTH:
            yield Check(
                name,
                False,
                f"{path} holds keys or tokens and anyone on this machine can read it: "
                f"chmod 640 {path} (or 600)",
            )


# --- the database ---------------------------------------------------------------------------


def _shown(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


def _reachable(settings: Settings) -> Engine | Check:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database or "")
        if not path.exists():  # connecting would make an empty database file there
            return Check(
                "database",
                False,
                f"there is no database file {path} (DATABASE_URL). Run from the folder that "
                "holds it, correct DATABASE_URL, restore your backup, or make a new one with "
                "python -m bot migrate",
            )
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
        return Check(
            "database",
            False,
            f"cannot reach {_shown(settings.database_url)} (DATABASE_URL): "
            f"{reason[0] if reason else type(exc).__name__}. Check the address, that the server "
            "is running, and the user name and password",
        )
    return engine


def schema_check(engine: Engine) -> Check:
    try:
        check_schema(engine)
    except SchemaOutOfDate as exc:
        return Check("schema", False, str(exc))
    return Check("schema", True, "current")


# --- the data keys --------------------------------------------------------------------------


def _key_ring(settings: Settings, engine: Engine) -> KeyRing | Check:
    in_use = rotation.key_ids_in_use(engine)
    try:
        return settings.key_ring(allow_local_key=True, create=False, keys_in_use=lambda: in_use)
    except ConfigError as exc:
        key_file = settings.local_key_file
        if not in_use and not settings.data_keys and key_file and not key_file.exists():
            return Check(
                "data keys",
                not settings.has_slack,
                f"no encrypted data yet: the console makes the key file {key_file} at first use "
                "(web, socket and worker need SAFEKEEP_DATA_KEYS: python -m bot keys new)",
            )
        return Check("data keys", False, str(exc))


def keys_check(engine: Engine, ring: KeyRing, settings: Settings) -> Check:
    in_use = rotation.key_ids_in_use(engine)
    missing = sorted(set(in_use) - set(ring.ids))
    if missing:
        needed = ", ".join(f"'{k}' (in {', '.join(sorted(in_use[k]))})" for k in missing)
        return Check(
            "data keys",
            False,
            f"the stored data needs key {needed}, which {ring.source} does not hold. Put the "
            f"missing key back (after any newer key). {WHERE_KEYS_COME_FROM}",
        )
    if not settings.data_keys and settings.has_slack:
        return Check(
            "data keys",
            False,
            f"the keys come from {ring.source}, which only the console and shell tools use: web, "
            "socket and worker need SAFEKEEP_DATA_KEYS. Set it to that file's contents",
        )
    used = ", ".join(sorted(in_use)) or "none yet"
    return Check("data keys", True, f"{ring.source} holds every key in use ({used})")


def samples_check(engine: Engine, ring: KeyRing) -> Check:
    problems = []
    opened = 0
    for column, values in rotation.samples(engine).items():
        for value in values:
            try:
                ring.open(value)
            except MissingKeyError as exc:
                problems.append(f"{column}: {exc}")
                break
            except KeyConfigError as exc:
                problems.append(f"{column}: {exc}")
                break
            opened += 1
    if problems:
        return Check("encrypted data", False, " ".join(problems))
    if not opened:
        return Check("encrypted data", True, "none stored yet")
    return Check("encrypted data", True, f"a sample of {opened} stored value(s) decrypts")


# --- the chat platform ----------------------------------------------------------------------


def platform_checks(settings: Settings, engine: Engine | None) -> Iterator[Check]:
    """The chat platform's credentials; ``engine`` (with the keys loaded) reads OAuth installs,
    None when the database or the keys are not usable."""
    if settings.teams_anonymous_allowed:
        yield Check(
            "Microsoft Teams",
            False,
            "anonymous requests are allowed (CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
            "ANONYMOUS_ALLOWED=true): for local testing only; unset it and set the bot's client "
            "id, client secret and tenant id",
        )
    elif settings.has_teams:
        yield Check(
            "Microsoft Teams",
            True,
            f"bot identity set (client id {settings.teams_client_id}, tenant "
            f"{settings.teams_tenant_id}); Microsoft checks the secret when the bot first "
            "answers: send it a message in Teams",
        )
    if settings.has_teams:
        yield Check(
            "Teams file links",
            bool(settings.public_url),
            f"the termly report's download links point at {settings.public_url}/files/"
            if settings.public_url
            else "SAFEKEEP_PUBLIC_URL is not set: Teams DMs link to their files (the termly "
            "report to governors) on this server; set it to the address Teams reaches "
            "Safekeep at, e.g. https://safekeep.yourschool.org.uk",
        )
    if not settings.has_slack:
        yield Check(
            "Slack",
            True,
            "not configured"
            + (
                ""
                if settings.has_teams
                else ": the console and shell tools only (web needs "
                "Slack or Teams, or --no-platform)"
            ),
        )
        return
    if settings.slack_bot_token:
        yield slack_token_check("Slack", settings.slack_bot_token, settings)
        return
    if engine is None:
        yield Check(
            "Slack",
            None,
            "not checked: the installed workspaces' tokens are stored in "
            "the database, which needs the data keys first",
        )
        return
    try:
        tokens = _installed_tokens(engine)
    except MissingKeyError as exc:
        yield Check("Slack", False, f"the stored Slack tokens cannot be read: {exc}")
        return
    if not tokens:
        yield Check(
            "Slack",
            True,
            "OAuth is configured and no workspace has installed Safekeep yet "
            "(GET /slack/install installs it)",
        )
    for team_id, token in tokens:
        yield slack_token_check(f"Slack workspace {team_id}", token, settings)


def _installed_tokens(engine: Engine) -> list[tuple[str, str]]:
    from storage.models.slack import slack_bots

    with session_factory(engine)() as session:
        rows = session.execute(
            select(slack_bots.c.team_id, slack_bots.c.bot_token).order_by(
                slack_bots.c.installed_at.desc()
            )
        ).all()
    latest: dict[str, str] = {}
    for team_id, token in rows:
        if token and team_id not in latest:
            latest[team_id] = token
    return sorted(latest.items())


def slack_token_check(name: str, token: str, settings: Settings) -> Check:
    """auth.test through SLACK_API_URL, and the scopes Slack granted against the manifest's."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    from bot.slack.manifest import BOT_SCOPES

    client = WebClient(token=token, base_url=settings.slack_api_url, timeout=15)
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error")
        return Check(
            name,
            False,
            f"Slack refused the bot token ({error}). Copy the Bot User OAuth Token (xoxb-...) "
            "from your app's OAuth & Permissions page at api.slack.com/apps into "
            "SLACK_BOT_TOKEN, or reinstall the app",
        )
    except OSError as exc:
        return Check(
            name,
            False,
            f"cannot reach Slack at {settings.slack_api_url} (SLACK_API_URL): {exc}. Check the "
            "server's internet access and proxy",
        )
    granted = _scopes(answer.headers)
    missing = [scope for scope in BOT_SCOPES if scope not in granted]
    team = answer.get("team") or answer.get("team_id")
    if missing:
        return Check(
            name,
            False,
            f"the token works for '{team}' but lacks the scope(s) {', '.join(missing)}. Update "
            "the app from `python -m bot manifest slack` (OAuth & Permissions, or the App "
            "Manifest page) and reinstall it to the workspace",
        )
    return Check(name, True, f"the bot token works for '{team}' with every scope it needs")


def _scopes(headers: Any) -> set[str]:
    for key, value in dict(headers or {}).items():
        if key.lower() == "x-oauth-scopes":
            text_value = value[0] if isinstance(value, list) else value
            return {s.strip() for s in str(text_value).split(",") if s.strip()}
    return set()


# --- each school ----------------------------------------------------------------------------


def school_checks(engine: Engine, settings: Settings, clock: Clock) -> Iterator[Check]:
    with session_factory(engine)() as session:
        schools = session.scalars(select(School).order_by(School.id)).all()
        if not schools:
            yield Check(
                "schools",
                True,
                "none yet: a school is made on first use (or by python -m bot staff sync)",
            )
            return
        for school in schools:
            label = f"'{school.name}' (id {school.id})"
            yield term_dates_check(label, SchoolSettings.from_json(school.settings), clock)
            yield roles_check(label, admin.role_holders(session, school.id))


def term_dates_check(label: str, school_settings: SchoolSettings, clock: Clock) -> Check:
    calendar = SchoolCalendar(school_settings)
    today = calendar.today(clock())
    needed = calendar.add_school_days(today, SCHOOL_DAYS_AHEAD)
    first = min((term.start for term in school_settings.terms), default=None)
    last = calendar.last_term_end
    name = f"term dates {label}"
    todo = (
        f"add the terms up to at least {_day(needed)} to school.toml ([[terms]]) and apply it "
        "to the school"
    )
    if first is None or last is None:
        return Check(name, False, f"no terms are configured: {todo}")
    if first > today:
        return Check(name, False, f"the first term starts {_day(first)}, after today: {todo}")
    if last < needed:
        return Check(
            name,
            False,
            f"the terms end {_day(last)}, before {SCHOOL_DAYS_AHEAD} school days from today: "
            f"{todo}",
        )
    return Check(name, True, f"cover today and the next {SCHOOL_DAYS_AHEAD} school days")


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def roles_check(label: str, holders: dict[str, list[Any]]) -> Check:
    missing = [role for role in REQUIRED_ROLES if not holders.get(role)]
    name = f"roles {label}"
    if missing:
        who = ", ".join(f"{ROLE_LABELS[r]} ({r})" for r in missing)
        return Check(
            name,
            False,
            f"nobody holds {who}. Grant each with python -m bot roles grant ROLE EMAIL, or "
            "name them under [roles] in school.toml",
        )
    return Check(name, True, "every required role is filled")
