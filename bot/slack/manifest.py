"""The Slack app manifest, generated from the commands registered in ``handlers.routes``.

``python -m bot manifest slack --url https://safekeep.example.org`` prints it for an HTTP
install; ``--socket`` prints the Socket Mode version (no URLs; Slack connects out to us).
Paste it at https://api.slack.com/apps -> Create New App -> From a manifest.
"""

from __future__ import annotations

from typing import Any

from bot.slack.listeners import SHORTCUT_BREACH, SHORTCUT_CONCERN
from handlers import routes

APP_NAME = "Safekeep"
DESCRIPTION = "Off-site records, breach reports and the AUP, in a few clicks."
LONG_DESCRIPTION = (
    "Safekeep turns a primary school's data-protection and online-safety policies into short "
    "guided conversations. Staff declare records they take off site and mark them returned, "
    "report a lost device or a suspected data breach at any hour, and read and agree to the "
    "Acceptable Use Policy. The DSL, DPO and Headteacher get the alerts and deadlines they "
    "need, and every step is recorded for the school's registers."
)

# What each scope is for (the README repeats this for a school's IT technician).
BOT_SCOPES: dict[str, str] = {
    "commands": "the /offsite, /breach, /concern, /aup and /safekeep commands and the shortcuts",
    "chat:write": "direct messages: alerts, reminders and approvals",
    "im:write": "open a direct message with a member of staff",
    "im:history": "after a lost answer from Slack, check Safekeep's own DM before sending it again",
    "users:read": "tell staff from bots and deactivated accounts (staff sync)",
    "users:read.email": "match each Slack member to the staff list by school email",
    "files:write": "send the termly report to governors (a PDF and CSV) in a direct message",
}
BOT_EVENTS = ("app_home_opened", "app_uninstalled", "tokens_revoked")

SHORTCUT_NAME = "Report a lost device or breach"
SHORTCUT_DESCRIPTION = "Tell the DSL and DPO at once; it takes two minutes"
CONCERN_SHORTCUT_NAME = "Report an online-safety concern"
CONCERN_SHORTCUT_DESCRIPTION = "Tell the DSL or Online Safety lead at once; under a minute"


def slack_manifest(base_url: str | None, *, socket_mode: bool = False) -> dict[str, Any]:
    """A complete manifest; ``base_url`` is where ``python -m bot web`` is reachable."""
    if not socket_mode and not base_url:
        raise ValueError("an HTTP install needs --url (where Safekeep is reachable), or --socket")
    events_url = f"{(base_url or '').rstrip('/')}/slack/events"
    commands = []
    for name in sorted(routes.COMMANDS):
        declared = routes.COMMANDS[name]
        command: dict[str, Any] = {
            "command": f"/{name}",
            "description": declared.description,
            "should_escape": False,
        }
        if declared.usage_hint:
            command["usage_hint"] = declared.usage_hint
        if not socket_mode:
            command["url"] = events_url
        commands.append(command)
    interactivity: dict[str, Any] = {"is_enabled": True}
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    oauth: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if not socket_mode:
        interactivity["request_url"] = events_url
        events["request_url"] = events_url
        oauth["redirect_urls"] = [f"{(base_url or '').rstrip('/')}/slack/oauth_redirect"]
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": APP_NAME,
            "description": DESCRIPTION,
            "long_description": LONG_DESCRIPTION,
            "background_color": "#1d4f4a",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": APP_NAME, "always_online": True},
            "shortcuts": [
                {
                    "name": SHORTCUT_NAME,
                    "type": "global",
                    "callback_id": SHORTCUT_BREACH,
                    "description": SHORTCUT_DESCRIPTION,
                },
                {
                    "name": CONCERN_SHORTCUT_NAME,
                    "type": "global",
                    "callback_id": SHORTCUT_CONCERN,
                    "description": CONCERN_SHORTCUT_DESCRIPTION,
                },
            ],
            "slash_commands": commands,
        },
        "oauth_config": oauth,
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }
