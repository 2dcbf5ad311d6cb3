"""Slack workspace -> school, Slack user -> person: the Slack calls behind handlers/people.py.

The rules (first-use school, linking by email, who counts as staff) are handlers/people.py;
this module asks Slack: ``auth.test`` for the workspace's name and ``users.info`` for a user's
email (scope ``users:read.email``), and caches the answers.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot import directory
from handlers import people

log = logging.getLogger(__name__)

PLATFORM = "slack"


class Directory(directory.Directory):
    """Finds (and on first use creates or links) the school and person behind a Slack event."""

    platform = PLATFORM
    school_key = "slack_team_id"

    async def school_id(
        self, team_id: str, client: AsyncWebClient, auth: AsyncSlackResponse | None = None
    ) -> int:
        """The workspace's school, created on first use and named from ``auth.test`` (asked
        here unless ``auth`` is its answer already)."""

        async def name() -> str | None:
            answer = auth or await client.auth_test()
            return str(answer.get("team") or "") or None

        return await self.school_for(team_id, name)

    async def token_school_id(self, client: AsyncWebClient) -> int:
        """The school of the workspace that ``client``'s bot token belongs to (from ``auth.test``),
        created on first use exactly as for the first person to use Safekeep there."""
        auth = await client.auth_test()
        return await self.school_id(str(auth["team_id"]), client, auth)

    async def person_id(
        self, school_id: int, team_id: str, user_id: str, client: AsyncWebClient
    ) -> int | None:
        return await self.person_for(school_id, user_id, lambda: self._email_of(user_id, client))

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
        guest=bool(user.get("is_restricted") or user.get("is_ultra_restricted")),
    )
