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
from sqlalchemy.orm import Session

from bot import directory, runtime
from handlers import people
from handlers.school_config import SchoolConfig
from storage.database import transaction
from storage.models import TeamsConversation

log = logging.getLogger(__name__)

PLATFORM = "teams"
Lookup = Callable[[], Awaitable[dict[str, Any] | None]]


class Directory(directory.Directory):
    """Finds (and on first use creates or links) the school and person behind an activity."""

    platform = PLATFORM
    school_key = "teams_tenant_id"

    def __init__(self, rt: runtime.Runtime, school_config: SchoolConfig | None = None) -> None:
        super().__init__(rt, school_config)
        self._references: dict[int, str] = {}  # person -> the reference last stored

    async def school_id(self, tenant_id: str) -> int:
        """The tenant's school, created on first use."""
        return await self.school_for(tenant_id, nameless)

    async def person_id(self, school_id: int, aad_object_id: str, lookup: Lookup) -> int | None:
        """The staff member behind an Entra object id; ``lookup`` asks the Bot Connector for the
        member (email, UPN) when the id is not linked to anyone yet."""

        async def email() -> str | None:
            return email_of(await lookup())

        return await self.person_for(school_id, aad_object_id, email)

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


async def nameless() -> str | None:
    """A tenant's name is not in the activity: handlers/people.py names its school."""
    return None


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
