"""Steps the off-site tests share (no tests here): act as someone, declare, read the outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handlers import people, routes
from handlers.clock import Clock
from handlers.context import Context
from handlers.replies import Reply
from storage.models import AuditEvent, OffsiteDeclaration, OutboxMessage, Person, School

PROMISES = ["kept_secure", "never_in_car", "report_loss"]
# Planning and marking on paper: the lowest tier, recorded at once.
MARKING_ON_PAPER: dict[str, Any] = {
    "categories": ["planning", "marking"],
    "format": "paper",
}
# SEND records on paper: sensitive, so a class teacher needs an approver.
SEND_ON_PAPER: dict[str, Any] = {"categories": ["send"], "format": "paper"}


def details(expected_return: date | str, **overrides: Any) -> dict[str, Any]:
    """Step-two answers as an adapter sends them (dates as ISO text)."""
    answers: dict[str, Any] = {
        "people_band": "class",
        "class_code": "Y4",
        "purpose": "marking",
        "purpose_detail": "",
        "destination": "home",
        "expected_return": str(expected_return),
        "attestations": list(PROMISES),
    }
    answers.update(overrides)
    return answers


def act(
    factory: sessionmaker[Session],
    clock: Clock,
    email: str,
    call: Callable[[Context], Reply],
) -> Reply:
    """One request as this member of staff, in its own transaction, as an adapter runs it."""

    def locate(session: Session) -> tuple[School, Person | None]:
        school = session.scalars(select(School)).one()
        found = people.find_by_email(session, school.id, email)
        return school, people.require_staff(school, found)

    return routes.run(factory, clock, "console", locate, call)


def declare(
    factory: sessionmaker[Session],
    clock: Clock,
    email: str,
    what: dict[str, Any],
    expected_return: date | str,
    **detail_overrides: Any,
) -> Reply:
    """Both steps of `/offsite` (the second submitted with the first step's answers in state)."""
    return act(
        factory,
        clock,
        email,
        routes.submit(
            "offsite.details", details(expected_return, **detail_overrides), {"what": what}
        ),
    )


def declarations(factory: sessionmaker[Session]) -> list[OffsiteDeclaration]:
    with factory() as session:
        return list(session.scalars(select(OffsiteDeclaration).order_by(OffsiteDeclaration.id)))


def outbox(factory: sessionmaker[Session]) -> list[tuple[str, str]]:
    """Every queued DM as (recipient email, text), in the order written."""
    with factory() as session:
        rows = session.execute(
            select(Person.email, OutboxMessage.payload)
            .join(Person, Person.id == OutboxMessage.recipient_id)
            .order_by(OutboxMessage.id)
        )
        return [(email, payload["text"]) for email, payload in rows]


def outbox_buttons(factory: sessionmaker[Session]) -> list[list[dict[str, Any]]]:
    with factory() as session:
        return [
            payload.get("buttons", [])
            for payload in session.scalars(select(OutboxMessage.payload).order_by(OutboxMessage.id))
        ]


def audit_actions(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def audit_events(factory: sessionmaker[Session], action: str) -> list[AuditEvent]:
    with factory() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
            )
        )
