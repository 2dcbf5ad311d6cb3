"""What has outlived the school's retention periods: kinds, ids and counts, never the values.

The periods (handlers/settings.py, school.toml [retention]; defaults from shared/DOMAIN.md §7):

- an off-site declaration that is finished (returned, lost, declined or expired) goes when the
  academic year it was made in and ``retention_offsite_years`` more have ended, unless a breach
  whose details are kept refers to it: then it inherits the breach's period;
- a closed breach keeps its details ``retention_breach_years`` after closure; then its free text,
  timeline and links go, and the codes and times the governors' report counts stay;
- a closed online-safety concern likewise, after ``retention_concern_years``;
- a leaver's AUP signatures, questions and exemptions go ``retention_leaver_aup_years`` after
  they left; their name and email too, once nothing kept names them as its reporter or holder;
- an AUP question goes ``retention_answered_question_days`` after it was answered;
- a delivered (or abandoned) chat message goes ``retention_message_days`` after it was sent, and
  a file DMs carried once no message left refers to it and it is as old.

Open breaches, open concerns and records still out are never expired: they are live.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from handlers.context import Context
from handlers.settings import academic_year
from storage.models import (
    AupAcknowledgement,
    AupExemption,
    AupQuestion,
    Concern,
    Incident,
    OffsiteDeclaration,
    OutboxFile,
    OutboxMessage,
    Person,
)

# Declarations in these states are finished; pending and out ones are live, however old.
FINISHED_DECLARATIONS = ("returned", "lost", "declined", "expired")
# Outbox rows the dispatcher is done with.
DONE_MESSAGES = ("sent", "failed")
# An anonymised leaver's email ends so (".invalid" is reserved: it can never be delivered).
ANONYMISED_DOMAIN = "removed.invalid"


@dataclass(frozen=True)
class Expired:
    """One kind of expired record: the ids it would touch and how many rows that is."""

    kind: str
    ids: tuple[int, ...]
    rows: int


@dataclass(frozen=True)
class Plan:
    """Everything that has expired at one school, kind by kind (in the order they are purged)."""

    kinds: tuple[Expired, ...] = field(default_factory=tuple)

    def of(self, kind: str) -> Expired:
        return next(e for e in self.kinds if e.kind == kind)

    @property
    def counts(self) -> dict[str, int]:
        return {e.kind: e.rows for e in self.kinds}

    @property
    def empty(self) -> bool:
        return not any(e.rows for e in self.kinds)


def years_before(moment: datetime, years: int) -> datetime:
    """The same instant ``years`` years earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def offsite_kept_from(ctx: Context) -> datetime:
    """Declarations made before this instant are past their period: the start (1 August, school
    time) of the academic year ``retention_offsite_years`` before this one."""
    first_kept_year = academic_year(ctx.today) - ctx.settings.retention_offsite_years
    return datetime.combine(date(first_kept_year, 8, 1), time(0), tzinfo=ctx.tz)


def plan(ctx: Context) -> Plan:
    """What a purge would remove now at ctx's school; reads only."""
    s = ctx.settings
    breaches = _closed_before(ctx, Incident, years_before(ctx.now, s.retention_breach_years))
    concerns = _closed_before(ctx, Concern, years_before(ctx.now, s.retention_concern_years))
    declarations = _expired_declarations(ctx, set(breaches))
    leavers = _leavers_past_period(ctx)
    aup_rows = _leaver_aup_rows(ctx, leavers)
    questions = _answered_questions(ctx, set(leavers))
    anonymised = _leavers_to_anonymise(ctx, leavers, set(breaches), set(concerns), declarations)
    messages = _done_messages(ctx)
    files = _unused_files(ctx, set(messages))
    return Plan(
        (
            Expired("breach_details", tuple(breaches), len(breaches)),
            Expired("concern_details", tuple(concerns), len(concerns)),
            Expired("offsite_declarations", tuple(declarations), len(declarations)),
            Expired(
                "leaver_aup_records",
                tuple(p for p, n in aup_rows.items() if n),
                sum(aup_rows.values()),
            ),
            Expired("answered_aup_questions", tuple(questions), len(questions)),
            Expired("leavers_anonymised", tuple(anonymised), len(anonymised)),
            Expired("delivered_messages", tuple(messages), len(messages)),
            Expired("message_files", tuple(files), len(files)),
        )
    )


def _closed_before(
    ctx: Context, model: type[Incident] | type[Concern], cutoff: datetime
) -> list[int]:
    return list(
        ctx.session.scalars(
            select(model.id)
            .where(
                model.school_id == ctx.school.id,
                model.closed_at.is_not(None),
                model.closed_at < cutoff,
                model.details_purged_at.is_(None),
            )
            .order_by(model.id)
        )
    )


