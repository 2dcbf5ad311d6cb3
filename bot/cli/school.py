"""The commands that look after a school from the shell: staff, audit, roles and export."""

from __future__ import annotations

import argparse
import os
import stat
import sys

from sqlalchemy import select

from bot import runtime
from bot.cli.command import fail
from bot.cli.register_files import format_register
from bot.settings import Settings
from handlers import admin, people
from handlers.access import ROLE_LABELS
from handlers.clock import Clock
from handlers.context import Context
from handlers.errors import UserError
from storage import audit
from storage.database import transaction
from storage.models import School
from storage.models.school import ROLES

SOURCES = ("slack", "entra", "csv")


def staff_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["sync"], help="sync: refresh the staff list")
    p.add_argument(
        "--from",
        dest="source",
        nargs="+",
        default=["slack"],
        metavar=("SOURCE", "FILE"),
        help="slack (the default), entra (the SAFEKEEP_GRAPH_STAFF_GROUP group) or csv FILE "
        "(columns email,name[,group])",
    )
    p.add_argument("--school", type=int, metavar="ID", help="needed when there are several")


def staff_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """refresh the staff list from Slack, an Entra ID group or a CSV; leavers are marked
    inactive, never deleted"""
    source, *rest = args.source
    if source not in SOURCES:
        return fail(
            f"'{source}' is not a staff list; use --from slack, --from entra or --from csv FILE"
        )
    if (source == "csv") != bool(rest) or len(rest) > 1:
        return fail(
            "usage: python -m bot staff sync --from csv FILE"
            if source == "csv"
            else f"usage: python -m bot staff sync --from {source} (no file)"
        )
    if source == "csv":
        return _sync_csv(args, settings, clock, rest[0])
    if source == "entra":
        return _sync_entra(args, settings, clock)
    return _sync_slack(args, settings, clock)


def _sync_slack(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    import asyncio

    from slack_sdk.errors import SlackApiError

    from bot.slack.staff import sync_staff, workspace_school

    if not settings.has_slack:
        return fail("staff sync needs Slack credentials (SLACK_BOT_TOKEN, or an OAuth install)")
    rt = runtime.start(settings, allow_local_key=False, clock=clock)
    try:
        if settings.slack_client_id and settings.slack_client_secret:
            with rt.factory() as session:  # each installed workspace already has its school
                school_id = pick_school(session, args.school).id
        else:
            school_id = asyncio.run(workspace_school(rt))
            if args.school not in (None, school_id):
                return fail(f"SLACK_BOT_TOKEN is school {school_id}'s workspace, not {args.school}")
        result = asyncio.run(sync_staff(rt, school_id))
    except SlackApiError as exc:
        return fail(f"Slack refused the staff sync: {exc.response.get('error')}")
    print(result.summary())
    return 0


def _sync_entra(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    import asyncio

    from bot.teams.graph import group_members
    from bot.teams.identity import Directory

    if not (settings.teams_client_id and settings.teams_client_secret and settings.teams_tenant_id):
        return fail(
            "staff sync --from entra needs the Teams bot identity: "
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID, __CLIENTSECRET and __TENANTID"
        )
    if not settings.graph_staff_group:
        return fail(
            "staff sync --from entra needs SAFEKEEP_GRAPH_STAFF_GROUP: the object id of the "
            "Entra ID group whose members are the staff"
        )
    members = group_members(settings)  # before touching the database: a refusal changes nothing
    rt = runtime.start(settings, allow_local_key=False, clock=clock)
    if args.school is not None:
        with rt.factory() as session:
            school_id = pick_school(session, args.school).id
    else:  # the tenant's school, made on first use as the Teams adapter does
        directory = Directory(rt, settings.school_config)
        school_id = asyncio.run(directory.school_id(settings.teams_tenant_id))
    print(_apply_sync(rt, school_id, people.ENTRA, members).summary())
    return 0


def _sync_csv(args: argparse.Namespace, settings: Settings, clock: Clock, path: str) -> int:
    from handlers.staff_csv import read_staff_csv

    try:
        with open(path, encoding="utf-8-sig", newline="") as file:
            text = file.read()
    except FileNotFoundError:
        return fail(f"there is no file {path}")
    except (OSError, UnicodeDecodeError) as exc:
        why = (
            "it is not UTF-8 text (save it as 'CSV UTF-8')"
            if isinstance(exc, UnicodeDecodeError)
            else exc.strerror
        )
        return fail(f"cannot read {path}: {why}")
    try:
        members = read_staff_csv(text)
    except UserError as exc:
        return fail(f"{path}: {exc.message}")
    rt = runtime.start(settings, allow_local_key=True, clock=clock)
    with rt.factory() as session:
        school_id = pick_school(session, args.school).id
    print(_apply_sync(rt, school_id, people.CSV, members).summary())
    return 0


def _apply_sync(
    rt: runtime.Runtime, school_id: int, source: people.StaffSource, members: list[people.Member]
) -> people.SyncResult:
    with transaction(rt.factory) as session:
        school = session.get_one(School, school_id)
        ctx = Context(session, school, None, rt.clock, platform="cli")
        return people.sync_staff(ctx, source, members)


def audit_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["verify"], help="verify: check the audit chain")


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


def roles_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["list", "grant", "revoke"])
    p.add_argument("role", nargs="?", help=f"one of: {', '.join(ROLES)}")
    p.add_argument("email", nargs="?", help="the person's school email address")
    p.add_argument("--school", type=int, metavar="ID", help="needed when there are several")


