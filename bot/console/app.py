"""The console: a terminal REPL over the same handlers, with DMs printed in place."""

from __future__ import annotations

import asyncio
import signal
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.console import render
from bot.console.line_editing import LineHistory, line_editing
from bot.delivery import Delivery, Dispatcher
from bot.turn import take_turn_sync
from handlers import demo_clock, people, routes
from handlers.clock import Clock
from handlers.context import Context
from handlers.errors import UserError
from handlers.forms import (
    CANCELLED,
    CONFIRM_PROMPT,
    CONFIRM_WORDS,
    CONSENT_NOT_GIVEN,
    CONSENT_PROMPT,
    CONSENT_WORDS,
    LEFT_FOR_COMMAND,
    Field,
    Form,
)
from handlers.replies import Ask, Button, Invalid, Reply, Say
from handlers.settings import SchoolSettings
from schedules.sweeps import run_all
from storage.database import transaction
from storage.models import Person, School

# The console's own commands; the flows' commands are listed from their declarations.
CONSOLE_ONLY = """  /as EMAIL                act as another member of staff
  /whoami                  who you are acting as
  /people                  the staff list, with roles
  /home                    what is waiting for you, with its buttons
  /press N                 press button N from a message above
  /clock [+2h|08:00]       the demo's time; an admin can move it on
  /help                    this list
  /quit                    leave"""


def help_text() -> str:
    """/help: every flow's command with its declared description, then the console's own."""
    flows = [f"  {c.usage:<23}  {c.description}" for c in routes.COMMANDS.values()]
    return "\n".join(["Commands:", *flows, CONSOLE_ONLY])


def answer_ctrl_c() -> None:
    """Make Ctrl-C cancel a dialog (and leave at the prompt) even when the console was started by
    a program that ignores it: a command a script starts in the background inherits SIGINT
    ignored, and Python then never raises KeyboardInterrupt."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)


class Cancelled(Exception):
    """The person typed /cancel, or pressed Ctrl-C, in the middle of a dialog."""


class LeftForCommand(Exception):
    """The person typed a command at a dialog's prompt: it is a command, never an answer."""

    def __init__(self, line: str, title: str | None) -> None:
        super().__init__(line)
        self.line, self.title = line, title


@dataclass
class _PendingButton:
    button: Button
    recipient_id: int | None


class ConsoleClock:
    """The console's clock: the one it was given, moved on by an admin's /clock (never back)."""

    def __init__(self, base: Clock) -> None:
        self.base = base
        self.moved = timedelta(0)

    def __call__(self) -> datetime:
        return self.base() + self.moved

    def move_to(self, at: datetime) -> None:
        self.moved += max(at - self(), timedelta(0))


class ConsoleSender:
    """Delivers DMs by printing them in place: ``[DM to NAME] ...``; a file the DM carries is
    written to the console's files folder (readable by its owner only) and its path printed.

    A print cannot be half done and lost, so there is nothing to look for: ``in_doubt`` is
    ignored.
    """

    def __init__(self, console: Console) -> None:
        self.console = console

    async def send(self, delivery: Delivery) -> str | None:
        recipient, notice = delivery.recipient, delivery.notice
        text = notice.text
        for attached in delivery.files:
            path = self.console.files_dir / f"{delivery.outbox_id}-{attached.name}"
            self.console.files_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_bytes(attached.content)
            text += f"\n{FILE_SAVED}{path.resolve()}"
        self.console.show_message(
            f"[DM to {recipient.display_name}] ", text, notice.buttons, recipient.person_id
        )
        return None


FILE_SAVED = "File saved: "


