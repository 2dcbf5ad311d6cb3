"""Remind each policy's owner that its review is coming (handlers/policy_reviews.py decides)."""

from __future__ import annotations

from handlers.context import Context
from handlers.policy_reviews import reminders_due


def sweep(ctx: Context) -> int:
    return reminders_due(ctx)
