"""The small chat protocol journeys are written against, and the `chat` fixture that runs each
journey through every adapter.

A journey says what people do (type a command, fill in the dialog, press a button in a DM) and
checks what they see and what is stored. Each adapter's driver turns those steps into its own
platform's requests; adding an adapter is one class and one line in ``ADAPTERS``.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

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


# What no log line may ever hold: the credentials the drivers use.
SECRETS = (
    "xoxb-demo-token",
    "test-signing-secret",
    "fake-bot-token",
    "not-a-real-secret",
    "fake-client-secret",
)


class Watched:
    """A Chat that remembers every answer a person typed, to look for it in the logs."""

    def __init__(self, inner: Chat) -> None:
        self.inner = inner
        self.typed: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def command(self, text: str) -> str:
        self._remember(text.partition(" ")[2])
        return self.inner.command(text)

    def fill(self, answers: Mapping[str, Any]) -> str:
        for value in answers.values():
            for one in value if isinstance(value, list | tuple) else [value]:
                self._remember(one)
        return self.inner.fill(answers)

    def _remember(self, value: object) -> None:
        # Short answers ("yes", a count, a choice's key) are also ordinary words in log lines.
        if isinstance(value, str) and len(value.strip()) >= 8:
            self.typed.add(value.strip())


def _adapters() -> list[str]:
    """Every adapter, or those SAFEKEEP_JOURNEY_ADAPTERS names (comma-separated): `make
    test-dates` runs the journeys under each moved clock through the console and one chat
    platform in turn, to keep CI short."""
    named = os.environ.get("SAFEKEEP_JOURNEY_ADAPTERS", "").strip()
    if not named:
        return list(ADAPTERS)
    chosen = [name.strip() for name in named.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in ADAPTERS]
    if unknown:
        raise ValueError(f"SAFEKEEP_JOURNEY_ADAPTERS names unknown adapters: {unknown}")
    return chosen


@pytest.fixture(params=_adapters())
def chat(request: pytest.FixtureRequest) -> Iterator[Chat]:
    """The demo school through one adapter, acting as the class teacher. Every logger logs at
    DEBUG through Safekeep's log hygiene filter meanwhile, and afterwards nothing the person
    typed, and no credential, may be in what was logged."""
    from bot import log_hygiene

    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    log_hygiene.install(handler)
    loggers = [logging.getLogger(), *map(logging.getLogger, list(logging.root.manager.loggerDict))]
    levels = [one.level for one in loggers]
    for one in loggers:
        one.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    watched = Watched(ADAPTERS[request.param](request))
    try:
        yield cast(Chat, watched)
    finally:
        logging.getLogger().removeHandler(handler)
        for one, level in zip(loggers, levels, strict=True):
            one.setLevel(level)
    logged = captured.getvalue()
    leaked = [t for t in (*watched.typed, *SECRETS) if t in logged]
    assert not leaked, f"the logs hold what was typed or a credential: {leaked}"