class Console:
    def __init__(
        self,
        factory: sessionmaker[Session],
        clock: Clock,
        school_id: int,
        email: str,
        read: Callable[[str], str] = input,
        write: Callable[[str], None] = print,
        files_dir: Path | None = None,
    ) -> None:
        self.factory = factory
        self.clock = ConsoleClock(clock)
        # Files DMs carry (the governors' report) are written here: the console's "download".
        self.files_dir = files_dir or Path("safekeep-files")
        self.school_id = school_id
        self.read = read
        self.write = write
        self.buttons: dict[int, _PendingButton] = {}
        # Each turn's interaction id: this console's own id and the turn's number.
        self.console_id = uuid.uuid4().hex[:12]
        self.turns = 0
        self.form_title: str | None = None
        self.quitting = False
        self.history: LineHistory | None = None
        self.dispatcher = Dispatcher(
            factory, {"console": ConsoleSender(self)}, self.clock, school_id=school_id
        )
        self.email = ""
        self.name = ""
        self.switch_to(email)

    # --- the loop ---------------------------------------------------------------------------

    @property
    def prompt(self) -> str:
        return f"{self.name}> "

    def run(self, banner: str = "") -> None:
        """Read commands until /quit, Ctrl-D, or Ctrl-C at the command prompt."""
        if banner:
            self.write(banner)
        if self.read is input:
            self.history = line_editing()
            answer_ctrl_c()
        self.deliver()
        while True:
            try:
                self.handle(self.read(self.prompt))
                if self.quitting:
                    return
            except (EOFError, KeyboardInterrupt):  # Ctrl-D anywhere, Ctrl-C at the prompt
                self.write("")
                return

    def handle(self, line: str) -> None:
        """Run one typed line; a command typed at a dialog's prompt runs next."""
        pending: str | None = line
        while pending is not None:
            try:
                self.run_command(pending)
                pending = None
            except LeftForCommand as left:
                title = left.title or "the form"
                self.write(LEFT_FOR_COMMAND.format(title=title, command=left.line.split()[0]))
                pending = left.line

    def run_command(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        if line in ("/quit", "/exit"):
            self.quitting = True
            return
        if not line.startswith("/"):
            self.write("Commands start with /. Type /help for the list.")
            return
        name, _, rest = line[1:].partition(" ")
        local = {
            "help": lambda: self.write(help_text()),
            "as": lambda: self.switch_to(rest),
            "whoami": lambda: self.write(f"You are {self.name} <{self.email}>."),
            "people": self.list_people,
            "press": lambda: self.press(rest),
            "home": lambda: self.converse(routes.home_page()),
            "clock": lambda: self.move_clock(rest),
        }
        if name in local:
            local[name]()
        elif name in routes.COMMANDS:
            self.converse(routes.command(name, rest))
        else:
            self.write(f"I don't know /{name}. Type /help for the list.")

    def move_clock(self, wanted: str) -> None:
        """/clock: show the demo's time, or move it on and do what was waiting for that time
        (the worker's sweeps, then the messages due)."""
        if not wanted.strip():
            self.converse(lambda ctx: Say(demo_clock.shown(ctx, self.clock.moved)))
            return
        target: list[datetime] = []

        def move(ctx: Context) -> Reply:
            target.append(demo_clock.move_to(ctx, wanted))
            return Say(demo_clock.moved(ctx, target[0]))

        reply = self.call(move)
        if target:
            self.clock.move_to(target[0])
        if isinstance(reply, Say):
            self.show_message("", reply.text, reply.buttons, None)
        if target:
            run_all(self.factory, self.clock)
            self.deliver()

    # --- people -----------------------------------------------------------------------------

    def switch_to(self, email: str) -> None:
        email = email.strip().lower()
        with transaction(self.factory) as session:
            person = people.find_by_email(session, self.school_id, email) if email else None
            if person is None:
                self.write(f"Nobody with the email '{email}' is on the staff list. Try /people.")
                return
            people.link_identity(session, person, "console", person.email)
            self.email, self.name = person.email, person.display_name
        if self.buttons:
            self.write(f"You are now {self.name} <{self.email}>.")

    def list_people(self) -> None:
        with self.factory() as session:
            for person in session.scalars(
                select(Person)
                .where(Person.school_id == self.school_id)
                .order_by(Person.display_name)
            ):
                roles = ", ".join(sorted(person.role_names))
                self.write(
                    f"  {person.email:<34} {person.display_name}"
                    + (f"  ({roles})" if roles else "")
                )

    # --- conversations ----------------------------------------------------------------------

    def locate(self, session: Session) -> tuple[School, Person | None]:
        school = session.get_one(School, self.school_id)
        person = people.require_staff(school, people.find_by_email(session, school.id, self.email))
        return school, person

    def call(self, handler: Callable[[Context], Reply]) -> Reply:
        self.turns += 1
        return take_turn_sync(
            self.factory,
            self.clock,
            "console",
            self.locate,
            handler,
            self.deliver,
            f"console:{self.console_id}:{self.turns}",
        )

    def converse(self, handler: Callable[[Context], Reply]) -> None:
        """Run a command or button, then walk through any forms it asks for."""
        reply = self.call(handler)
        try:
            while isinstance(reply, Ask):
                reply = self.fill_and_submit(reply.form)
        except Cancelled:
            self.write(CANCELLED)
            return
        finally:
            self.form_title = None
        if isinstance(reply, Say):
            self.show_message("", reply.text, reply.buttons, None)

    def fill_and_submit(self, form: Form) -> Reply:
        """Ask each question that applies, checking each answer as it is given, then submit."""
        self.form_title = form.title
        self.write(render.form_header(form))
        with self.factory() as session:
            tz = SchoolSettings.from_json(session.get_one(School, self.school_id).settings).zone
        raw: dict[str, Any] = {}
        answers: dict[str, Any] = {}
        to_ask = list(form.fields)
        while True:
            for field in to_ask:
                if not field.applies(answers):
                    raw.pop(field.name, None)
                    answers.pop(field.name, None)
                    continue
                raw[field.name], answers[field.name] = self.ask_field(field, tz, answers)
            if form.consent and form.asks_consent(answers):
                self.agree(form.consent)
            elif not form.fields:
                self.confirm(form.submit)
            reply = self.call(routes.submit(form.id, raw, dict(form.state)))
            if not isinstance(reply, Invalid):
                return reply
            # Problems only the handler can see (e.g. the records changed meanwhile): ask again.
            to_ask = [f for f in form.fields if f.name in reply.errors and f.applies(answers)]
            for _name, message in reply.errors.items():
                self.write(f"! {message}")
            if not to_ask:
                return Say("\n".join(reply.errors.values()))

    def ask_field(self, field: Field, tz: ZoneInfo, answers: dict[str, Any]) -> tuple[Any, Any]:
        """Ask one question until the answer is acceptable, with the earlier ``answers`` for
        checks that need them; returns the raw answer and its typed value."""
        now_local = self.clock().astimezone(tz)
        while True:
            typed = self.ask(render.field_prompt(field) + "\n> ")
            raw = render.raw_answer(field, typed, now_local.date(), now_local)
            if field.kind == "person" and isinstance(raw, str) and "@" in raw:
                raw = self.person_id(raw)
            try:
                return raw, field.accept(raw, tz, now_local.date(), answers)
            except ValueError as exc:
                self.write(f"! {exc}")

    def ask(self, prompt: str) -> str:
        """Read an answer; /cancel or Ctrl-C cancels the dialog, and any other command leaves it
        (the command then runs)."""
        try:
            typed = self.read(prompt)
        except KeyboardInterrupt:
            self.write("")
            raise Cancelled from None
        stripped = typed.strip()
        if stripped == "/cancel":
            raise Cancelled
        if stripped.startswith("/"):
            raise LeftForCommand(stripped, self.form_title)
        if typed and self.history is not None:
            self.history.forget_last()  # answers may hold personal data: keep only commands
        return typed

    def confirm(self, label: str) -> None:
        while True:
            typed = self.ask(CONFIRM_PROMPT.format(action=label.lower()) + "\n> ")
            if typed.strip().lower() in CONFIRM_WORDS:
                return

    def agree(self, statement: str) -> None:
        """An explicit agreement to ``statement``: nothing else counts (not even Enter)."""
        self.write(render.plain(statement))
        while True:
            typed = self.ask(CONSENT_PROMPT + "\n> ")
            if " ".join(typed.lower().replace("'", "").split()).rstrip(".!") in CONSENT_WORDS:
                return
            self.write(CONSENT_NOT_GIVEN)

    def person_id(self, email: str) -> str:
        with self.factory() as session:
            person = people.find_by_email(session, self.school_id, email)
            return str(person.id) if person else ""

    # --- messages and buttons ---------------------------------------------------------------

    def show_message(
        self, prefix: str, text: str, buttons: tuple[Button, ...], recipient_id: int | None
    ) -> None:
        self.write(prefix + render.plain(text))
        if buttons:
            numbered = []
            for button in buttons:
                n = len(self.buttons) + 1
                self.buttons[n] = _PendingButton(button, recipient_id)
                numbered.append((n, button))
            self.write(render.buttons_line(numbered))

    def press(self, number: str) -> None:
        pending = self.buttons.get(int(number)) if number.strip().isdigit() else None
        if pending is None:
            self.write("There is no button with that number. Buttons show as [N] under a message.")
            return
        if pending.recipient_id is not None:
            with self.factory() as session:
                recipient = session.get_one(Person, pending.recipient_id)
                if recipient.email != self.email:
                    self.write(
                        f"That button was sent to {recipient.display_name}. "
                        f"Switch with /as {recipient.email} first."
                    )
                    return
        self.converse(routes.press(pending.button.action, pending.button.value))

    def deliver(self) -> None:
        try:
            asyncio.run(self.dispatcher.deliver_due())
        except UserError as exc:
            self.write(exc.message)
