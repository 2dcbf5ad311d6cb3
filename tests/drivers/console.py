"""A test bot for the console adapter: type lines, read back what it printed."""

from __future__ import annotations

import tempfile
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.console.app import Console
from handlers.clock import Clock
from handlers.forms import Field, Form
from handlers.replies import Button, Reply


class OutOfInput(AssertionError):
    """The console asked for more answers than the test typed."""


@dataclass(frozen=True)
class Shown:
    """A message the console printed: a DM (with its recipient) or a reply to the typist."""

    recipient_id: int | None
    text: str
    buttons: tuple[Button, ...]


class WatchedConsole(Console):
    """The console, noting the form and question it is on and every message it shows, so a
    test can answer questions by field name and find DMs by recipient."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.form: Form | None = None
        self.field: Field | None = None
        self.shown: list[Shown] = []
        super().__init__(*args, **kwargs)

    def fill_and_submit(self, form: Form) -> Reply:
        self.form = form
        return super().fill_and_submit(form)

    def ask_field(self, field: Field, tz: ZoneInfo, answers: dict[str, Any]) -> tuple[Any, Any]:
        self.field = field
        try:
            return super().ask_field(field, tz, answers)
        finally:
            self.field = None

    def show_message(
        self, prefix: str, text: str, buttons: tuple[Button, ...], recipient_id: int | None
    ) -> None:
        self.shown.append(Shown(recipient_id, text, buttons))
        super().show_message(prefix, text, buttons, recipient_id)


class ConsoleBot:
    def __init__(
        self,
        factory: sessionmaker[Session],
        clock: Clock,
        school_id: int,
        email: str,
        read: Callable[[str], str] | None = None,
    ) -> None:
        """``read`` answers the console's prompts; by default the lines given to ``say``."""
        self.lines: deque[str] = deque()
        self.output: list[str] = []
        self.prompts: list[str] = []
        self.app = WatchedConsole(
            factory,
            clock,
            school_id,
            email,
            read=read or self._read,
            write=self.output.append,
            files_dir=Path(tempfile.mkdtemp(prefix="safekeep-console-files-")),
        )

    def _read(self, prompt: str) -> str:
        self.prompts.append(prompt)
        self.output.append(prompt)
        if not self.lines:
            raise OutOfInput(f"the console asked for more input: {prompt!r}")
        return self.lines.popleft()

    def say(self, command: str, *answers: str) -> str:
        """Type a command and then each answer at the prompts that follow; returns the output."""
        start = len(self.output)
        self.lines.extend(answers)
        self.app.handle(command)
        left = list(self.lines)
        self.lines.clear()
        assert not left, f"the console did not ask for: {left}"
        return "\n".join(self.output[start:])

    def act_as(self, email: str) -> None:
        self.app.switch_to(email)
        assert self.app.email == email, self.output[-1]
