"""The scheduler's sweeps: each looks at what is due for the schools and queues messages.

A sweep is ``def sweep(ctx: Context) -> int`` for one school (ctx.actor is None: it runs as the
system) and returns how many notifications it queued. The busy ones (off-site chasers, the AUP
campaign, the breach and concern clocks) are ``@AllSchools``: given every school's context at
once, they read and write for all of them in a number of statements that does not grow with
the data. Correctness lives in the notification
ledger, so a sweep run twice, or by two workers, sends nothing twice.

Each sweep runs for all schools in one transaction (one school after another, or all at once);
if that fails, it runs again school by school, each in its own transaction, so one school's
problem never stops another's reminders.
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
from schedules.all_schools import AllSchools
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
    for name, sweep in SWEEPS.items():
        if only and name != only:
            continue
        try:
            queued += _run(factory, clock, sweep, school_ids)
        except Exception:
            log.warning(
                "sweep %s failed for all schools at once; running it school by school", name
            )
            for school_id in school_ids:
                try:
                    queued += _run(factory, clock, sweep, [school_id])
                except Exception:
                    log.exception(
                        "sweep %s failed for school %s; the others go on", name, school_id
                    )
    return queued


def _run(factory: sessionmaker[Session], clock: Clock, sweep: Sweep, school_ids: list[int]) -> int:
    """One sweep for these schools in one transaction."""
    with transaction(factory) as session:
        schools = session.scalars(
            select(School).where(School.id.in_(school_ids)).order_by(School.id)
        ).all()
        contexts = [
            Context(session, school, None, clock, platform="scheduler") for school in schools
        ]
        if isinstance(sweep, AllSchools):
            return sweep.run(contexts)
        return sum(sweep(ctx) for ctx in contexts)
