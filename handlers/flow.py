"""What a flow module exposes to the router: its commands, forms and buttons."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers.context import Context
from handlers.forms import Form
from handlers.replies import Reply

# The largest id a row can have on both databases (PostgreSQL's INTEGER).
MAX_ID = 2**31 - 1

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


def record_id(value: object) -> int | None:
    """The row id a button's value or a form's state names: a whole number from 1 to MAX_ID
    (as an int or its digits), else None. Values arrive from the network, so anything else,
    from "abc" to 10**20, names nothing rather than failing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        digits = value.strip()
        if len(digits) > 10:
            return None
        number = int(digits)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None
