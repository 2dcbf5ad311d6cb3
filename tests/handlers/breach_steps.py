"""Steps the breach tests share: run a handler as a member of staff, report, read the outbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handlers import people, routes
from handlers.clock import Clock
from handlers.context import Context
from handlers.replies import Ask, Reply, Say
from storage.models import Incident, OutboxMessage, Person, School

# The staff's first step for a lost encrypted school laptop with planning and marking.
LOST_LAPTOP: dict[str, Any] = {
    "kind": "lost",
    "media": "device",
    "asset_tag": "LT-0042",
    "encrypted": "yes",
    "categories": ["planning", "marking"],
    "special_data": "",  # not asked: planning and marking answer it (no)
    "people_band": "class",
    "subject_types": ["pupils"],
    "child_at_risk": "no",
}
# Lost paper safeguarding notes, and the reporter thinks a child may be at risk.
LOST_SAFEGUARDING_PAPER: dict[str, Any] = {
    "kind": "lost",
    "media": "paper",
    "asset_tag": "",
    "encrypted": "not_applicable",
    "categories": ["safeguarding"],
    "special_data": "",  # not asked: safeguarding records answer it (yes)
    "people_band": "1",
    "subject_types": ["pupils", "parents"],
    "child_at_risk": "yes",
}
DETAILS: dict[str, Any] = {
    "occurred_at": "",
    "discovered_at": "2026-11-24 09:45",
    "location": "transport",
    "description": "Left a bag on the train home.",
    "actions_taken": "Asked lost property to look for it.",
    "police_ref": "",
}

# A complete decision not to tell the ICO: an encrypted laptop, risk unlikely.
NOT_REPORTABLE: dict[str, Any] = {
    "classification": "confirmed",
    "cia": ["confidentiality", "availability"],
    "risk": "unlikely",
    "risk_reasoning": "Full-disk encryption was on and the keys are safe.",
    "record_count": "11-100",
    "subject_count": "11-100",
    "ico_decision": "not_notify",
    "ico_rationale": "Encrypted device: unintelligible to anyone who finds it.",
    "ico_notified_at": "",
    "ico_case_ref": "",
    "delay_reason": "",
    "subjects_decision": "not_tell",
    "art34_exception": "unintelligible",
    "subjects_rationale": "No risk to the pupils.",
    "subjects_method": "",
    "subjects_told_at": "",
    "other_bodies": [],
    "containment": "Device remotely wiped.",
    "lessons_learned": "",
    "close": "no",
}


def act(
    factory: sessionmaker[Session],
    clock: Clock,
    school: School,
    email: str,
    call: Callable[[Context], Reply],
) -> Reply:
    """Run one request as this member of staff, in its own transaction, like an adapter does."""

    def locate(session: Session) -> tuple[School, Person | None]:
        row = session.get_one(School, school.id)
        return row, people.find_by_email(session, school.id, email)

    return routes.run(factory, clock, "console", locate, call)


def report(
    factory: sessionmaker[Session],
    clock: Clock,
    school: School,
    email: str = "teacher@example.org",
    what: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> tuple[Ask, Reply]:
    """Submit both steps of a report; returns the second step shown and the final reply."""
    step = act(
        factory, clock, school, email, routes.submit("breach.report", what or LOST_LAPTOP, {})
    )
    assert isinstance(step, Ask), step
    done = act(
        factory,
        clock,
        school,
        email,
        routes.submit(step.form.id, details or DETAILS, dict(step.form.state)),
    )
    return step, done


def incident(factory: sessionmaker[Session], number: int = 1) -> Incident:
    with factory() as session:
        return session.scalars(select(Incident).where(Incident.number == number)).one()


def outbox(factory: sessionmaker[Session]) -> list[tuple[str, dict[str, Any], bool]]:
    """Every queued DM as (recipient email, payload, urgent), oldest first."""
    with factory() as session:
        rows = session.execute(
            select(Person.email, OutboxMessage.payload, OutboxMessage.urgent)
            .join(Person, Person.id == OutboxMessage.recipient_id)
            .order_by(OutboxMessage.id)
        ).all()
    return [(email, payload, urgent) for email, payload, urgent in rows]


def recipients(factory: sessionmaker[Session], contains: str = "") -> set[str]:
    return {email for email, payload, _ in outbox(factory) if contains in payload["text"]}


def text_of(reply: Reply) -> str:
    assert isinstance(reply, Say), reply
    return reply.text
