"""The command line, `python -m bot COMMAND`: the parser and the entry point.

The commands themselves are split by concern: servers.py (console, web, socket, worker,
migrate), school.py (staff, audit, roles, export), aup.py (aup publish), security.py (keys),
retention.py (purge) and doctor.py (doctor).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError

from bot import log_hygiene
from bot.cli import aup, doctor, report, retention, school, security, servers
from bot.cli.command import Command, Options, fail, no_options
from bot.settings import ConfigError, Settings, environment, load_settings
from handlers.clock import Clock, system_clock
from handlers.errors import UserError
from storage import crypto
from storage.database import SchemaOutOfDate

log = logging.getLogger("bot")

# Every command, in the order `python -m bot --help` lists them; each one's docstring is its help.
COMMANDS: dict[str, tuple[Options, Command]] = {
    "migrate": (no_options, servers.migrate),
    "console": (servers.console_options, servers.console),
    "worker": (no_options, servers.worker),
    "web": (servers.web_options, servers.web_command),
    "socket": (no_options, servers.socket_command),
    "manifest": (servers.manifest_options, servers.manifest_command),
    "staff": (school.staff_options, school.staff_command),
    "audit": (school.audit_options, school.audit_command),
    "roles": (school.roles_options, school.roles_command),
    "keys": (security.keys_options, security.keys_command),
    "export": (school.export_options, school.export_command),
    "aup": (aup.aup_options, aup.aup_command),
    "report": (report.report_options, report.report_command),
    "doctor": (doctor.doctor_options, doctor.doctor_command),
    "sweep": (no_options, servers.sweep),
    "school": (school.school_options, school.school_command),
    "purge": (retention.purge_options, retention.purge_command),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Safekeep: data protection and online safety for schools, in chat. "
        "With no command: Slack if Slack credentials are set, else Teams (the web server) if "
        "Teams credentials are set, else the local console.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (setup, fn) in COMMANDS.items():
        setup(sub.add_parser(name, help=fn.__doc__, description=fn.__doc__))
    return parser


def main(argv: Sequence[str] | None = None, clock: Clock = system_clock) -> int:
    """Run one command; ``clock`` is the one time source every command runs on (tests pass
    their own)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    log_hygiene.install()
    args = build_parser().parse_args(argv)
    database_url = ""
    try:
        settings = load_settings(environment())
        database_url = settings.database_url
        name = args.command or default_command(settings)
        servers = ("web", "socket", "worker")
        logging.getLogger().setLevel(logging.INFO if name in servers else logging.WARNING)
        if name not in COMMANDS:
            return fail(f"'{name}' is not available in this build")
        if args.command is None:
            args = build_parser().parse_args([name])
        code = COMMANDS[name][1](args, settings, clock)
        sys.stdout.flush()  # here, so a reader that went away is noticed below, not at exit
        return code
    except (ConfigError, SchemaOutOfDate, crypto.KeyConfigError, UserError) as exc:
        return fail(getattr(exc, "message", None) or str(exc))
    except (OperationalError, InterfaceError) as exc:
        return fail(f"cannot reach the database {_shown(database_url)}: {_reason(exc)}")
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, and keep Python from complaining
        # about the output it could not flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130


def _shown(database_url: str) -> str:
    """DATABASE_URL as it may be printed: any password replaced by ***."""
    try:
        return f"{make_url(database_url).render_as_string(hide_password=True)} (DATABASE_URL)"
    except ArgumentError:
        return "(DATABASE_URL)"


def _reason(exc: DBAPIError) -> str:
    """The driver's own first line ("Connection refused", "unable to open database file")."""
    text = str(exc.orig if exc.orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def default_command(settings: Settings) -> str:
    """What `python -m bot` does with no command: Slack, else Teams (the web server, which
    serves /api/messages), else the console."""
    if settings.has_slack:
        return "socket" if settings.slack_app_token else "web"
    if settings.has_teams:
        return "web"
    return "console"
