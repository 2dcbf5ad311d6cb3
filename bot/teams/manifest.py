"""The Teams app package: manifest.json (schema v1.22) and its two icons, zipped, generated
from the same ``Command`` declarations as the Slack manifest.

``python -m bot manifest teams --url https://safekeep.example.org --app-id ID --out FILE.zip``
writes it; a Teams administrator uploads it in the Teams admin centre (Manage apps -> Upload
new app) and installs it for all staff with an app setup policy.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bot.slack.manifest import APP_NAME, LONG_DESCRIPTION
from bot.teams import icons
from handlers import routes

SCHEMA_VERSION = "1.22"
SCHEMA = f"https://developer.microsoft.com/json-schemas/teams/v{SCHEMA_VERSION}/MicrosoftTeams.schema.json"
APP_VERSION = "1.0.0"
SHORT_DESCRIPTION = "Off-site records, breach reports and the AUP, in a few clicks."
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
COLOUR_ICON, OUTLINE_ICON = "color.png", "outline.png"
COMMANDS_MAX = 10  # Teams shows at most ten commands per scope
TITLE_MAX, DESCRIPTION_MAX = 32, 128


class ManifestError(ValueError):
    """What is wrong with --url or --app-id, in words a technician can act on."""


def teams_manifest(base_url: str, app_id: str) -> dict[str, Any]:
    """manifest.json: the bot (personal scope), its command list, and where Safekeep runs."""
    if not base_url.startswith("https://"):
        raise ManifestError("Teams only calls https:// addresses: --url must start with https://")
    if not GUID.match(app_id or ""):
        raise ManifestError(
            "--app-id must be the bot's Microsoft App ID (a GUID like "
            "00000000-0000-0000-0000-000000000000, from the Azure Bot resource)"
        )
    base = base_url.rstrip("/")
    commands = [
        {
            "title": name[:TITLE_MAX],
            "description": routes.COMMANDS[name].description[:DESCRIPTION_MAX],
        }
        for name in sorted(routes.COMMANDS)
    ][:COMMANDS_MAX]
    return {
        "$schema": SCHEMA,
        "manifestVersion": SCHEMA_VERSION,
        "version": APP_VERSION,
        "id": app_id.lower(),
        "developer": {
            "name": APP_NAME,
            "websiteUrl": base,
            # Teams requires both; a school replaces them with its own privacy notice's address.
            "privacyUrl": base,
            "termsOfUseUrl": base,
        },
        "name": {"short": APP_NAME, "full": f"{APP_NAME}: data protection for schools"},
        "description": {"short": SHORT_DESCRIPTION, "full": LONG_DESCRIPTION},
        "icons": {"color": COLOUR_ICON, "outline": OUTLINE_ICON},
        "accentColor": "#1D4F4A",
        "bots": [
            {
                "botId": app_id.lower(),
                "scopes": ["personal"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [{"scopes": ["personal"], "commands": commands}],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [urlparse(base).netloc],
    }


def write_package(base_url: str, app_id: str, out: Path) -> dict[str, Any]:
    """Write the zip Teams uploads: manifest.json and the two icons at the package's root."""
    manifest = teams_manifest(base_url, app_id)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2))
        package.writestr(COLOUR_ICON, icons.colour_icon())
        package.writestr(OUTLINE_ICON, icons.outline_icon())
    return manifest