def roles_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """list, grant or revoke roles from the shell"""
    if args.action != "list" and (not args.role or not args.email):
        return fail(f"usage: python -m bot roles {args.action} ROLE EMAIL")
    if args.role and args.role not in ROLES:
        return fail(f"'{args.role}' is not a role; roles are: {', '.join(ROLES)}")
    rt = runtime.start(settings, allow_local_key=True, clock=clock)
    with transaction(rt.factory) as session:
        school = pick_school(session, args.school)
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


def pick_school(session, school_id: int | None) -> School:  # type: ignore[no-untyped-def]
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


def export_options(p: argparse.ArgumentParser) -> None:
    from handlers.registers import REGISTERS

    p.add_argument("register", choices=sorted(REGISTERS), help="which register to export")
    p.add_argument("--school", type=int, metavar="ID", help="needed when there are several")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")


def export_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """registers for governors, the DPO and the ICO (CSV or JSON; --out files readable by you only)"""
    from handlers import registers

    rt = runtime.start(settings, allow_local_key=True, clock=clock)
    with transaction(rt.factory) as session:
        school = pick_school(session, args.school)
        register = registers.export(
            Context(session, school, None, rt.clock, platform="cli"), args.register
        )
    body = format_register(register, args.format)
    if args.out:
        write_private(args.out, body)
        print(
            f"Wrote {len(register.rows)} row(s) to {args.out}, readable only by you "
            "(mode 600): it holds personal data, so keep it that way.",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(body)
    return 0


def write_private(path: str, body: str) -> None:
    """Write ``body`` to a file only its owner can read or write (0600): new files are created
    so, and an existing file is tightened before anything is written to it."""
    private = stat.S_IRUSR | stat.S_IWUSR
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, private)
    try:
        if hasattr(os, "fchmod"):  # POSIX; on Windows the file keeps the folder's permissions
            os.fchmod(fd, private)
        out = os.fdopen(fd, "w", encoding="utf-8", newline="")
    except BaseException:
        os.close(fd)
        raise
    with out:
        out.write(body)


def school_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "action", choices=["apply"], help="apply: make the school match SAFEKEEP_SCHOOL_CONFIG"
    )
    p.add_argument("--school", type=int, metavar="ID", help="needed when there are several")


def school_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """apply a changed school.toml (SAFEKEEP_SCHOOL_CONFIG) to an existing school: term dates,
    hours, roles, staff and AUP documents; prints and audits what changed"""
    from handlers.school_apply import apply_changed_config

    config = settings.school_config
    if config is None:
        return fail(
            "school apply needs SAFEKEEP_SCHOOL_CONFIG: the path of the school.toml to apply"
        )
    rt = runtime.start(settings, allow_local_key=True, clock=clock)
    with transaction(rt.factory) as session:
        school = pick_school(session, args.school)
        name = school.name
        changes = apply_changed_config(
            Context(session, school, None, rt.clock, platform="cli"), config
        )
    print(f"{name} (school {school.id}):")
    for line in changes.lines():
        print(line)
    return 0