def _expired_declarations(ctx: Context, expiring_breaches: set[int]) -> list[int]:
    # A breach that keeps its details keeps the declarations it refers to.
    kept_by_breach = {
        declaration_id
        for incident_id, declaration_id in ctx.session.execute(
            select(Incident.id, Incident.declaration_id).where(
                Incident.school_id == ctx.school.id, Incident.declaration_id.is_not(None)
            )
        )
        if incident_id not in expiring_breaches
    }
    candidates = ctx.session.scalars(
        select(OffsiteDeclaration.id)
        .where(
            OffsiteDeclaration.school_id == ctx.school.id,
            OffsiteDeclaration.status.in_(FINISHED_DECLARATIONS),
            OffsiteDeclaration.taken_at < offsite_kept_from(ctx),
        )
        .order_by(OffsiteDeclaration.id)
    )
    return [d for d in candidates if d not in kept_by_breach]


def _leavers_past_period(ctx: Context) -> list[int]:
    left_before = years_before(ctx.now, ctx.settings.retention_leaver_aup_years)
    return list(
        ctx.session.scalars(
            select(Person.id)
            .where(
                Person.school_id == ctx.school.id,
                Person.active.is_(False),
                Person.left_on.is_not(None),
                Person.left_on <= ctx.local(left_before).date(),
            )
            .order_by(Person.id)
        )
    )


def _leaver_aup_rows(ctx: Context, leavers: list[int]) -> dict[int, int]:
    """For each leaver past their period, how many AUP rows (signatures, questions,
    exemptions) they still have."""
    rows = dict.fromkeys(leavers, 0)
    if not leavers:
        return rows
    for model in (AupAcknowledgement, AupQuestion, AupExemption):
        for person_id, count in ctx.session.execute(
            select(model.person_id, func.count())
            .where(model.school_id == ctx.school.id, model.person_id.in_(leavers))
            .group_by(model.person_id)
        ):
            rows[person_id] += count
    return rows


def _answered_questions(ctx: Context, leavers: set[int]) -> list[int]:
    cutoff = ctx.now - timedelta(days=ctx.settings.retention_answered_question_days)
    found = ctx.session.execute(
        select(AupQuestion.id, AupQuestion.person_id)
        .where(
            AupQuestion.school_id == ctx.school.id,
            AupQuestion.answered_at.is_not(None),
            AupQuestion.answered_at < cutoff,
        )
        .order_by(AupQuestion.id)
    )
    return [q for q, person_id in found if person_id not in leavers]  # counted with the leaver


def _leavers_to_anonymise(
    ctx: Context,
    leavers: list[int],
    expiring_breaches: set[int],
    expiring_concerns: set[int],
    expiring_declarations: list[int],
) -> list[int]:
    """Leavers past their period not yet anonymised whom no kept breach, concern or declaration
    names as its reporter or holder (that record still needs to say who)."""
    if not leavers:
        return []
    named: set[int] = set()
    for incident_id, reporter in ctx.session.execute(
        select(Incident.id, Incident.reporter_id).where(
            Incident.school_id == ctx.school.id, Incident.details_purged_at.is_(None)
        )
    ):
        if incident_id not in expiring_breaches:
            named.add(reporter)
    for concern_id, reporter in ctx.session.execute(
        select(Concern.id, Concern.reporter_id).where(
            Concern.school_id == ctx.school.id, Concern.details_purged_at.is_(None)
        )
    ):
        if concern_id not in expiring_concerns:
            named.add(reporter)
    going = set(expiring_declarations)
    for declaration_id, holder in ctx.session.execute(
        select(OffsiteDeclaration.id, OffsiteDeclaration.person_id).where(
            OffsiteDeclaration.school_id == ctx.school.id
        )
    ):
        if declaration_id not in going:
            named.add(holder)
    not_yet = set(
        ctx.session.scalars(
            select(Person.id).where(
                Person.id.in_(leavers), Person.email.not_like(f"%@{ANONYMISED_DOMAIN}")
            )
        )
    )
    return [p for p in leavers if p in not_yet and p not in named]


def _done_messages(ctx: Context) -> list[int]:
    cutoff = ctx.now - timedelta(days=ctx.settings.retention_message_days)
    return list(
        ctx.session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.school_id == ctx.school.id,
                OutboxMessage.status.in_(DONE_MESSAGES),
                func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) < cutoff,
            )
            .order_by(OutboxMessage.id)
        )
    )


def _unused_files(ctx: Context, expiring_messages: set[int]) -> list[int]:
    cutoff = ctx.now - timedelta(days=ctx.settings.retention_message_days)
    old = list(
        ctx.session.scalars(
            select(OutboxFile.id)
            .where(OutboxFile.school_id == ctx.school.id, OutboxFile.created_at < cutoff)
            .order_by(OutboxFile.id)
        )
    )
    if not old:
        return []
    in_use: set[int] = set()
    for message_id, payload in ctx.session.execute(
        select(OutboxMessage.id, OutboxMessage.payload).where(
            OutboxMessage.school_id == ctx.school.id
        )
    ):
        if message_id not in expiring_messages:
            in_use.update(int(f["id"]) for f in (payload or {}).get("files", []))
    return [f for f in old if f not in in_use]
