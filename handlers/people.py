"""Schools and staff: find the school and the person behind a platform event.

A workspace (or tenant) is one school, created on first use. A platform user is linked to a
person once, by email, and audited; after that the stored identity answers. A staff list read
from a platform is synced here as plain data: adapters only fetch it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.context import Context
from handlers.errors import NotOnStaffList
from storage import audit
from storage.models import Person, PlatformIdentity, School

NOT_ON_LIST = (
    "You're not on Safekeep's staff list for {school} yet, so nothing was recorded. "
    "Ask your school's Safekeep admin or IT lead to add you (they can run "
    "'python -m bot staff sync'), then try again."
)


# A workspace that does not say its name still needs one until a school.toml names it.
UNNAMED_SCHOOL = {"slack": "Slack workspace", "teams": "Microsoft Teams tenant"}


def create_school(session: Session, name: str, platform: str, now: datetime, **ids: str) -> School:
    school = School(name=name, platform=platform, created_at=now, settings={}, **ids)
    session.add(school)
    session.flush()
    return school


def first_use_school(
    session: Session, platform: str, workspace_name: str | None, now: datetime, **ids: str
) -> School:
    """The school a workspace becomes the first time anyone there uses Safekeep."""
    name = workspace_name or UNNAMED_SCHOOL.get(platform, "School")
    return create_school(session, name, platform, now, **ids)


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


def link_by_email(
    session: Session, school_id: int, platform: str, external_id: str, email: str, now: datetime
) -> Person | None:
    """Link a platform user to the staff member with this email (audited); None if not staff."""
    person = find_by_email(session, school_id, email)
    if person is None:
        return None
    link_identity(session, person, platform, external_id)
    audit.record(
        session,
        school_id,
        "identity.linked",
        at=now,
        actor_id=person.id,
        subject=f"person:{person.id}",
        details={"platform": platform},
    )
    return person


def staff_member(session: Session, school_id: int, person_id: int | None) -> tuple[School, Person]:
    """The school and the acting person for a request; refuses people not on the staff list."""
    school = session.get_one(School, school_id)
    person = session.get(Person, person_id) if person_id is not None else None
    if person is not None and person.school_id != school.id:
        person = None
    return school, require_staff(school, person)


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


# --- staff-list sync -------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One account in a platform's member list, as the adapter read it."""

    external_id: str
    email: str | None
    name: str = ""
    is_bot: bool = False
    deactivated: bool = False


def staff_email(member: Member) -> str | None:
    """The email of a member who can be staff: not a bot, not deactivated, with an email."""
    if member.is_bot or member.deactivated or not member.email:
        return None
    return member.email.strip().lower()


@dataclass
class SyncResult:
    source: str = ""
    added: int = 0
    updated: int = 0
    skipped: int = 0

    def summary(self) -> str:
        return (
            f"Staff sync from {self.source}: {self.added} added, {self.updated} already known, "
            f"{self.skipped} skipped (bots, deactivated accounts, no email)."
        )


def sync_staff(ctx: Context, platform: str, source: str, members: Iterable[Member]) -> SyncResult:
    """Every member with an email becomes (or stays) a person, matched by email, and their
    platform id is linked so DMs reach them. Bots, deactivated accounts and guests without an
    email are skipped. Nobody is removed: leavers are deactivated by the school, deliberately,
    not by a sync."""
    result = SyncResult(source)
    for member in members:
        email = staff_email(member)
        if email is None:
            result.skipped += 1
            continue
        person, created = upsert_person(ctx.session, ctx.school, email, member.name, ctx.now)
        link_identity(ctx.session, person, platform, member.external_id)
        if created:
            result.added += 1
        else:
            result.updated += 1
    ctx.audit("staff.synced", f"school:{ctx.school.id}", added=result.added, skipped=result.skipped)
    return result
