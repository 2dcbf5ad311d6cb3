"""A school's numbered records (Breach #N, Concern #N): the next number, finding one by the
number staff type, and reading one under a row lock for a path that changes it.

Locks are taken in one order everywhere: the school row first (every audit append locks it
too, reading the audit chain's head: storage/audit.py), then the record. So two requests never
wait for each other in a circle; a second person acting at the same moment waits and then sees
the first one's answer. PostgreSQL takes the row locks; SQLite serialises writers already.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from sqlalchemy import func, select

from handlers.context import Context
from handlers.errors import UserError
from storage import audit

Row = TypeVar("Row")


def lock_school(ctx: Context) -> None:
    """Lock the school's row: the first lock of any path that changes a record. It is the audit
    chain's lock, which the path's audit event then needs no statement to take."""
    audit.lock(ctx.session, ctx.school.id)


def next_number(ctx: Context, model: Any) -> int:
    """One after the school's highest number of ``model`` (two reports never share one)."""
    lock_school(ctx)
    highest = ctx.session.scalar(
        select(func.max(model.number)).where(model.school_id == ctx.school.id)
    )
    return int(highest or 0) + 1


def lock(ctx: Context, model: type[Row], row: Row) -> Row:
    """``row`` freshly read under a row lock, after the school's."""
    lock_school(ctx)
    table: Any = model
    return ctx.session.scalars(
        select(table)
        .where(table.id == cast(Any, row).id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def find_by_number(ctx: Context, model: type[Row], number: str, not_found: str) -> Row:
    """The record staff call "#N" (typed as N or #N) at the actor's school."""
    digits = number.strip().lstrip("#")
    table: Any = model
    found = (
        ctx.session.scalar(
            select(table).where(table.school_id == ctx.school.id, table.number == int(digits))
        )
        if digits.isascii() and digits.isdigit() and len(digits) <= 9
        else None
    )
    if found is None:
        raise UserError(not_found)
    return found
