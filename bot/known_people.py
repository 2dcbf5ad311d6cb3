"""The school and person behind a request, kept in memory between requests and checked with one
small query each time (issue #15: reloading them was the largest cost of a request).

A copy is kept as it was loaded at the school's ``revision``, which the database itself bumps
whenever the school's settings, staff, roles or platform identities change (triggers, migration
0013), whichever process or command changed them. Each request reads the revision in its own
transaction: the same, and the kept copy is merged into the request's session without a query;
different, and the school and person are loaded again. The copies are never handed out
themselves, only merged, so nothing a handler changes can alter them. Who may act is still
decided by handlers/people.py on the merged objects.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from handlers import people
from storage.database import without_write_lock
from storage.models import Person, School

# Enough for every member of staff of a few large schools; the oldest unused go first.
MOST = 2000
# The one query of a request whose people are kept: built once and run on the request's
# connection as Core, a fifth of the cost of the same query through the ORM each time.
_SCHOOLS = School.__table__
REVISION = select(_SCHOOLS.c.revision).where(_SCHOOLS.c.id == bindparam("school_id"))


@dataclass(frozen=True)
class _Kept:
    revision: int
    school: School
    person: Person | None


class KnownPeople:
    """Copies of (school, person) pairs, each valid while its school's revision is unchanged."""

    def __init__(self, factory: sessionmaker[Session], most: int = MOST) -> None:
        self.factory = factory
        self.most = most
        self._kept: OrderedDict[tuple[int, int], _Kept] = OrderedDict()
        self._lock = threading.Lock()

    def staff_member(
        self, session: Session, school_id: int, person_id: int
    ) -> tuple[School, Person]:
        """``people.staff_member`` for ``session``'s request, from the kept copy when current."""
        revision = session.connection().execute(REVISION, {"school_id": school_id}).scalar()
        key = (school_id, person_id)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
        if kept is None or kept.revision != revision:
            kept = self._load(school_id, person_id)
            with self._lock:
                self._kept[key] = kept
                self._kept.move_to_end(key)
                while len(self._kept) > self.most:
                    self._kept.popitem(last=False)
        school = session.merge(kept.school, load=False)
        person = session.merge(kept.person, load=False) if kept.person is not None else None
        return school, people.staff_of(school, person)

    def _load(self, school_id: int, person_id: int) -> _Kept:
        """Load a fresh copy in a session of its own (its revision read first, so the copy is
        never older than the revision it is kept under)."""
        with self.factory() as session:
            # The request's own transaction may hold SQLite's write lock: this one must not wait.
            without_write_lock(session)
            revision = session.scalar(select(School.revision).where(School.id == school_id))
            school = session.get_one(School, school_id)
            person = session.get(Person, person_id)
        # Closing (not rolling back) detaches them as loaded, roles and identities included.
        return _Kept(revision or 0, school, person)
