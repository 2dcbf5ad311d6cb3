"""The scheduler's sweeps: each looks at what is due for one school and queues messages.

A sweep is ``def sweep(ctx: Context) -> int`` (ctx.actor is None: it runs as the system) and
returns how many notifications it queued. Correctness lives in the notification ledger, so a
sweep run twice, or by two workers, sends nothing twice. Each (school, sweep) pair runs in its
own transaction, so one school's problem never stops another's reminders.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handlers.clock import Clock
from handlers.context import Context
from schedules import (
    aup_campaign,
    breach_clock,
    concern_clock,
    governors_report,
    offsite_chasers,
    policy_reviews,
    retention,
    term_dates,
)
from storage.database import transaction
from storage.models import School

log = logging.getLogger(__name__)

Sweep = Callable[[Context], int]

# Every sweep, by name; adding one is one entry here (e.g. "offsite_chasers": module.sweep).
SWEEPS: dict[str, Sweep] = {
    "aup_campaign": aup_campaign.sweep,
    "breach_clock": breach_clock.sweep,
    "concern_clock": concern_clock.sweep,
    "offsite_chasers": offsite_chasers.sweep,
    "term_dates": term_dates.sweep,
    "governors_report": governors_report.sweep,
    "policy_reviews": policy_reviews.sweep,
    "retention": retention.sweep,
}


def run_all(factory: sessionmaker[Session], clock: Clock, only: str | None = None) -> int:
    """Run every sweep (or just ``only``) for every school; returns notifications queued."""
    with factory() as session:
        school_ids = list(session.scalars(select(School.id).order_by(School.id)))
    queued = 0
    for school_id in school_ids:
        for name, sweep in SWEEPS.items():
            if only and name != only:
                continue
            try:
                with transaction(factory) as session:
                    school = session.get_one(School, school_id)
                    queued += sweep(Context(session, school, None, clock, platform="scheduler"))
            except Exception:
                log.exception("sweep %s failed for school %s; the others go on", name, school_id)
    return queued
