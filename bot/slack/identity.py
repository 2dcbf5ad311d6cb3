"""Slack workspace -> school, Slack user -> person on the school's staff list.

A workspace is one school, created on first use from ``auth.test``. A Slack user is linked to
a person once, by the email ``users.info`` gives (scope ``users:read.email``); after that the
stored PlatformIdentity answers without asking Slack. Someone whose email is not on the staff
list gets the NotOnStaffList message and nothing is recorded.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import runtime
from handlers import admin, people
from handlers.routes import Locate
from handlers.school_config import SchoolConfig
from storage import audit
from storage.database import transaction
from storage.models import Person, School

log = logging.getLogger(__name__)

PLATFORM = "slack"


class Directory:
    """Finds (and on first use creates or links) the school and person behind an event."""

    def __init__(self, rt: runtime.Runtime, school_config: SchoolConfig | None = None) -> None:
        self.rt = rt
        self.school_config = school_config
        # Positive answers only: a mapping never changes once made, and every request still
        # checks in the database that the person is active. Uninstalling keeps them true too:
        # the school and its staff stay, and a reinstall is the same workspace, the same school.
        self._schools: dict[str, int] = {}
        self._people: dict[tuple[str, str], int] = {}

    async def school_id(
        self, team_id: str, client: AsyncWebClient, auth: AsyncSlackResponse | None = None
    ) -> int:
        """The workspace's school, created on first use and named from ``auth.test`` (asked
        here unless ``auth`` is its answer already)."""
        if team_id in self._schools:
            return self._schools[team_id]
        found = await asyncio.to_thread(self._find_school, team_id)
        if found is None:
            auth = auth or await client.auth_test()
            name = str(auth.get("team") or "Slack workspace")
            found = await asyncio.to_thread(self._create_school, team_id, name)
        self._schools[team_id] = found
        return found

    async def token_school_id(self, client: AsyncWebClient) -> int:
        """The school of the workspace that ``client``'s bot token belongs to (from ``auth.test``),
        created on first use exactly as for the first person to use Safekeep there."""
        auth = await client.auth_test()
        return await self.school_id(str(auth["team_id"]), client, auth)

    async def person_id(
        self, school_id: int, team_id: str, user_id: str, client: AsyncWebClient
    ) -> int | None:
        key = (team_id, user_id)
        if key in self._people:
            return self._people[key]
        found = await asyncio.to_thread(self._find_person, school_id, user_id)
        if found is None:
            email = await self._email_of(user_id, client)
            if email:
                found = await asyncio.to_thread(self._link_person, school_id, user_id, email)
        if found is not None:
            self._people[key] = found
        return found

    def locate(self, school_id: int, person_id: int | None) -> Locate:
        """The ``locate`` for handlers.routes.run: refuses people not on the staff list."""

        def locate(session: Session) -> tuple[School, Person | None]:
            school = session.get_one(School, school_id)
            person = session.get(Person, person_id) if person_id is not None else None
            if person is not None and person.school_id != school.id:
                person = None
            return school, people.require_staff(school, person)

        return locate

    # --- database steps (run in a thread) ---------------------------------------------------

    def _find_school(self, team_id: str) -> int | None:
        with self.rt.factory() as session:
            return session.scalar(select(School.id).where(School.slack_team_id == team_id))

    def _create_school(self, team_id: str, name: str) -> int:
        try:
            with transaction(self.rt.factory) as session:
                school = admin.create_school(
                    session, name, PLATFORM, self.rt.clock(), slack_team_id=team_id
                )
                school_id = school.id
        except IntegrityError:  # another request created it at the same moment
            found = self._find_school(team_id)
            if found is None:
                raise
            return found
        log.info("created school %s for Slack workspace %s", school_id, team_id)
        if self.school_config is not None:
            runtime.configure_school(self.rt, school_id, self.school_config)
        return school_id

    def _find_person(self, school_id: int, user_id: str) -> int | None:
        with self.rt.factory() as session:
            person = people.find_by_identity(session, school_id, PLATFORM, user_id)
            return person.id if person else None

    def _link_person(self, school_id: int, user_id: str, email: str) -> int | None:
        with transaction(self.rt.factory) as session:
            person = people.find_by_email(session, school_id, email)
            if person is None:
                return None
            people.link_identity(session, person, PLATFORM, user_id)
            audit.record(
                session,
                school_id,
                "identity.linked",
                at=self.rt.clock(),
                actor_id=person.id,
                subject=f"person:{person.id}",
                details={"platform": PLATFORM},
            )
            return person.id

    async def _email_of(self, user_id: str, client: AsyncWebClient) -> str | None:
        try:
            info = await client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning("users.info failed for a Slack user: %s", exc.response.get("error"))
            return None
        return staff_email(info.get("user") or {})


def staff_email(user: dict[str, Any]) -> str | None:
    """The email of a Slack member who can be staff: not a bot, not deleted, with an email."""
    if user.get("is_bot") or user.get("deleted") or user.get("id") == "USLACKBOT":
        return None
    email = (user.get("profile") or {}).get("email")
    return str(email).strip().lower() if email else None
