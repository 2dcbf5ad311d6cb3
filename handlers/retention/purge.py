"""The purge: removes what ``rules.plan`` found, in one transaction, and audits the counts.

The audit chain is never purged: its events hold codes and ids, never free text or names, so
`python -m bot audit verify` still passes after a purge, and the chain gains one
``retention.purged`` event saying when it ran and how many rows of each kind went.

The notification ledger's keys for deleted rows go with them. SQLite gives a new row the
highest id plus one, so a deleted row's id can be given again: a new declaration, approval,
question or message must never find its messages recorded as sent already.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import time
from typing import Any, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.orm import InstrumentedAttribute

from handlers.context import Context
from handlers.retention.rules import ANONYMISED_DOMAIN, Plan, plan
from storage import outbox
from storage.models import (
    AupAcknowledgement,
    AupExemption,
    AupQuestion,
    Concern,
    ConcernEvent,
    Incident,
    IncidentEvent,
    LedgerEntry,
    OffsiteApproval,
    OffsiteDeclaration,
    OffsiteItem,
    OutboxFile,
    OutboxMessage,
    Person,
    PlatformIdentity,
    RoleAssignment,
    TeamsConversation,
)
from storage.outbox import LedgerKey

# The weekly purge runs in the night, school time, when nobody is typing: the first sweep in
# this window each ISO week (Monday to Sunday) does it.
WEEKLY_FROM, WEEKLY_UNTIL = time(1, 0), time(5, 0)
# Bound parameters per statement (SQLite allows a few thousand).
CHUNK = 500

T = TypeVar("T")


def purge(ctx: Context, *, trigger: str) -> Plan:
    """Remove everything that has expired at ctx's school and audit the counts; ``trigger`` says
    who asked ("cli" or "weekly")."""
    found = plan(ctx)
    _purge_breach_details(ctx, found.of("breach_details").ids)
    _purge_concern_details(ctx, found.of("concern_details").ids)
    _delete_declarations(ctx, found.of("offsite_declarations").ids)
    _delete_leaver_aup_records(ctx, found.of("leaver_aup_records").ids)
    _delete_questions(ctx, found.of("answered_aup_questions").ids)
    _anonymise(ctx, found.of("leavers_anonymised").ids)
    _delete_messages(ctx, found.of("delivered_messages").ids)
    _delete(ctx, OutboxFile.id, found.of("message_files").ids)
    ctx.audit("retention.purged", f"school:{ctx.school.id}", trigger=trigger, counts=found.counts)
    ctx.session.expire_all()  # rows loaded before this no longer say what is stored
    return found


def weekly_purge(ctx: Context) -> Plan | None:
    """The scheduled purge: once a week, in the night window; None when it is not due."""
    if not WEEKLY_FROM <= ctx.local(ctx.now).time() < WEEKLY_UNTIL:
        return None
    year, week, _ = ctx.today.isocalendar()
    key = LedgerKey(f"school:{ctx.school.id}", "retention_purge", f"{year}-W{week:02d}")
    if not outbox.claim(ctx.session, ctx.school.id, key, now=ctx.now):
        return None
    return purge(ctx, trigger="weekly")


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _delete(ctx: Context, column: InstrumentedAttribute[int], ids: Sequence[int], /) -> None:
    """Delete the rows of ``column``'s table whose ``column`` is one of ``ids``."""
    for part in _chunks(ids):
        ctx.session.execute(
            delete(column.class_).where(column.in_(part)),
            execution_options={"synchronize_session": False},
        )


def _update(ctx: Context, model: Any, ids: Sequence[int], values: dict[str, Any]) -> None:
    for part in _chunks(ids):
        ctx.session.execute(
            update(model).where(model.id.in_(part)).values(values),
            execution_options={"synchronize_session": False},
        )


