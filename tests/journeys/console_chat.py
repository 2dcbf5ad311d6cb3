"""The chat protocol over the console, in-process: each command runs until the console asks a
question, and ``fill`` answers the questions by field name, typed as a person would."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from greenlet import greenlet  # installed with sqlalchemy[asyncio]
from sqlalchemy.orm import Session, sessionmaker

from bot.console.app import FILE_SAVED
from handlers import people
from handlers.clock import Clock
from tests.drivers.console import ConsoleBot
from tests.journeys.chat import Dm

TEACHER = "teacher@example.org"


def typed(answer: Any) -> str:
    """A raw answer as typed at the console's prompt (choices by value, several with commas)."""
    if answer is None:
        return ""
    if isinstance(answer, (list, tuple)):
        return ",".join(str(a) for a in answer)
    if isinstance(answer, date):
        return answer.isoformat()
    return str(answer)


class ConsoleChat:
    platform = "console"

    def __init__(self, factory: sessionmaker[Session], clock: Clock, school_id: int) -> None:
        self.factory = factory
        self.school_id = school_id
        self.bot = ConsoleBot(factory, clock, school_id, TEACHER, read=self._read)
        self.app = self.bot.app
        # The console runs a dialog to its end in one call; it runs in its own greenlet so it
        # can stop at each question and go on when the journey answers.
        self._dialog: greenlet | None = None
        self._waiting = False

    def _read(self, prompt: str) -> str:
        self.bot.output.append(prompt)
        assert self._dialog is not None
        answer: str = self._dialog.parent.switch(prompt)
        return answer

    def _run(self, line: str) -> str:
        assert not self._waiting, f"a dialog is still open: {self.app.form}"
        start = len(self.bot.output)
        self._dialog = greenlet(self.app.handle)
        self._waiting = self._dialog.switch(line) is not None
        return self._since(start)

    def _since(self, start: int) -> str:
        return "\n".join(self.bot.output[start:])

    def as_person(self, email: str) -> None:
        self.bot.act_as(email)

    def command(self, text: str) -> str:
        return self._run(text)

    def fill(self, answers: Mapping[str, Any]) -> str:
        assert self._waiting and self._dialog is not None, "no dialog is open"
        form = self.app.form
        assert form is not None
        unknown = set(answers) - {f.name for f in form.fields}
        assert not unknown, f"{form.id} has no fields {unknown}"
        start, answered = len(self.bot.output), set()
        while self._waiting and self.app.form is form:
            field = self.app.field
            if field is None:
                answer = "yes"  # a form without questions asks to confirm
            elif field.name in answered:
                break  # asked again: the answer has a problem, shown above
            else:
                answered.add(field.name)
                answer = typed(answers.get(field.name))
            self._waiting = self._dialog.switch(answer) is not None
        return self._since(start)

    def press(self, button: str) -> str:
        me = self._person_id(self.app.email)
        for number, pending in reversed(self.app.buttons.items()):
            if button in (pending.button.label, pending.button.action) and (
                pending.recipient_id in (None, me)
            ):
                return self._run(f"/press {number}")
        raise AssertionError(f"{self.app.email} has no {button!r} button")

    def dms(self, email: str) -> list[Dm]:
        person_id = self._person_id(email)
        return [
            Dm(shown.text, tuple(b.label for b in shown.buttons), _saved_files(shown.text))
            for shown in self.app.shown
            if shown.recipient_id == person_id
        ]

    def deliver(self) -> None:
        self.app.deliver()

    def _person_id(self, email: str) -> int:
        with self.factory() as session:
            person = people.find_by_email(session, self.school_id, email)
            assert person is not None, email
            return person.id


def _saved_files(text: str) -> tuple[tuple[str, bytes], ...]:
    """The files a console DM wrote to disk, read from the paths it printed."""
    found = []
    for line in text.splitlines():
        if line.startswith(FILE_SAVED):
            path = Path(line.removeprefix(FILE_SAVED))
            found.append((path.name.split("-", 1)[1], path.read_bytes()))
    return tuple(found)
