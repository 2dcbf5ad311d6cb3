"""Every command's declared usage hint names every subcommand it takes, and the reply to a word
it doesn't know (its usage) names the same ones."""

from __future__ import annotations

import re

import pytest

from handlers import routes
from handlers.replies import Say
from tests.handlers.test_offsite_steps import act

LEAD = "head@example.org"  # the Headteacher holds every lead's permission
# Every word each command takes after its name, lead-only ones included.
SUBCOMMANDS = {
    "offsite": {"list", "return", "register"},
    "breach": {"list", "open", "details", "triage"},
    "concern": {"list", "log", "open"},
    "aup": {"status", "publish", "history", "exempt", "record"},
    "safekeep": {"roles", "report", "policy", "export", "settings"},
}


def hinted(name: str) -> set[str]:
    """The subcommands a declared usage hint names ("leads" and "N" are not commands)."""
    return set(re.findall(r"[a-z]+", routes.COMMANDS[name].usage_hint)) - {"leads"}


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_the_usage_hint_names_every_subcommand(name):
    assert hinted(name) == SUBCOMMANDS[name]


def test_every_command_is_checked():
    assert set(routes.COMMANDS) <= set(SUBCOMMANDS)


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_the_usage_reply_names_what_the_hint_names_and_each_word_is_a_command(
    name, factory, clock, school
):
    usage = act(factory, clock, LEAD, routes.command(name, "nonsense"))
    assert isinstance(usage, Say)
    for word in hinted(name):
        assert f"`/{name} {word}" in usage.text, (name, word)
        argument = " 1" if word in ("details", "triage") else ""
        reply = act(factory, clock, LEAD, routes.command(name, word + argument))
        assert not (isinstance(reply, Say) and reply.text == usage.text), (name, word)
