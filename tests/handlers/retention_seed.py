"""One of every record retention looks at, made at the clock's time (Tue 24 Nov 2026), so tests
can move the clock years ahead and see what goes and what stays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from handlers import people
from storage.database import transaction
from storage.models import (
    AupAcknowledgement,
    AupExemption,
    AupQuestion,
    AupVersion,
    Concern,
    ConcernEvent,
    Incident,
    IncidentEvent,
    OffsiteDeclaration,
    OffsiteItem,
    OutboxFile,
    OutboxMessage,
    Person,
    School,
)

# Free text typed into the seeded records: a purge must leave none of it readable.
BREACH_TEXT = "Left the Year 4 folder on the number 12 bus"
CONCERN_NOTE = "The filter let a gambling site through in the library"
QUESTION = "May I use my own tablet for the reading app?"
LEAVER_QUESTION = "Does the policy cover my home broadband?"


@dataclass(frozen=True)
class Seeded:
    returned_declaration: int
    lost_declaration: int  # linked to the closed breach
    out_declaration: int  # still out: never expires
    closed_breach: int
    open_breach: int
    closed_concern: int
    open_concern: int
    leaver: int
    staff_member: int
    staff_ack: int
    answered_question: int
    unanswered_question: int
    sent_message: int
    pending_message: int
    sent_file: int
    pending_file: int


def _person(session: Session, school: School, email: str) -> Person:
    found = people.find_by_email(session, school.id, email)
    assert found is not None, email
    return found


def _declaration(
    session: Session, school: School, person: Person, now: datetime, status: str
) -> int:
    row = OffsiteDeclaration(
        school_id=school.id,
        person_id=person.id,
        tier=1,
        format="paper",
        encryption_confirmed="not_applicable",
        people_band="class",
        purpose="marking",
        purpose_detail="Marking the Year 4 spelling tests",
        taken_at=now,
        expected_return=now.date(),
        status=status,
        returned_at=now if status == "returned" else None,
        attested=True,
        created_at=now,
        items=[
            OffsiteItem(category="marking", status="returned" if status == "returned" else "out")
        ],
    )
    session.add(row)
    session.flush()
    return row.id


def _incident(
    session: Session,
    school: School,
    reporter: Person,
    number: int,
    now: datetime,
    closed: bool,
    declaration: int | None,
) -> int:
    row = Incident(
        school_id=school.id,
        number=number,
        reporter_id=reporter.id,
        reported_at=now,
        status="closed" if closed else "open",
        kind="lost",
        media="paper",
        encrypted="no",
        categories=["marking"],
        special_data="no",
        people_band="class",
        subject_types=["pupils"],
        child_at_risk="no",
        declaration_id=declaration,
        description=BREACH_TEXT,
        police_ref="CR/2026/0042",
        classification="confirmed",
        ico_decision="not_notify",
        ico_decided_at=now,
        ico_rationale="Low risk: marking only",
        closed_at=now if closed else None,
    )
    session.add(row)
    session.flush()
    session.add(IncidentEvent(incident_id=row.id, at=now, actor_id=reporter.id, kind="reported"))
    return row.id


def _concern(
    session: Session, school: School, reporter: Person, number: int, now: datetime, closed: bool
) -> int:
    row = Concern(
        school_id=school.id,
        number=number,
        reporter_id=reporter.id,
        reported_at=now,
        status="closed" if closed else "open",
        kind="filtering",
        sub_kind="not_blocked",
        flags=[],
        note=CONCERN_NOTE,
        system_ref="CPOMS-1234",
        outcomes=["filter_changed"],
        closed_at=now if closed else None,
    )
    session.add(row)
    session.flush()
    session.add(ConcernEvent(concern_id=row.id, at=now, actor_id=reporter.id, kind="reported"))
    return row.id


def _ack(
    session: Session, school: School, person: Person, version: AupVersion, now: datetime
) -> int:
    row = AupAcknowledgement(
        school_id=school.id,
        person_id=person.id,
        aup_version_id=version.id,
        version=version.version,
        text_hash=version.text_hash,
        cycle="2026/27",
        acknowledged_at=now,
        platform="console",
    )
    session.add(row)
    session.flush()
    return row.id


def _question(
    session: Session,
    school: School,
    person: Person,
    version: AupVersion,
    now: datetime,
    text: str,
    answered: bool,
) -> int:
    row = AupQuestion(
        school_id=school.id,
        person_id=person.id,
        aup_version_id=version.id,
        asked_at=now,
        question=text,
        answered_at=now if answered else None,
        answer="Yes, through the school's VPN" if answered else None,
    )
    session.add(row)
    session.flush()
    return row.id


def _message(
    session: Session, school: School, person: Person, now: datetime, sent: bool, file_id: int
) -> int:
    row = OutboxMessage(
        school_id=school.id,
        recipient_id=person.id,
        payload={
            "text": "Termly report",
            "files": [{"id": file_id, "name": "r.pdf", "media_type": "application/pdf"}],
        },
        status="sent" if sent else "pending",
        next_attempt_at=now,
        created_at=now,
        sent_at=now if sent else None,
    )
    session.add(row)
    session.flush()
    return row.id


def _file(session: Session, school: School, now: datetime) -> int:
    row = OutboxFile(
        school_id=school.id,
        name="r.pdf",
        media_type="application/pdf",
        content=b"%PDF",
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row.id


def seed(
    factory: sessionmaker[Session],
    school: School,
    now: datetime,
    leaver_email: str = "ta@example.org",
) -> Seeded:
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        teacher = _person(session, row, "teacher@example.org")
        head = _person(session, row, "head@example.org")
        leaver = _person(session, row, leaver_email)
        version = session.query(AupVersion).filter_by(school_id=row.id).first()
        assert version is not None
        returned = _declaration(session, row, teacher, now, "returned")
        lost = _declaration(session, row, teacher, now, "lost")
        out = _declaration(session, row, teacher, now, "out")
        closed_breach = _incident(session, row, teacher, 1, now, True, lost)
        open_breach = _incident(session, row, teacher, 2, now, False, None)
        closed_concern = _concern(session, row, teacher, 1, now, True)
        open_concern = _concern(session, row, teacher, 2, now, False)
        _ack(session, row, leaver, version, now)
        _question(session, row, leaver, version, now, LEAVER_QUESTION, answered=False)
        session.add(
            AupExemption(
                school_id=row.id,
                person_id=leaver.id,
                reason="Long-term absence",
                starts_on=now.date(),
                ends_on=now.date(),
                recorded_by_id=head.id,
                recorded_at=now,
            )
        )
        leaver.active = False
        leaver.left_on = now.date()
        staff_ack = _ack(session, row, teacher, version, now)
        answered = _question(session, row, teacher, version, now, QUESTION, answered=True)
        unanswered = _question(session, row, teacher, version, now, QUESTION, answered=False)
        sent_file, pending_file = _file(session, row, now), _file(session, row, now)
        sent = _message(session, row, head, now, True, sent_file)
        pending = _message(session, row, head, now, False, pending_file)
        return Seeded(
            returned,
            lost,
            out,
            closed_breach,
            open_breach,
            closed_concern,
            open_concern,
            leaver.id,
            teacher.id,
            staff_ack,
            answered,
            unanswered,
            sent,
            pending,
            sent_file,
            pending_file,
        )
