"""`python -m bot aup publish`: publish an Acceptable Use Policy version from the shell.

The same checks, audit event and one notice to the people it applies to as `/aup publish` in
chat (handlers/aup/versions.py); the shell acts as the system, so the audit names no person.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from bot import runtime
from bot.cli.command import fail
from bot.cli.school import pick_school
from bot.settings import Settings
from handlers.aup.roster import GROUP_LABELS
from handlers.aup.versions import publish
from handlers.clock import Clock
from handlers.context import Context
from handlers.forms import FormErrors
from storage.database import transaction
from storage.models.school import ROLE_GROUPS

# What each of the dialog's fields is called on the command line, to name it in an error.
OPTION_OF = {
    "version": "--version",
    "title": "--title",
    "text": "--file",
    "url": "--url",
    "effective": "--effective",
    "groups": "--groups",
}
DEFAULT_TITLE = "Staff Acceptable Use Policy"


def aup_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["publish"], help="publish: a new version for some groups")
    p.add_argument("--file", required=True, metavar="F", help="the policy's wording (UTF-8 text)")
    p.add_argument("--version", required=True, metavar="V", help="its version number, e.g. 2026.1")
    p.add_argument(
        "--groups",
        required=True,
        metavar="G,...",
        help=f"who it applies to, comma-separated: {','.join(ROLE_GROUPS)}",
    )
    p.add_argument("--effective", required=True, metavar="YYYY-MM-DD", help="in force from")
    p.add_argument("--title", default=DEFAULT_TITLE, help=f"default: {DEFAULT_TITLE}")
    p.add_argument("--url", metavar="U", help="a link to the full policy")
    p.add_argument("--school", type=int, metavar="ID", help="needed when there are several")


def aup_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """publish an Acceptable Use Policy version for some groups (audited); everyone it applies
    to is asked to agree to it"""
    file = Path(args.file)
    if not file.is_file():
        return fail(f"--file: {file} is not a file")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return fail(f"--file: {file} cannot be read as UTF-8 text ({type(exc).__name__})")
    try:
        effective = date.fromisoformat(args.effective)
    except ValueError:
        return fail(f"--effective: '{args.effective}' is not a date like 2026-09-01")
    groups = [g.strip().lower() for g in args.groups.split(",") if g.strip()]
    rt = runtime.start(settings, allow_local_key=True, clock=clock)
    with transaction(rt.factory) as session:
        school = pick_school(session, args.school)
        ctx = Context(session, school, None, rt.clock, platform="cli")
        try:
            done = publish(
                ctx, args.version.strip(), args.title.strip(), text, args.url, effective, groups
            )
        except FormErrors as exc:  # refused before anything was written
            for name, problem in exc.errors.items():
                fail(f"{OPTION_OF.get(name, name)}: {problem.replace('*', '')}")
            return 2
        version = done.version
        if not done.new:
            print(f"Version {version.version} is already published with this wording: no change.")
            return 0
        names = ", ".join(GROUP_LABELS[g] for g in version.groups)
        print(f"Published {version.title}, version {version.version}, for {names}.")
        print(f"Effective {version.effective_date.isoformat()} · SHA-256 {version.text_hash}")
        if done.told:
            print(f"{done.told} people were sent a message asking them to agree to it.")
        elif version.effective_date > ctx.today:
            print("People are asked to agree to it from its effective date.")
        return 0
