"""The console demo's clock: an admin of the console's own school can see it and move it on, so
a wait for school hours (an approval asked at 08:00, a chaser, a lapse) can be seen at once.

Only forward, only in the console on its own school, and audited. Slack and Teams schools run
on the real time.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from handlers.access import require
from handlers.context import Context
from handlers.errors import UserError

CONSOLE = "console"
USAGE = (
    "/clock shows the demo's time. An admin can move it on: /clock +2h (or +30m, +1d), or "
    "/clock 08:00 for the next 08:00. Messages that were waiting for that time are then sent."
)
ONLY_THE_CONSOLE = "The clock can be moved only in the console demo, on its own school."
NOT_UNDERSTOOD = "I didn't understand that time. " + USAGE
TOO_FAR = "Move the clock on by at most 60 days at a time."
_STEP = re.compile(r"^\+\s*(\d{1,4})\s*([mhd])$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
LONGEST = timedelta(days=60)


def shown(ctx: Context, moved: timedelta) -> str:
    """The time now, as staff read it, and how far the demo's clock has been moved on."""
    text = f"It is {ctx.local(ctx.now):%a %-d %b %Y %H:%M} at {ctx.school.name}."
    if moved > timedelta(0):
        text += f" (The demo's clock has been moved on by {_span(moved)}.)"
    return text + "\n" + USAGE


def move_to(ctx: Context, wanted: str) -> datetime:
    """The moment ``wanted`` ("+2h", "08:00") names, after checking who may move the clock."""
    if ctx.school.platform != CONSOLE or ctx.platform != CONSOLE:
        raise UserError(ONLY_THE_CONSOLE)
    require(ctx, "demo.clock", f"school:{ctx.school.id}")
    wanted = wanted.strip().lower()
    step, at = _STEP.match(wanted), _TIME.match(wanted)
    if step:
        target = ctx.now + timedelta(**{_UNITS[step.group(2)]: int(step.group(1))})
    elif at and int(at.group(1)) < 24 and int(at.group(2)) < 60:
        local = ctx.local(ctx.now)
        wall = time(int(at.group(1)), int(at.group(2)))
        day = local.date() if local.time() < wall else local.date() + timedelta(days=1)
        target = datetime.combine(day, wall, tzinfo=ctx.tz)
    else:
        raise UserError(NOT_UNDERSTOOD)
    if target - ctx.now > LONGEST:
        raise UserError(TOO_FAR)
    ctx.audit("demo.clock_moved", f"school:{ctx.school.id}", to=target.isoformat())
    return target


def moved(ctx: Context, target: datetime) -> str:
    return f"The demo's clock now says {ctx.local(target):%a %-d %b %Y %H:%M}."


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    return " ".join(p for p in parts if p) or "0m"
