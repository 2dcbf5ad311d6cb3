"""Schools and staff: find the school and the person behind a platform event.

A workspace (or tenant) is one school, created on first use. A platform user is linked to a
person once, by email, and audited; after that the stored identity answers. A staff list read
from Slack, an Entra ID group or a CSV is synced here as plain data (adapters only fetch it).
Each person records the synced lists that name them (Person.sources), so a sync marks as leavers
(inactive, never deleted) only people its own list dropped and no other list still names: the
simplest design in which a CSV of governors never makes Slack staff leavers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

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


def refuse_foreign_workspace(ctx: Context, workspace: str) -> None:
    """A signed request from a workspace (or tenant) this single-school install does not serve:
    refused, creates nothing, and is audited on the school the install does serve."""
    ctx.audit("access.foreign_workspace", f"workspace:{workspace[:64]}")


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
    return school, staff_of(school, person)


def staff_of(school: School, person: Person | None) -> Person:
    """``person`` if they are active staff of ``school``; refuses anyone else."""
    if person is not None and person.school_id != school.id:
        person = None
    return require_staff(school, person)


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
    *,
    new_group: str = "teaching",
) -> tuple[Person, bool]:
    """The staff record for this email, created if new; returns (person, created).
    ``role_group`` sets the group of anyone (a CSV's group column, school.toml);
    ``new_group`` is only the group of someone created here (a sync's default)."""
    person = find_by_email(session, school.id, email)
    if person is not None:
        person.display_name = name or person.display_name
        if role_group:
            person.role_group = role_group
        person.active = True
        person.left_on = None
        return person, False
    person = Person(
        school_id=school.id,
        email=email.strip().lower(),
        display_name=name or email.split("@")[0],
        role_group=role_group or new_group,
        active=True,
        created_at=now,
        joined_on=now.astimezone(ZoneInfo(school.timezone)).date(),  # a new starter's first day
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
#
# Each synced list is a source ("slack", "entra", "csv"), and a person remembers the sources
# that name them (Person.sources). A sync of one source adds that source to everyone it lists
# and takes it away from everyone it no longer lists; a person no source names any more is a
# leaver: marked inactive and audited, never deleted (their records and signatures stay as
# evidence). So a CSV of governors never makes Slack staff leavers, someone on two lists leaves
# only when both drop them, and people added by hand or by school.toml (no source) are never
# touched by a sync. Someone who comes back on any list is active again.


@dataclass(frozen=True)
class StaffSource:
    """A list the staff list is synced from, and the platform its ids belong to (if any)."""

    key: str
    label: str
    platform: str | None


SLACK = StaffSource("slack", "Slack", "slack")
ENTRA = StaffSource("entra", "the Entra ID group", "teams")
CSV = StaffSource("csv", "the CSV file", None)


@dataclass(frozen=True)
class Member:
    """One account in a platform's member list (or a CSV row), as the adapter read it."""

    external_id: str
    email: str | None
    name: str = ""
    is_bot: bool = False
    deactivated: bool = False
    group: str | None = None  # one of ROLE_GROUPS, when the list says (the CSV's group column)
    guest: bool = False  # a Slack guest (single- or multi-channel): left out unless the school
    # says otherwise (school.toml [roster] include_guests)


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
    returned: int = 0
    skipped: int = 0
    guests: int = 0
    leavers: int = 0
    # Leavers who still hold roles: "email (role, role)", for the admin to reassign.
    leavers_with_roles: list[str] = field(default_factory=list)

    def summary(self) -> str:
        line = (
            f"Staff sync from {self.source}: {self.added} added, {self.updated} already known, "
            f"{self.returned} back again, {self.leavers} marked as leavers (inactive, kept), "
            f"{self.skipped} skipped (bots, deactivated accounts, no email)."
        )
        if self.guests:
            line += (
                f" {self.guests} guest account(s) left out (school.toml [roster] include_guests "
                "= true adds them)."
            )
        if self.leavers_with_roles:
            line += (
                f" Leavers who still hold roles (inactive people get no alerts, so give the "
                f"roles to someone else with 'python -m bot roles'): "
                f"{'; '.join(self.leavers_with_roles)}."
            )
        return line


def sync_staff(ctx: Context, source: StaffSource, members: Iterable[Member]) -> SyncResult:
    """Every member with an email becomes (or stays) an active person, matched by email, named
    by ``source``, and linked to their platform id so DMs reach them. Bots, deactivated accounts
    and accounts without an email are skipped; guests too, unless the school includes them.
    People this source listed before and no longer lists leave it; those no source lists any
    more are marked inactive (see above).

    Groups: a group the list gives (the CSV's group column) is the person's group. Otherwise a
    newcomer gets the school's default group (guests: its guest group), and someone already
    known keeps the group they have, so a Slack or Entra sync never undoes a group a lead set
    by CSV or school.toml."""
    settings = ctx.settings
    result = SyncResult(source.label)
    listed: set[int] = set()
    for member in members:
        email = staff_email(member)
        if email is None:
            result.skipped += 1
            continue
        if member.guest and not settings.include_guests:
            result.guests += 1
            continue
        known = find_by_email(ctx.session, ctx.school.id, email)
        returning = known is not None and not known.active
        person, created = upsert_person(
            ctx.session,
            ctx.school,
            email,
            member.name,
            ctx.now,
            role_group=member.group,
            new_group=settings.guest_group if member.guest else settings.default_group,
        )
        if source.platform is not None and member.external_id:
            take_identity(ctx.session, person, source.platform, member.external_id)
        if source.key not in person.sources:
            person.sources = [*person.sources, source.key]
        if person.id in listed:
            continue  # listed twice: counted once
        listed.add(person.id)
        if created:
            result.added += 1
        elif returning:
            result.returned += 1
            ctx.audit("person.returned", f"person:{person.id}", source=source.key)
        else:
            result.updated += 1
    _mark_leavers(ctx, source, listed, result)
    ctx.audit(
        "staff.synced",
        f"school:{ctx.school.id}",
        source=source.key,
        added=result.added,
        returned=result.returned,
        leavers=result.leavers,
        skipped=result.skipped,
        guests=result.guests,
    )
    return result


def _mark_leavers(ctx: Context, source: StaffSource, listed: set[int], result: SyncResult) -> None:
    school_people = ctx.session.scalars(
        select(Person).where(Person.school_id == ctx.school.id).order_by(Person.id)
    )
    for person in school_people:
        if person.id in listed or source.key not in person.sources:
            continue
        person.sources = [s for s in person.sources if s != source.key]
        if person.sources or not person.active:
            continue  # still on another list
        person.active = False
        person.left_on = ctx.today
        result.leavers += 1
        ctx.audit("person.left", f"person:{person.id}", source=source.key)
        if person.role_names:
            roles = ", ".join(sorted(person.role_names))
            result.leavers_with_roles.append(f"{person.email} ({roles})")


def take_identity(session: Session, person: Person, platform: str, external_id: str) -> None:
    """Link this platform id to ``person``, taking it from anyone else who held it (an account
    whose email changed is the same account: its old record must not keep the id)."""
    held = session.scalar(
        select(PlatformIdentity).where(
            PlatformIdentity.school_id == person.school_id,
            PlatformIdentity.platform == platform,
            PlatformIdentity.external_id == external_id,
        )
    )
    if held is not None and held.person_id != person.id:
        held.person.identities.remove(held)  # deleted as an orphan
        session.flush()
    link_identity(session, person, platform, external_id)
