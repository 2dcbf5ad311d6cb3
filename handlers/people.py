"""Schools and staff: find the school and the person behind a platform event."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.errors import NotOnStaffList
from storage.models import Person, PlatformIdentity, School

NOT_ON_LIST = (
    "You're not on Safekeep's staff list for {school} yet, so nothing was recorded. "
    "Ask your school's Safekeep admin or IT lead to add you (they can run "
    "'python -m bot staff sync'), then try again."
)


def find_by_email(session: Session, school_id: int, email: str) -> Person | None:
    return session.scalar(
        select(Person).where(Person.school_id == school_id, Person.email == email.strip().lower())
    )


def find_by_identity(
    session: Session, school_id: int, platform: str, external_id: str
) -> Person | None:
    return session.scalar(
        select(Person)
        .join(PlatformIdentity, PlatformIdentity.person_id == Person.id)
        .where(
            PlatformIdentity.school_id == school_id,
            PlatformIdentity.platform == platform,
            PlatformIdentity.external_id == external_id,
        )
    )


def link_identity(session: Session, person: Person, platform: str, external_id: str) -> None:
    """Remember that this platform user is this person (one identity per platform)."""
    for ident in person.identities:
        if ident.platform == platform:
            ident.external_id = external_id
            return
    person.identities.append(
        PlatformIdentity(school_id=person.school_id, platform=platform, external_id=external_id)
    )


def require_staff(school: School, person: Person | None) -> Person:
    if person is None or not person.active:
        raise NotOnStaffList(NOT_ON_LIST.format(school=school.name))
    return person


def upsert_person(
    session: Session,
    school: School,
    email: str,
    name: str,
    now: datetime,
    role_group: str | None = None,
) -> tuple[Person, bool]:
    """The staff record for this email, created if new; returns (person, created)."""
    person = find_by_email(session, school.id, email)
    if person is not None:
        person.display_name = name or person.display_name
        if role_group:
            person.role_group = role_group
        person.active = True
        return person, False
    person = Person(
        school_id=school.id,
        email=email.strip().lower(),
        display_name=name or email.split("@")[0],
        role_group=role_group or "teaching",
        active=True,
        created_at=now,
    )
    session.add(person)
    session.flush()
    return person, True


def only_school(session: Session) -> School | None:
    """The school, when a deployment has exactly one (so --school may be omitted)."""
    if session.scalar(select(func.count(School.id))) != 1:
        return None
    return session.scalar(select(School))
