"""A test bot for the console adapter: type lines, read back what it printed."""

from __future__ import annotations

from collections import deque

from sqlalchemy.orm import Session, sessionmaker

from bot.console.app import Console
from handlers.clock import Clock


class OutOfInput(AssertionError):
    """The console asked for more answers than the test typed."""


class ConsoleBot:
    def __init__(
        self, factory: sessionmaker[Session], clock: Clock, school_id: int, email: str
    ) -> None:
        self.lines: deque[str] = deque()
        self.output: list[str] = []
        self.prompts: list[str] = []
        self.app = Console(
            factory, clock, school_id, email, read=self._read, write=self.output.append
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
