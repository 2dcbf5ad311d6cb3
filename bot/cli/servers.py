"""The commands that run Safekeep: console, worker, web, socket, migrate, and the manifest."""

from __future__ import annotations

import argparse
import logging

from sqlalchemy import select

from bot import runtime
from bot.cli.command import fail
from bot.settings import Settings
from handlers import people
from handlers.clock import Clock
from storage.database import make_engine, upgrade
from storage.models import School

log = logging.getLogger("bot")

BANNER = """Safekeep console: {school}
You are {name} <{email}>. Type /help for commands, /as EMAIL to act as someone else.
Messages Safekeep sends to other people appear in place as [DM to NAME].
This is the local console on {db}. To connect Slack, set SLACK_BOT_TOKEN and
SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode); see the README."""


def migrate(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """upgrade the database to the newest schema"""
    done = upgrade(make_engine(settings.database_url))
    if done.created:
        print(f"Created the database at the newest schema ({done.after}).")
    elif done.changed:
        print(f"Upgraded the database from {done.before} to {done.after}.")
    else:
        print(f"The database was already up to date ({done.after}).")
    return 0


def console_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as", dest="email", metavar="EMAIL", help="act as this member of staff")


def console(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """the terminal adapter; /as EMAIL switches person inside it"""
    from bot.console.app import Console
    from bot.demo import demo_config, school_date

    rt = runtime.start(settings, allow_local_key=True, clock=clock)
    config = settings.school_config or demo_config(school_date(rt.clock()))
    school_id = runtime.ensure_console_school(rt, config)
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


def worker(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """scheduler and outbox dispatcher only (one per deployment, or a standby on PostgreSQL)"""
    from bot import worker as scheduling

    rt = runtime.start(settings, allow_local_key=False, clock=clock)
    senders = scheduling.platform_senders(rt)
    try:
        scheduling.run_until_stopped(scheduling.run_worker(rt, senders))
    except BaseException as exc:
        log.error("worker stopped: %s", type(exc).__name__)
        raise
    log.info("worker stopped")
    return 0


def web_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-platform",
        action="store_true",
        help="start with no chat platform configured (only /healthz and the outbox)",
    )


NO_PLATFORM = (
    "web has no chat platform to serve: set the Slack credentials (SLACK_BOT_TOKEN and "
    "SLACK_SIGNING_SECRET, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET; see the README, "
    "Connecting Slack) or the Microsoft Teams bot identity (CONNECTIONS__SERVICE_CONNECTION__"
    "SETTINGS__CLIENTID, __CLIENTSECRET and __TENANTID; see the README, Connecting Microsoft "
    "Teams). To start it anyway, with only /healthz, add --no-platform."
)


def web_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """HTTP server on $HOST:$PORT: Slack events, OAuth installs, Teams (/api/messages) and
    /healthz; delivers the outbox"""
    from bot import web
    from bot import worker as scheduling

    if not (settings.has_slack or settings.has_teams or args.no_platform):
        return fail(NO_PLATFORM)
    rt = runtime.start(settings, allow_local_key=False, clock=clock)
    scheduling.run_until_stopped(web.serve(rt, scheduling.platform_senders(rt), host=settings.host))
    log.info("web stopped")
    return 0


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


def manifest_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("platform", choices=["slack", "teams"], help="which platform's manifest")
    p.add_argument("--url", metavar="BASE", help="where Safekeep is reachable, e.g. https://...")
    p.add_argument("--socket", action="store_true", help="for Socket Mode (no URLs)")
    p.add_argument("--app-id", metavar="ID", help="Teams: the bot's Microsoft App ID (a GUID)")
    p.add_argument(
        "--out", metavar="FILE.zip", default="safekeep-teams.zip", help="Teams: the package"
    )


def manifest_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """print the Slack app manifest, or write the Teams app package"""
    import json

    from bot.slack.manifest import slack_manifest

    if args.platform == "teams":
        return teams_package(args)
    if not args.socket and not args.url:
        return fail("add --url https://your.safekeep.address, or --socket for Socket Mode")
    if args.url and not args.url.startswith("https://"):
        return fail("Slack only calls https:// addresses: --url must start with https://")
    print(json.dumps(slack_manifest(args.url, socket_mode=args.socket), indent=2))
    return 0


def teams_package(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.teams.manifest import ManifestError, write_package

    if not args.url or not args.app_id:
        return fail("add --url https://your.safekeep.address and --app-id (the bot's App ID)")
    try:
        write_package(args.url, args.app_id, Path(args.out))
    except ManifestError as exc:
        return fail(str(exc))
    print(f"Wrote the Teams app package to {args.out}: upload it in the Teams admin centre.")
    return 0


def sweep(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """run every scheduled sweep once, now (chasers, AUP campaign, ICO clock, escalations,
    term dates), then deliver what it queued and exit: the worker's own code, for cron hosts and
    checks (run under a moved clock, it behaves as on that date)"""
    import asyncio

    from bot import worker as scheduling
    from bot.delivery import Dispatcher
    from schedules import sweeps

    rt = runtime.start(settings, allow_local_key=True, clock=clock)
    with rt.factory() as session:
        schools = len(session.scalars(select(School.id)).all())
    queued = sweeps.run_all(rt.factory, rt.clock)
    print(
        f"Ran {len(sweeps.SWEEPS)} sweeps ({', '.join(sweeps.SWEEPS)}) for {schools} school(s) "
        f"at {rt.clock():%Y-%m-%d %H:%M} UTC: {queued} message(s) queued."
    )
    senders = scheduling.platform_senders(rt)
    if senders:
        sent = asyncio.run(Dispatcher(rt.factory, senders, rt.clock).deliver_due())
        print(f"Delivered {sent} message(s) through {', '.join(sorted(senders))}.")
    waiting = _waiting(rt)
    if waiting:
        print(
            f"{waiting} message(s) wait in the outbox"
            + (
                "; the worker (or the next sweep) retries them."
                if senders
                else ": no Slack or Teams credentials are set here, so the worker or web "
                "process delivers them (the console shows its own school's when it runs)."
            )
        )
    return 0


def _waiting(rt: runtime.Runtime) -> int:
    from sqlalchemy import func

    from storage.models import OutboxMessage

    with rt.factory() as session:
        return (
            session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.status == "pending")
            )
            or 0
        )
