"""`python -m bot staff sync` for Slack: read the workspace's members (users.list, paged).

Who is added, updated or skipped, and the summary, are handlers/people.py's sync_staff.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.runtime import Runtime
from bot.slack.app import make_client
from bot.slack.identity import Directory, member
from handlers import people
from handlers.context import Context
from storage.database import transaction
from storage.models import School


async def workspace_school(rt: Runtime) -> int:
    """With one bot token: its workspace's school, created on first use as the Slack adapter
    does (named after the workspace, with SAFEKEEP_SCHOOL_CONFIG applied)."""
    client = make_client(rt.settings.slack_api_url, rt.settings.slack_bot_token)
    return await Directory(rt, rt.settings.school_config).token_school_id(client)


async def sync_staff(rt: Runtime, school_id: int) -> people.SyncResult:
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
    return await asyncio.to_thread(_apply, rt, school_id, [member(m) for m in members])


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


def _apply(rt: Runtime, school_id: int, members: list[people.Member]) -> people.SyncResult:
    with transaction(rt.factory) as session:
        school = session.get_one(School, school_id)
        ctx = Context(session, school, None, rt.clock, platform="cli")
        return people.sync_staff(ctx, people.SLACK, members)
