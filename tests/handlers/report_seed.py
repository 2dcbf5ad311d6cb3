"""A seeded Autumn 2026 and Autumn 2025 for the termly report's tests: known counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from handlers import people
from storage.database import transaction
from storage.models import Concern, Incident, OffsiteDeclaration, OffsiteItem, School
from tests.conftest import london

# The first school day after Autumn 2026 ends (Fri 18 Dec), in the morning reminder window.
SPRING_2027_FIRST_MORNING = london(2027, 1, 5, 8, 10)


def _incident(
    session: Session,
    school: School,
    number: int,
    at: datetime,
    decision: str | None = None,
    hours: float = 0,
    classification: str | None = None,
) -> None:
    reporter = people.find_by_email(session, school.id, "teacher@example.org")
    assert reporter is not None
    session.add(
        Incident(
            school_id=school.id,
            number=number,
            reporter_id=reporter.id,
            reported_at=at,
            status="open",
            kind="lost",
            media="device",
            encrypted="yes",
            categories=["planning"],
            special_data="no",
            people_band="class",
            subject_types=["pupils"],
            child_at_risk="no",
            classification=classification,
            ico_decision=decision,
            ico_decided_at=at + timedelta(hours=hours) if decision else None,
        )
    )


def declaration(
    session: Session,
    school: School,
    taken: datetime,
    due: date,
    returned: datetime | None,
    status: str,
    missing: int = 0,
) -> None:
    person = people.find_by_email(session, school.id, "teacher@example.org")
    assert person is not None
    items = [OffsiteItem(category="marking", status="missing") for _ in range(missing)]
    session.add(
        OffsiteDeclaration(
            school_id=school.id,
            person_id=person.id,
            tier=1,
            format="paper",
            encryption_confirmed="not_applicable",
            people_band="class",
            purpose="marking",
            taken_at=taken,
            expected_return=due,
            status=status,
            returned_at=returned,
            attested=True,
            created_at=taken,
            items=items or [OffsiteItem(category="marking", status="returned")],
        )
    )


def _concern(
    session: Session, school: School, number: int, at: datetime, kind: str, ack_minutes: int | None
) -> None:
    reporter = people.find_by_email(session, school.id, "teacher@example.org")
    assert reporter is not None
    session.add(
        Concern(
            school_id=school.id,
            number=number,
            reporter_id=reporter.id,
            reported_at=at,
            kind=kind,
            flags=[],
            outcomes=[],
            acknowledged_at=at + timedelta(minutes=ack_minutes) if ack_minutes else None,
        )
    )


def seed_two_autumns(factory: sessionmaker[Session], school: School) -> None:
    """Autumn 2026: 5 breaches (3 to the ICO, 1 near miss, decisions after 10, 20, 30 and 80
    hours: median 25, 1 after 72), 5 declarations (3 back late, 3 records missing), 5 concerns
    (4 about pupils, 1 filtering failure; acknowledged after 5, 15, 40 and 90 minutes: median
    28, the fifth not yet); a breach in Spring 2027 that is not counted. Autumn 2025: 2
    breaches, no decisions, 3 declarations back on time, 1 concern."""
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        for number, day, kind, minutes in (
            (1, london(2026, 9, 21, 10, 0), "pupil", 5),
            (2, london(2026, 10, 12, 13, 0), "pupil", 15),
            (3, london(2026, 11, 4, 9, 30), "pupil", 40),
            (4, london(2026, 12, 2, 11, 0), "filtering", 90),
            (5, london(2026, 12, 16, 14, 0), "pupil", None),
            (6, london(2025, 10, 6, 10, 0), "device", 30),
        ):
            _concern(session, row, number, day, kind, minutes)
        _incident(session, row, 1, london(2026, 9, 10, 9, 0), "notify", 10)
        _incident(session, row, 2, london(2026, 10, 5, 9, 0), "notify", 20)
        _incident(session, row, 3, london(2026, 11, 2, 9, 0), "notify", 80, "confirmed")
        _incident(session, row, 4, london(2026, 11, 20, 9, 0), "not_notify", 30, "near_miss")
        _incident(session, row, 5, london(2026, 12, 22, 9, 0))  # the Christmas holiday
        _incident(session, row, 6, london(2027, 1, 5, 7, 0))  # Spring 2027: not counted
        _incident(session, row, 7, london(2025, 9, 15, 9, 0))
        _incident(session, row, 8, london(2025, 12, 1, 9, 0))
        for day, back, status, missing in (
            (date(2026, 9, 14), date(2026, 9, 15), "returned", 0),
            (date(2026, 10, 1), date(2026, 10, 5), "returned", 0),  # late
            (date(2026, 11, 3), date(2026, 11, 9), "returned", 0),  # late
            (date(2026, 12, 1), date(2026, 12, 4), "returned", 0),  # late
            (date(2026, 12, 7), None, "lost", 3),
        ):
            taken = london(day.year, day.month, day.day, 15, 30)
            returned = london(back.year, back.month, back.day, 8, 30) if back else None
            declaration(session, row, taken, day + timedelta(days=1), returned, status, missing)
        declaration(session, row, london(2026, 10, 2, 15, 0), date(2026, 10, 5), None, "declined")
        for day in (date(2025, 9, 16), date(2025, 10, 7), date(2025, 11, 11)):
            taken = london(day.year, day.month, day.day, 15, 30)
            back = london(day.year, day.month, day.day + 1, 8, 30)
            declaration(session, row, taken, day + timedelta(days=1), back, "returned")
