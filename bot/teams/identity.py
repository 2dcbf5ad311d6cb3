"""Entra ID tenant -> school, Teams user -> person, and where to DM them: the Teams calls behind
handlers/people.py.

The rules (first-use school, linking by email, who counts as staff) are handlers/people.py. A
user is matched by their Entra object id (``from.aadObjectId``); a user not linked yet is looked
up once in the Bot Connector's member API, which gives their email (or UPN). Each person's
conversation reference is stored (encrypted) so the outbox can DM them after a restart.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import runtime
from handlers import people
from handlers.routes import Locate
from handlers.school_config import SchoolConfig
from storage.database import transaction
from storage.models import Person, School, TeamsConversation

log = logging.getLogger(__name__)

PLATFORM = "teams"
Lookup = Callable[[], Awaitable[dict[str, Any] | None]]


class Directory:
    """Finds (and on first use creates or links) the school and person behind an activity."""

    def __init__(self, rt: runtime.Runtime, school_config: SchoolConfig | None = None) -> None:
        self.rt = rt
        self.school_config = school_config
        self._schools: dict[str, int] = {}
        self._people: dict[tuple[int, str], int] = {}
        self._references: dict[int, str] = {}  # person -> the reference last stored

    async def school_id(self, tenant_id: str) -> int:
        """The tenant's school, created on first use."""
        if tenant_id not in self._schools:
            found = await asyncio.to_thread(self._find_school, tenant_id)
            if found is None:
                found = await asyncio.to_thread(self._create_school, tenant_id)
            self._schools[tenant_id] = found
        return self._schools[tenant_id]

    async def person_id(self, school_id: int, aad_object_id: str, lookup: Lookup) -> int | None:
        """The staff member behind an Entra object id; ``lookup`` asks the Bot Connector for the
        member (email, UPN) when the id is not linked to anyone yet."""
        key = (school_id, aad_object_id)
        if key in self._people:
            return self._people[key]
        found = await asyncio.to_thread(self._find_person, school_id, aad_object_id)
        if found is None:
            email = email_of(await lookup())
            if email:
                found = await asyncio.to_thread(self._link_person, school_id, aad_object_id, email)
        if found is not None:
            self._people[key] = found
        return found

    def locate(self, school_id: int, person_id: int | None) -> Locate:
        def locate(session: Session) -> tuple[School, Person | None]:
            return people.staff_member(session, school_id, person_id)

        return locate

    async def remember_conversation(
        self, school_id: int, person_id: int, reference: dict[str, Any]
    ) -> None:
        """Keep (or refresh) where this person's personal chat with the bot is; a reference this
        process stored already is not written again."""
        text = json.dumps(reference, separators=(",", ":"), sort_keys=True)
        if self._references.get(person_id) == text:
            return
        await asyncio.to_thread(self._store_reference, school_id, person_id, text)
        self._references[person_id] = text

    # --- database steps (run in a thread) ---------------------------------------------------

    def _find_school(self, tenant_id: str) -> int | None:
        with self.rt.factory() as session:
            return session.scalar(select(School.id).where(School.teams_tenant_id == tenant_id))

    def _create_school(self, tenant_id: str) -> int:
        try:
            with transaction(self.rt.factory) as session:
                school = people.first_use_school(
                    session, PLATFORM, None, self.rt.clock(), teams_tenant_id=tenant_id
                )
                school_id = school.id
        except IntegrityError:  # another request created it at the same moment
            found = self._find_school(tenant_id)
            if found is None:
                raise
            return found
        log.info("created school %s for an Entra ID tenant", school_id)
        if self.school_config is not None:
            runtime.configure_school(self.rt, school_id, self.school_config)
        return school_id

    def _find_person(self, school_id: int, aad_object_id: str) -> int | None:
        with self.rt.factory() as session:
            person = people.find_by_identity(session, school_id, PLATFORM, aad_object_id)
            return person.id if person else None

    def _link_person(self, school_id: int, aad_object_id: str, email: str) -> int | None:
        with transaction(self.rt.factory) as session:
            person = people.link_by_email(
                session, school_id, PLATFORM, aad_object_id, email, self.rt.clock()
            )
            return person.id if person else None

    def _store_reference(self, school_id: int, person_id: int, text: str) -> None:
        with transaction(self.rt.factory) as session:
            row = session.scalar(
                select(TeamsConversation).where(TeamsConversation.person_id == person_id)
            )
            if row is None:
                session.add(
                    TeamsConversation(
                        school_id=school_id,
                        person_id=person_id,
                        reference=text,
                        updated_at=self.rt.clock(),
                    )
                )
            elif row.reference != text:
                row.reference, row.updated_at = text, self.rt.clock()


def email_of(member: dict[str, Any] | None) -> str | None:
    """A Bot Connector member's email (or UPN, which is the sign-in address), as staff email."""
    if not member:
        return None
    address = member.get("email") or member.get("userPrincipalName")
    return people.staff_email(
        people.Member(
            external_id=str(member.get("aadObjectId") or member.get("id") or ""),
            email=str(address) if address else None,
            name=str(member.get("name") or ""),
        )
    )


def load_reference(session: Session, person_id: int) -> dict[str, Any] | None:
    row = session.scalar(select(TeamsConversation).where(TeamsConversation.person_id == person_id))
    return json.loads(row.reference) if row is not None else None
