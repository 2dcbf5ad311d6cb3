"""The database half of "who is this?", shared by the chat adapters: the school behind a
workspace or tenant (made on first use) and the staff member behind a platform user id (linked
by email on first use). The rules are handlers/people.py; each adapter's subclass asks its own
platform for a workspace's name or a user's email.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import runtime
from bot.known_people import KnownPeople
from handlers import people
from handlers.context import Context
from handlers.routes import Locate
from handlers.school_config import SchoolConfig
from storage.database import transaction
from storage.models import Person, School

log = logging.getLogger(__name__)


async def _no_name() -> str | None:
    return None


class Directory:
    """Finds (and on first use creates or links) the school and person behind an event."""

    platform: ClassVar[str]  # "slack", "teams": the platform of the identities it links
    school_key: ClassVar[str]  # the School column naming the workspace or tenant

    def __init__(self, rt: runtime.Runtime, school_config: SchoolConfig | None = None) -> None:
        self.rt = rt
        self.school_config = school_config
        # Positive answers only: a mapping never changes once made, and every request still
        # checks in the database that the person is active. Uninstalling keeps them true too:
        # the school and its staff stay, and a reinstall is the same workspace, the same school.
        self._schools: dict[str, int] = {}
        self._people: dict[tuple[int, str], int] = {}
        self._known = KnownPeople(rt.factory)

    async def school_for(self, key: str, name: Callable[[], Awaitable[str | None]]) -> int:
        """The school of workspace or tenant ``key``; made on first use, named by ``name()``."""
        if key in self._schools:
            return self._schools[key]
        found = await asyncio.to_thread(self._find_school, key)
        if found is None:
            found = await asyncio.to_thread(self._create_school, key, await name())
        self._schools[key] = found
        return found

    async def person_for(
        self, school_id: int, user_id: str, email: Callable[[], Awaitable[str | None]]
    ) -> int | None:
        """The staff member behind a platform user id; ``email()`` asks the platform for their
        address when the id is not linked to anyone yet. None: not on the staff list."""
        key = (school_id, user_id)
        if key in self._people:
            return self._people[key]
        found = await asyncio.to_thread(self._find_person, school_id, user_id)
        if found is None:
            address = await email()
            if address:
                found = await asyncio.to_thread(self._link_person, school_id, user_id, address)
        if found is not None:
            self._people[key] = found
        return found

    async def refuse_foreign(self, own_key: str, foreign_key: str) -> None:
        """Audit, on the school this install serves, a request from another workspace."""
        school_id = await self.school_for(own_key, _no_name)

        def record() -> None:
            with transaction(self.rt.factory) as session:
                school = session.get_one(School, school_id)
                ctx = Context(session, school, None, self.rt.clock, platform=self.platform)
                people.refuse_foreign_workspace(ctx, foreign_key)

        await asyncio.to_thread(record)

    def locate(self, school_id: int, person_id: int | None) -> Locate:
        """The ``locate`` for handlers.routes.run: refuses people not on the staff list."""

        def locate(session: Session) -> tuple[School, Person | None]:
            if person_id is None:
                return people.staff_member(session, school_id, person_id)
            return self._known.staff_member(session, school_id, person_id)

        return locate

    # --- database steps (run in a thread) ---------------------------------------------------

    def _find_school(self, key: str) -> int | None:
        with self.rt.factory() as session:
            column = getattr(School, self.school_key)
            return session.scalar(select(School.id).where(column == key))

    def _create_school(self, key: str, name: str | None) -> int:
        try:
            with transaction(self.rt.factory) as session:
                school = people.first_use_school(
                    session, self.platform, name, self.rt.clock(), **{self.school_key: key}
                )
                school_id = school.id
        except IntegrityError:  # another request created it at the same moment
            found = self._find_school(key)
            if found is None:
                raise
            return found
        log.info("created school %s for %s %s %s", school_id, self.platform, self.school_key, key)
        if self.school_config is not None:
            runtime.configure_school(self.rt, school_id, self.school_config)
        return school_id

    def _find_person(self, school_id: int, user_id: str) -> int | None:
        with self.rt.factory() as session:
            person = people.find_by_identity(session, school_id, self.platform, user_id)
            return person.id if person else None

    def _link_person(self, school_id: int, user_id: str, email: str) -> int | None:
        with transaction(self.rt.factory) as session:
            person = people.link_by_email(
                session, school_id, self.platform, user_id, email, self.rt.clock()
            )
            return person.id if person else None
