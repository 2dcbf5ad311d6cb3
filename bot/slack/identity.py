"""Slack workspace -> school, Slack user -> person: the Slack calls behind handlers/people.py.

The rules (first-use school, linking by email, who counts as staff) are handlers/people.py;
this module asks Slack: ``auth.test`` for the workspace's name and ``users.info`` for a user's
email (scope ``users:read.email``), and caches the answers.
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
from handlers import people
from handlers.routes import Locate
from handlers.school_config import SchoolConfig
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
            name = str(auth.get("team") or "") or None
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
            return people.staff_member(session, school_id, person_id)

        return locate

    # --- database steps (run in a thread) ---------------------------------------------------

    def _find_school(self, team_id: str) -> int | None:
        with self.rt.factory() as session:
            return session.scalar(select(School.id).where(School.slack_team_id == team_id))

    def _create_school(self, team_id: str, name: str | None) -> int:
        try:
            with transaction(self.rt.factory) as session:
                school = people.first_use_school(
                    session, PLATFORM, name, self.rt.clock(), slack_team_id=team_id
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
            person = people.link_by_email(
                session, school_id, PLATFORM, user_id, email, self.rt.clock()
            )
            return person.id if person else None

    async def _email_of(self, user_id: str, client: AsyncWebClient) -> str | None:
        try:
            info = await client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning("users.info failed for a Slack user: %s", exc.response.get("error"))
            return None
        return people.staff_email(member(info.get("user") or {}))


def member(user: dict[str, Any]) -> people.Member:
    """A Slack user object (users.info, users.list) as plain data for handlers/people.py."""
    profile = user.get("profile") or {}
    email = profile.get("email")
    return people.Member(
        external_id=str(user.get("id") or ""),
        email=str(email) if email else None,
        name=str(user.get("real_name") or profile.get("real_name") or ""),
        is_bot=bool(user.get("is_bot")) or user.get("id") == "USLACKBOT",
        deactivated=bool(user.get("deleted")),
    )
