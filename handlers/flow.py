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
class FlowForm:
    """How to rebuild a form from its state (to parse a submission) and what submitting does."""

    build: Callable[[Context, State], Form]
    submit: Callable[[Context, Answers, State], Reply]
