"""Retention: what expires when (shared/DOMAIN.md §7, the school's [retention] settings), and
the purge that removes it, from `python -m bot purge` or the weekly sweep."""

from handlers.retention.purge import purge, weekly_purge
from handlers.retention.rules import Expired, Plan, plan

__all__ = ["Expired", "Plan", "plan", "purge", "weekly_purge"]
