"""The small chat protocol journeys are written against, and the `chat` fixture that runs each
journey through every adapter.

A journey says what people do (type a command, fill in the dialog, press a button in a DM) and
checks what they see and what is stored. Each adapter's driver turns those steps into its own
platform's requests; adding an adapter is one class and one line in ``ADAPTERS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import pytest


@dataclass(frozen=True)
class Dm:
    """A direct message as its recipient has it now: the text, its buttons' labels, and the
    files it carries as (file name, bytes) as the recipient would download them."""

    text: str
    buttons: tuple[str, ...] = ()
    files: tuple[tuple[str, bytes], ...] = ()


class Chat(Protocol):
    """What a journey can do and see, on any platform."""

    platform: str  # as stored with what people do: "console", "slack", "teams"

    def as_person(self, email: str) -> None:
        """Act as this member of staff from now on."""

    def command(self, text: str) -> str:
        """Type a command such as ``/aup status``; returns what the person sees."""

    def fill(self, answers: Mapping[str, Any]) -> str:
        """Submit the open dialog with raw answers keyed by field name (lists for several
        choices; fields left out keep what the dialog shows); returns what the person sees
        next: the next step, the outcome, or the problems with the answers."""

    def press(self, button: str) -> str:
        """Press the button with this label (or action) in the person's newest DM that has it;
        returns what the person sees."""

    def dms(self, email: str) -> list[Dm]:
        """The DMs this person has received, oldest first."""

    def deliver(self) -> None:
        """Run the outbox dispatcher once, as the worker does."""


def _console(request: pytest.FixtureRequest) -> Chat:
    from tests.journeys.console_chat import ConsoleChat

    return ConsoleChat(
        request.getfixturevalue("factory"),
        request.getfixturevalue("clock"),
        request.getfixturevalue("school").id,
    )


def _slack(request: pytest.FixtureRequest) -> Chat:
    from tests.journeys.slack_chat import SlackChat

    return SlackChat(request.getfixturevalue("slack"))


def _teams(request: pytest.FixtureRequest) -> Chat:
    from tests.journeys.teams_chat import TeamsChat

    return TeamsChat(request.getfixturevalue("teams"))


ADAPTERS: dict[str, Callable[[pytest.FixtureRequest], Chat]] = {
    "console": _console,
    "slack": _slack,
    "teams": _teams,
}


@pytest.fixture(params=list(ADAPTERS))
def chat(request: pytest.FixtureRequest) -> Chat:
    """The demo school through one adapter, acting as the class teacher."""
    return ADAPTERS[request.param](request)
