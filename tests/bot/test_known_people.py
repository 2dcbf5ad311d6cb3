"""The school and person behind a request are kept in memory (bot/known_people.py) and are never
stale: the database bumps the school's revision whenever settings, staff, roles or identities
change, whoever changes them (issue #15)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.known_people import KnownPeople
from handlers.clock import FrozenClock
from handlers.people import NotOnStaffList
from storage import audit
from storage.database import transaction
from storage.models import Person, PlatformIdentity, RoleAssignment, School
from tests.drivers.statements import statements


def _revision(factory: sessionmaker[Session], school: School) -> int:
    with factory() as session:
        return session.scalar(select(School.revision).where(School.id == school.id)) or 0


def _grant(session: Session, person: Person, role: str, clock: FrozenClock) -> None:
    session.add(
        RoleAssignment(
            school_id=person.school_id, person_id=person.id, role=role, granted_at=clock()
        )
    )


CHANGES = {
    "a role granted": lambda s, p, c: _grant(s, p, "it_lead", c),
    "a role taken away": lambda s, p, c: s.execute(
        delete(RoleAssignment).where(RoleAssignment.person_id == p.id)
    ),
    "a person left": lambda s, p, c: s.execute(
        update(Person).where(Person.id == p.id).values(active=False)
    ),
    "a person renamed": lambda s, p, c: s.execute(
        update(Person).where(Person.id == p.id).values(display_name="Teacher Two")
    ),
    "an identity linked": lambda s, p, c: s.add(
        PlatformIdentity(school_id=p.school_id, person_id=p.id, platform="teams", external_id="x")
    ),
    "the settings changed": lambda s, p, c: s.execute(
        update(School).where(School.id == p.school_id).values(settings={"changed": True})
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_the_database_bumps_the_revision_on_every_change_that_matters(
    factory: sessionmaker[Session], clock: FrozenClock, school: School, dsl: Person, change: str
) -> None:
    before = _revision(factory, school)
    with transaction(factory) as session:
        CHANGES[change](session, dsl, clock)
    assert _revision(factory, school) > before


def test_the_audit_chain_growing_does_not_bump_it(
    factory: sessionmaker[Session], clock: FrozenClock, school: School
) -> None:
    before = _revision(factory, school)
    with transaction(factory) as session:
        audit.record(session, school.id, "test.nothing_changed", at=clock())
    assert _revision(factory, school) == before


def _locate(known: KnownPeople, factory: sessionmaker[Session], school: School, person: Person):
    with factory() as session:
        found_school, found = known.staff_member(session, school.id, person.id)
        return found_school.settings, found.display_name, found.role_names


def test_a_kept_person_costs_one_small_query(
    engine: Engine, factory: sessionmaker[Session], school: School, dsl: Person
) -> None:
    known = KnownPeople(factory)
    first = _locate(known, factory, school, dsl)
    with statements(engine) as seen:
        again = _locate(known, factory, school, dsl)
    assert again == first
    assert len(seen) == 1 and "revision" in seen[0]


def test_what_another_process_changes_is_seen_at_the_next_request(
    factory: sessionmaker[Session], clock: FrozenClock, school: School, staff: Person
) -> None:
    known = KnownPeople(factory)
    assert "dpo" not in _locate(known, factory, school, staff)[2]

    with transaction(factory) as session:  # the worker, `school apply`, a staff sync...
        _grant(session, staff, "dpo", clock)
        session.execute(update(School).where(School.id == school.id).values(settings={"x": 1}))
    settings, _, roles = _locate(known, factory, school, staff)
    assert "dpo" in roles and settings == {"x": 1}

    with transaction(factory) as session:
        session.execute(update(Person).where(Person.id == staff.id).values(active=False))
    with pytest.raises(NotOnStaffList):
        _locate(known, factory, school, staff)


def test_a_handler_changing_its_objects_never_changes_the_kept_copy(
    factory: sessionmaker[Session], school: School, staff: Person
) -> None:
    known = KnownPeople(factory)
    with factory() as session:
        _, person = known.staff_member(session, school.id, staff.id)
        person.display_name = "Changed, never saved"
        session.rollback()
    assert _locate(known, factory, school, staff)[1] == staff.display_name


def test_only_the_most_recently_used_are_kept(
    factory: sessionmaker[Session], school: School, staff: Person, dsl: Person, head: Person
) -> None:
    known = KnownPeople(factory, most=2)
    for person in (staff, dsl, head):
        _locate(known, factory, school, person)
    assert len(known._kept) == 2
