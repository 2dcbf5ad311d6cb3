"""What a flow module exposes to the router: its commands, forms and buttons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers.context import Context
from handlers.forms import Form
from handlers.replies import Reply

Answers = dict[str, Any]
State = dict[str, Any]
CommandHandler = Callable[[Context, str], Reply]
ActionHandler = Callable[[Context, str], Reply]


@dataclass(frozen=True)
class Command:
    """A chat command, declared once beside its flow: the Slack manifest, the console's /help
    (and later the Teams app package) are generated from it."""

    name: str  # without the slash: "offsite"
    description: str  # the one line a person reads in the command list
    usage_hint: str  # what may follow the command, e.g. "[status]"; "" for nothing
    handler: CommandHandler

    @property
    def usage(self) -> str:
        """The command as typed, with its hint: "/aup [status]"."""
        return f"/{self.name} {self.usage_hint}".rstrip()


@dataclass(frozen=True)
class FlowForm:
    """How to rebuild a form from its state (to parse a submission) and what submitting does."""

    build: Callable[[Context, State], Form]
    submit: Callable[[Context, Answers, State], Reply]
    # A leads' form: checked (access.require) before it is rebuilt or its answers are read, so
    # a forged submission is refused and audited rather than shown again with its errors.
    permission: str | None = None
