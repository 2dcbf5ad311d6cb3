"""The command line: console, migrate, roles, audit, keys, and the platform servers."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from sqlalchemy import make_url, select
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError

from bot import runtime
from bot.settings import ConfigError, Settings, load_settings
from handlers import admin, people
from handlers.access import ROLE_LABELS
from handlers.clock import Clock, system_clock
from handlers.context import Context
from handlers.errors import UserError
from storage import audit, crypto, rotation
from storage.database import SchemaOutOfDate, make_engine, transaction, upgrade
from storage.models import School
from storage.models.school import ROLES

log = logging.getLogger("bot")

BANNER = """Safekeep console: {school}
You are {name} <{email}>. Type /help for commands, /as EMAIL to act as someone else.
Messages Safekeep sends to other people appear in place as [DM to NAME].
This is the local console on {db}. To connect Slack, set SLACK_BOT_TOKEN and
SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode); see the README."""

Command = Callable[[argparse.Namespace, Settings, Clock], int]
COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Command]] = {}


def command(name: str, setup: Callable[[argparse.ArgumentParser], None] = lambda p: None):  # type: ignore[no-untyped-def]
    def wrap(fn: Command) -> Command:
        COMMANDS[name] = (setup, fn)
        return fn

    return wrap


def fail(message: str, code: int = 2) -> int:
    print(f"safekeep: {message}", file=sys.stderr)
    return code


# --- commands ----------------------------------------------------------------------------------


@command("migrate")
def migrate(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """upgrade the database to the newest schema"""
    upgrade(make_engine(settings.database_url))
    print("The database is up to date.")
    return 0


def _console_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as", dest="email", metavar="EMAIL", help="act as this member of staff")


@command("console", _console_setup)
def console(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """the terminal adapter; /as EMAIL switches person inside it"""
    from bot.console.app import Console
    from bot.demo import demo_config

    rt = runtime.start(settings, allow_local_key=True, clock=clock)
    school_id = runtime.ensure_console_school(rt, settings.school_config or demo_config())
    with rt.factory() as session:
        school = session.get_one(School, school_id)
        email = args.email or _first_person_email(session, school)
        name = school.name
    app = Console(rt.factory, rt.clock, school_id, email)
    if not app.email:
        return fail(f"nobody with the email '{email}' is on the staff list")
    db = "an embedded SQLite database" if settings.is_sqlite else "the configured database"
    app.run(BANNER.format(school=name, name=app.name, email=app.email, db=db))
    return 0


def _first_person_email(session, school: School) -> str:  # type: ignore[no-untyped-def]
    from bot.demo import DEMO_STAFF

    demo = people.find_by_email(session, school.id, DEMO_STAFF[0].email)
    if demo is not None:
        return demo.email
    from storage.models import Person

    first = session.scalar(select(Person).where(Person.school_id == school.id).order_by(Person.id))
    return first.email if first else ""


@command("worker")
def worker(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """scheduler and outbox dispatcher only (one per deployment, or a standby on PostgreSQL)"""
    from bot import worker as scheduling

    rt = runtime.start(settings, allow_local_key=False, clock=clock)
    senders = scheduling.platform_senders(rt)
    scheduling.run_until_stopped(scheduling.run_worker(rt, senders))
    return 0


@command("web")
def web_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """HTTP server on $PORT: Slack events, OAuth installs and /healthz; delivers the outbox"""
    from bot import web
    from bot import worker as scheduling

    rt = runtime.start(settings, allow_local_key=False, clock=clock)
    scheduling.run_until_stopped(web.serve(rt, scheduling.platform_senders(rt)))
    return 0


@command("socket")
def socket_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """Slack Socket Mode, with the scheduler and outbox in one process (no public URL needed)"""
    if not settings.slack_app_token or not settings.slack_bot_token:
        return fail(
            "Socket Mode needs SLACK_APP_TOKEN (xapp-..., an app-level token with "
            "connections:write) and SLACK_BOT_TOKEN (xoxb-...). See the README, Connecting Slack."
        )
    from bot import worker as scheduling
    from bot.slack.socket import run_socket_mode

    rt = runtime.start(settings, allow_local_key=False, clock=clock)
    scheduling.run_until_stopped(run_socket_mode(rt, scheduling.platform_senders(rt)))
    return 0


def _manifest_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("platform", choices=["slack"], help="which platform's manifest")
    p.add_argument("--url", metavar="BASE", help="where Safekeep is reachable, e.g. https://...")
    p.add_argument("--socket", action="store_true", help="for Socket Mode (no URLs)")


@command("manifest", _manifest_setup)
def manifest_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """print the Slack app manifest (paste it into api.slack.com/apps)"""
    import json

    from bot.slack.manifest import slack_manifest

    if not args.socket and not args.url:
        return fail("add --url https://your.safekeep.address, or --socket for Socket Mode")
    if args.url and not args.url.startswith("https://"):
        return fail("Slack only calls https:// addresses: --url must start with https://")
    print(json.dumps(slack_manifest(args.url, socket_mode=args.socket), indent=2))
    return 0


def _staff_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["sync"], help="sync: refresh the staff list from Slack")
    p.add_argument("--school", type=int, metavar="ID", help="needed when there are several")


@command("staff", _staff_setup)
def staff_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """refresh the staff list from Slack (members with an email; bots and deactivated skipped)"""
    import asyncio

    from slack_sdk.errors import SlackApiError

    from bot.slack.staff import sync_staff, workspace_school

    if not settings.has_slack:
        return fail("staff sync needs Slack credentials (SLACK_BOT_TOKEN, or an OAuth install)")
    rt = runtime.start(settings, allow_local_key=False, clock=clock)
    try:
        if settings.slack_client_id and settings.slack_client_secret:
            with rt.factory() as session:  # each installed workspace already has its school
                school_id = _pick_school(session, args.school).id
        else:
            school_id = asyncio.run(workspace_school(rt))
            if args.school not in (None, school_id):
                return fail(f"SLACK_BOT_TOKEN is school {school_id}'s workspace, not {args.school}")
        result = asyncio.run(sync_staff(rt, school_id))
    except SlackApiError as exc:
        return fail(f"Slack refused the staff sync: {exc.response.get('error')}")
    print(result.summary())
    return 0


def _audit_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["verify"], help="verify: check the audit chain")


@command("audit", _audit_setup)
def audit_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """check the audit chain; non-zero exit and the first broken link if tampered"""
    rt = runtime.start(settings, allow_local_key=True, clock=clock)
    with rt.factory() as session:
        breaks = audit.verify(session)
        schools = session.scalars(select(School)).all()
    if breaks:
        for found in breaks:
            print(f"Audit chain broken at {found}", file=sys.stderr)
        return 1
    total = sum(s.audit_seq for s in schools)
    print(f"Audit chain intact: {total} events across {len(schools)} school(s).")
    return 0


def _roles_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["list", "grant", "revoke"])
    p.add_argument("role", nargs="?", help=f"one of: {', '.join(ROLES)}")
    p.add_argument("email", nargs="?", help="the person's school email address")
    p.add_argument("--school", type=int, metavar="ID", help="needed when there are several")


@command("roles", _roles_setup)
def roles_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """list, grant or revoke roles from the shell"""
    if args.action != "list" and (not args.role or not args.email):
        return fail(f"usage: python -m bot roles {args.action} ROLE EMAIL")
    if args.role and args.role not in ROLES:
        return fail(f"'{args.role}' is not a role; roles are: {', '.join(ROLES)}")
    rt = runtime.start(settings, allow_local_key=True, clock=clock)
    with transaction(rt.factory) as session:
        school = _pick_school(session, args.school)
        ctx = Context(session, school, None, rt.clock, platform="cli")
        if args.action == "list":
            for role, holders in admin.role_holders(session, school.id).items():
                names = ", ".join(f"{p.display_name} <{p.email}>" for p in holders) or "-"
                print(f"{role:<20} {ROLE_LABELS[role]:<32} {names}")
            return 0
        person = people.find_by_email(session, school.id, args.email)
        if person is None:
            raise UserError(f"nobody with the email {args.email} is on {school.name}'s staff list")
        if args.action == "grant":
            done = admin.grant_role(ctx, person, args.role)
            print(
                f"Granted {args.role} to {person.email}."
                if done
                else f"{person.email} already has {args.role}."
            )
        else:
            done = admin.revoke_role(ctx, person, args.role)
            print(
                f"Revoked {args.role} from {person.email}."
                if done
                else f"{person.email} did not have {args.role}."
            )
    return 0


def _pick_school(session, school_id: int | None) -> School:  # type: ignore[no-untyped-def]
    if school_id is not None:
        school = session.get(School, school_id)
        if school is None:
            raise UserError(f"there is no school with id {school_id}")
        return school
    school = people.only_school(session)
    if school is None:
        ids = ", ".join(str(s.id) for s in session.scalars(select(School).order_by(School.id)))
        raise UserError(
            "there is no school yet"
            if not ids
            else f"there are several schools ({ids}): add --school ID"
        )
    return school


def _keys_setup(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "action",
        choices=["new", "rotate"],
        help="new: print a fresh key; rotate: re-encrypt everything under the newest key",
    )
    p.add_argument("--id", default="k1", help="the id for a new key (default k1)")


@command("keys", _keys_setup)
def keys_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """make a data key, or re-encrypt stored data under the newest key"""
    if args.action == "new":
        if not args.id.isalnum():
            return fail("a key id is letters and digits only")
        print(crypto.new_key_spec(args.id))
        return 0
    rt = runtime.start(settings, allow_local_key=True, clock=clock)
    ring = crypto.active_keys()
    with transaction(rt.factory) as session:
        count = rotation.rotate(session, ring)
    print(f"Re-encrypted {count} value(s) under key '{ring.newest_id}'.")
    return 0


def _export_setup(p: argparse.ArgumentParser) -> None:
    from handlers.registers import REGISTERS

    p.add_argument("register", choices=sorted(REGISTERS), help="which register to export")
    p.add_argument("--school", type=int, metavar="ID", help="needed when there are several")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")


@command("export", _export_setup)
def export_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """registers for governors, the DPO and the ICO (CSV or JSON)"""
    from handlers import registers

    rt = runtime.start(settings, allow_local_key=True, clock=clock)
    with transaction(rt.factory) as session:
        school = _pick_school(session, args.school)
        register = registers.export(
            Context(session, school, None, rt.clock, platform="cli"), args.register
        )
    body = _format_register(register, args.format)
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as out:
            out.write(body)
        print(f"Wrote {len(register.rows)} row(s) to {args.out}.", file=sys.stderr)
    else:
        sys.stdout.write(body)
    return 0


def _format_register(register, fmt: str) -> str:  # type: ignore[no-untyped-def]
    import csv
    import io
    import json

    if fmt == "json":
        return json.dumps(register.as_dicts(), indent=2, default=str) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(register.columns)
    for row in register.rows:
        writer.writerow([json.dumps(v) if isinstance(v, (dict, list)) else v for v in row])
    return buffer.getvalue()


# --- entry point -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Safekeep: data protection and online safety for schools, in chat. "
        "With no command: Slack if Slack credentials are set, else the local console.",
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
    args = build_parser().parse_args(argv)
    database_url = ""
    try:
        settings = load_settings()
        database_url = settings.database_url
        name = args.command or default_command(settings)
        servers = ("web", "socket", "worker")
        logging.getLogger().setLevel(logging.INFO if name in servers else logging.WARNING)
        if name == TEAMS_NOT_HERE:
            return fail(TEAMS_NOT_IN_THIS_RELEASE)
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


# The Teams adapter is not in this release: with only Teams credentials there is nothing to serve,
# and starting the console (or a web server with no Teams route) would look as if it worked.
TEAMS_NOT_HERE = "teams"
TEAMS_NOT_IN_THIS_RELEASE = (
    "Microsoft Teams is not in this release, so Safekeep cannot connect to Teams (the "
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__* variables are set). Connect Slack instead (see "
    "the README), or unset those variables to start the local console."
)


def default_command(settings: Settings) -> str:
    """What `python -m bot` does with no command: Slack, else Teams (refused), else the console."""
    if settings.has_slack:
        return "socket" if settings.slack_app_token else "web"
    if settings.has_teams:
        return TEAMS_NOT_HERE
    return "console"
