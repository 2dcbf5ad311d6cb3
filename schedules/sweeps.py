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
from collections.abc import Callable, Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, sessionmaker

from handlers.clock import Clock
from handlers.context import Context
from handlers.settings import SchoolSettings
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
    settings = KnownSettings()
    for name, sweep in SWEEPS.items():
        if only and name != only:
            continue
        try:
            queued += _run(factory, clock, sweep, school_ids, settings)
        except Exception:
            log.warning(
                "sweep %s failed for all schools at once; running it school by school", name
            )
            for school_id in school_ids:
                try:
                    queued += _run(factory, clock, sweep, [school_id], settings)
                except Exception:
                    log.exception(
                        "sweep %s failed for school %s; the others go on", name, school_id
                    )
    return queued


def _run(
    factory: sessionmaker[Session],
    clock: Clock,
    sweep: Sweep,
    school_ids: list[int],
    settings: KnownSettings,
) -> int:
    """One sweep for these schools in one transaction."""
    with transaction(factory) as session:
        query = select(School).where(School.id.in_(school_ids)).order_by(School.id)
        if settings.knows(school_ids):
            query = query.options(defer(School.settings))  # read again only if changed
        schools = session.scalars(query).all()
        contexts = [
            settings.give(Context(session, school, None, clock, platform="scheduler"))
            for school in schools
        ]
        try:
            if isinstance(sweep, AllSchools):
                return sweep.run(contexts)
            return sum(sweep(ctx) for ctx in contexts)
        finally:
            settings.keep(contexts)


class KnownSettings:
    """Each school's settings as parsed in the first sweep of a run, given to the contexts of
    the next sweeps while the school's revision is unchanged (the database bumps it whenever
    the settings change: migration 0013). Every sweep reads its schools again, in a
    transaction of its own, and reading and parsing 500 schools' settings eight times cost a
    second sweep a quarter of its time."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[int, SchoolSettings]] = {}  # school id: revision, settings

    def knows(self, school_ids: Collection[int]) -> bool:
        return all(school_id in self._known for school_id in school_ids)

    def give(self, ctx: Context) -> Context:
        known = self._known.get(ctx.school.id)
        if known is not None and known[0] == ctx.school.revision:
            vars(ctx)["settings"] = known[1]  # Context.settings is a cached_property
        # Otherwise parsed when first read, inside the sweep (the stored settings loaded then, if
        # deferred): a school whose settings do not parse fails only its own run, as before.
        return ctx

    def keep(self, contexts: Sequence[Context]) -> None:
        """Remember the settings these contexts parsed, with the revision read with them."""
        for ctx in contexts:
            parsed = vars(ctx).get("settings")
            if parsed is not None:
                self._known[ctx.school.id] = (ctx.school.revision, parsed)
