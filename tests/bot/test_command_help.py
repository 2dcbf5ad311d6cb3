"""Commands are declared once: the Slack manifest and the console's /help list the same ones,
with the same descriptions and usage hints."""

from __future__ import annotations

import re

from bot.console.app import CONSOLE_ONLY
from bot.slack.manifest import slack_manifest

HELP_LINE = re.compile(r"^  (/\S+)((?: \S+)*?) {2,}(\S.*)$")


def listed(help_shown: str) -> dict[str, tuple[str, str]]:
    """/help's lines as {command: (usage hint, description)}."""
    found = {}
    for line in help_shown.splitlines():
        match = HELP_LINE.match(line)
        if match:
            found[match[1]] = (match[2].strip(), match[3])
    return found


def test_the_manifest_and_the_console_help_list_the_same_commands_and_descriptions(console):
    manifest = slack_manifest("https://safekeep.example.org")["features"]["slash_commands"]
    in_slack = {c["command"]: (c.get("usage_hint", ""), c["description"]) for c in manifest}
    in_console = listed(console.say("/help"))
    console_only = listed(CONSOLE_ONLY)
    assert console_only and not set(console_only) & set(in_slack)
    assert {k: v for k, v in in_console.items() if k not in console_only} == in_slack
    assert {"/offsite", "/breach", "/aup", "/safekeep"} <= set(in_slack)
