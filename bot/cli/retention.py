"""`python -m bot purge`: apply the school's retention periods now (or show what would go)."""

from __future__ import annotations

import argparse

from sqlalchemy import select

from bot import runtime
from bot.cli.school import pick_school
from bot.settings import Settings
from handlers import retention
from handlers.clock import Clock
from handlers.context import Context
from handlers.retention import messages
from storage.database import transaction
from storage.models import School


def purge_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="list what would go (kinds, ids and counts) and change nothing",
    )
    p.add_argument("--school", type=int, metavar="ID", help="one school (default: every school)")


def purge_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """apply the school's retention periods now (school.toml [retention]); audited; --dry-run
    lists what would go"""
    rt = runtime.start(settings, allow_local_key=True, clock=clock)
    with rt.factory() as session:
        if args.school is not None:
            school_ids = [pick_school(session, args.school).id]
        else:
            school_ids = list(session.scalars(select(School.id).order_by(School.id)))
    if not school_ids:
        print("There is no school yet: nothing to purge.")
        return 0
    for school_id in school_ids:  # one transaction per school, as the weekly sweep does
        if args.dry_run:
            with rt.factory() as session:  # read only: closing it rolls back
                school = session.get_one(School, school_id)
                found = retention.plan(Context(session, school, None, rt.clock, platform="cli"))
                name = school.name
        else:
            with transaction(rt.factory) as session:
                school = session.get_one(School, school_id)
                ctx = Context(session, school, None, rt.clock, platform="cli")
                found = retention.purge(ctx, trigger="cli")
                name = school.name
        for line in messages.lines(name, school_id, found, dry_run=args.dry_run):
            print(line)
    return 0
