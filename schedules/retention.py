"""The weekly purge: once a week, at night, apply the school's retention periods
(handlers/retention decides what goes and when; the ledger makes it once a week)."""

from __future__ import annotations

from handlers import retention
from handlers.context import Context


def sweep(ctx: Context) -> int:
    retention.weekly_purge(ctx)
    return 0  # it sends nothing
