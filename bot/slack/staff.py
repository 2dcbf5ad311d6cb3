"""`python -m bot staff sync` for Slack: members of the workspace -> the school's staff list.

Every member with an email becomes (or stays) a person, matched by email, and their Slack id is
linked so DMs reach them. Bots, deactivated accounts and guests without an email are skipped.
Nobody is removed: leavers are deactivated by the school, deliberately, not by a sync.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from bot.runtime import Runtime
from bot.slack.app import make_client
from bot.slack.identity import PLATFORM, Directory, staff_email
from handlers import people
from handlers.context import Context
from storage.database import transaction
from storage.models import School


@dataclass
class SyncResult:
    added: int = 0
    updated: int = 0
    skipped: int = 0

    def summary(self) -> str:
        return (
            f"Staff sync from Slack: {self.added} added, {self.updated} already known, "
            f"{self.skipped} skipped (bots, deactivated accounts, no email)."
        )


async def workspace_school(rt: Runtime) -> int:
    """With one bot token: its workspace's school, created on first use as the Slack adapter
    does (named after the workspace, with SAFEKEEP_SCHOOL_CONFIG applied)."""
    client = make_client(rt.settings.slack_api_url, rt.settings.slack_bot_token)
    return await Directory(rt, rt.settings.school_config).token_school_id(client)


async def sync_staff(rt: Runtime, school_id: int) -> SyncResult:
    """Read every workspace member (users.list, paged) and update the staff list."""
    client = make_client(rt.settings.slack_api_url, await _token(rt, school_id))
    members: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await client.users_list(limit=200, cursor=cursor)
        members.extend(page.get("members") or [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return await asyncio.to_thread(_apply, rt, school_id, members)


async def _token(rt: Runtime, school_id: int) -> str | None:
    settings = rt.settings
    if not (settings.slack_client_id and settings.slack_client_secret):
        return settings.slack_bot_token
    from bot.slack.oauth import installation_store

    with rt.factory() as session:
        team_id = session.get_one(School, school_id).slack_team_id
    bot = await installation_store(settings, rt.engine).async_find_bot(
        enterprise_id=None, team_id=team_id
    )
    return bot.bot_token if bot else None


def _apply(rt: Runtime, school_id: int, members: list[dict[str, Any]]) -> SyncResult:
    result = SyncResult()
    with transaction(rt.factory) as session:
        school = session.get_one(School, school_id)
        ctx = Context(session, school, None, rt.clock, platform="cli")
        for member in members:
            email = staff_email(member)
            if email is None:
                result.skipped += 1
                continue
            profile = member.get("profile") or {}
            name = str(member.get("real_name") or profile.get("real_name") or "")
            person, created = people.upsert_person(session, school, email, name, ctx.now)
            people.link_identity(session, person, PLATFORM, str(member["id"]))
            if created:
                result.added += 1
            else:
                result.updated += 1
        ctx.audit("staff.synced", f"school:{school_id}", added=result.added, skipped=result.skipped)
    return result