def _purge_breach_details(ctx: Context, ids: Sequence[int]) -> None:
    """Keep a closed breach's codes and times (the governors' report counts them) and who
    acknowledged and closed it; remove its free text, its link to a declaration and its
    timeline."""
    _delete(ctx, IncidentEvent.incident_id, ids)
    _update(
        ctx,
        Incident,
        ids,
        {
            "asset_tag": None,
            "description": None,
            "actions_taken": None,
            "police_ref": None,
            "risk_reasoning": None,
            "ico_rationale": None,
            "ico_case_ref": None,
            "delay_reason": None,
            "subjects_rationale": None,
            "containment": None,
            "lessons_learned": None,
            "declaration_id": None,
            "report_token": None,
            "details_purged_at": ctx.now,
        },
    )


def _purge_concern_details(ctx: Context, ids: Sequence[int]) -> None:
    """Keep a closed concern's kind, flags, outcomes, times and who handled it; remove its
    notes, reference, actions and timeline."""
    _delete(ctx, ConcernEvent.concern_id, ids)
    _update(
        ctx,
        Concern,
        ids,
        {
            "note": None,
            "system_ref": None,
            "actions": None,
            "report_token": None,
            "details_purged_at": ctx.now,
        },
    )


def _delete_declarations(ctx: Context, ids: Sequence[int]) -> None:
    approvals = _ids_where(ctx, OffsiteApproval.id, OffsiteApproval.declaration_id, ids)
    _forget(ctx, "offsite_approval", approvals)  # handlers/offsite/declare.py's request key
    _forget(ctx, "offsite", ids)  # handlers/offsite: approval outcomes, missing items
    _delete(ctx, OffsiteItem.declaration_id, ids)
    _delete(ctx, OffsiteApproval.declaration_id, ids)
    _delete(ctx, OffsiteDeclaration.id, ids)


def _delete_questions(ctx: Context, ids: Sequence[int]) -> None:
    _forget(ctx, "aup_question", ids)  # handlers/aup/questions.py: asked, answered
    _delete(ctx, AupQuestion.id, ids)


def _delete_messages(ctx: Context, ids: Sequence[int]) -> None:
    _forget(ctx, "outbox", ids)  # handlers/delivery_alerts.py: a message that could not go
    _delete(ctx, OutboxMessage.id, ids)


def _ids_where(
    ctx: Context,
    wanted: InstrumentedAttribute[int],
    column: InstrumentedAttribute[int],
    ids: Sequence[int],
) -> list[int]:
    found: list[int] = []
    for part in _chunks(ids):
        found.extend(ctx.session.scalars(select(wanted).where(column.in_(part))))
    return found


def _forget(ctx: Context, kind: str, ids: Sequence[int]) -> None:
    """Remove the school's ledger keys whose subject is ``kind:id`` for one of ``ids``."""
    subjects = [f"{kind}:{row_id}" for row_id in ids]
    for part in _chunks(subjects):
        ctx.session.execute(
            delete(LedgerEntry).where(
                LedgerEntry.school_id == ctx.school.id, LedgerEntry.subject.in_(part)
            ),
            execution_options={"synchronize_session": False},
        )


def _delete_leaver_aup_records(ctx: Context, person_ids: Sequence[int]) -> None:
    questions = _ids_where(ctx, AupQuestion.id, AupQuestion.person_id, person_ids)
    _forget(ctx, "aup_question", questions)
    for column in (
        AupAcknowledgement.person_id,
        AupQuestion.person_id,
        AupExemption.person_id,
    ):
        _delete(ctx, column, person_ids)


def _anonymise(ctx: Context, person_ids: Sequence[int]) -> None:
    """A leaver past their period keeps only an id (other records point at it) and a placeholder
    name: no email, no platform ids, no roles, no stored Teams conversation."""
    for column in (
        PlatformIdentity.person_id,
        RoleAssignment.person_id,
        TeamsConversation.person_id,
    ):
        _delete(ctx, column, person_ids)
    for person_id in person_ids:
        ctx.session.execute(
            update(Person)
            .where(Person.id == person_id)
            .values(
                display_name=f"Former member of staff #{person_id}",
                email=f"former-{person_id}@{ANONYMISED_DOMAIN}",
                sources=[],
            ),
            execution_options={"synchronize_session": False},
        )
