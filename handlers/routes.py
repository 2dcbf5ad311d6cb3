"""One entry point for adapters: commands, form submissions and button presses.

Adapters identify the school and person, then call ``run`` with one of ``command``, ``submit``
or ``press``. ``run`` owns the transaction: a reply commits everything the handler wrote (data,
audit events, outbox rows) at once; a form error or user error rolls back and writes nothing,
except that refusals keep their audit event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handlers import admin, aup, breach, concern, home, offsite
from handlers.access import require
from handlers.clock import Clock
from handlers.context import Context
from handlers.errors import KEY_MISSING, NotSaved, Refused, UserError, apology
from handlers.flow import ActionHandler, Command, FlowForm, State
from handlers.forms import Form, FormErrors
from handlers.replies import Invalid, Reply, Say
from storage import audit, outbox
from storage.crypto import MissingKeyError
from storage.database import is_write_conflict, without_write_lock
from storage.models import AuditEvent, Person, School

log = logging.getLogger(__name__)

COMMANDS: dict[str, Command] = {}
FORMS: dict[str, FlowForm] = {}
ACTIONS: dict[str, ActionHandler] = {}

# Each flow module exposes COMMANDS (a tuple of Command), FORMS and ACTIONS; adding a flow is
# one entry here. The order is the order commands are listed in the console's /help.
FLOWS = (offsite, breach, concern, aup, admin)
for _flow in FLOWS:
    COMMANDS.update((c.name, c) for c in getattr(_flow, "COMMANDS", ()))
    FORMS.update(getattr(_flow, "FORMS", {}))
    ACTIONS.update(getattr(_flow, "ACTIONS", {}))

UNKNOWN = "Sorry, that button or form is no longer available. Try the command again."


@dataclass(frozen=True)
class ReadFirst:
    """Work that usually only reads: a command (most open a form or list something) or the App
    Home. ``run`` begins it without SQLite's write lock, so opening a form never queues behind
    reports being saved; if it does write after another request wrote, it runs again with the
    lock (nothing of the first attempt was saved).

    ``quick`` names work that is usually quick as well (a command on its own opens its form; the
    App Home): an adapter may run it in place with ``read_only`` (bot/turn.py, Quick)."""

    work: Callable[[Context], Reply]
    quick: str | None = None

    def __call__(self, ctx: Context) -> Reply:
        return self.work(ctx)


def command(name: str, text: str = "") -> ReadFirst:
    def call(ctx: Context) -> Reply:
        declared = COMMANDS.get(name.lstrip("/"))
        if declared is None:
            return admin.command(ctx, "")
        return declared.handler(ctx, text.strip())

    known = name.lstrip("/") in COMMANDS
    return ReadFirst(call, quick=name.lstrip("/") if known and not text.strip() else None)


def home_page() -> ReadFirst:
    """What is waiting for the person (the App Home, the console's /home)."""
    return ReadFirst(home.outstanding, quick="home")


def submit(form_id: str, raw: Mapping[str, Any], state: State) -> Callable[[Context], Reply]:
    def call(ctx: Context) -> Reply:
        flow = FORMS.get(form_id)
        if flow is None:
            return Say(UNKNOWN)
        recorded = state.get("recorded")
        ctx.recorded = str(recorded)[:80] if recorded else None
        form = _build(ctx, form_id, flow, state)
        if any(
            f.kind in ("single", "multi") and f.required is True and not f.choices
            for f in form.fields
        ):
            return Say(UNKNOWN)  # nothing left to choose from (say, every record is back)
        answers = form.parse(raw, ctx.tz, ctx.today)
        return flow.submit(ctx, answers, state)

    return call


def press(action: str, value: str) -> Callable[[Context], Reply]:
    def call(ctx: Context) -> Reply:
        handler = ACTIONS.get(action)
        if handler is None:
            return Say(UNKNOWN)
        return handler(ctx, value)

    return call


def build_form(ctx: Context, form_id: str, state: State) -> Form | None:
    flow = FORMS.get(form_id)
    return _build(ctx, form_id, flow, state) if flow else None


def _build(ctx: Context, form_id: str, flow: FlowForm, state: State) -> Form:
    if flow.permission is not None:
        require(ctx, flow.permission, f"form:{form_id}")
    return flow.build(ctx, state)


Locate = Callable[[Session], tuple[School, Person | None]]


class Handover(Protocol):
    """A process that sends what a request queues itself, the moment the request commits
    (bot/turn.py), so an alert never waits for the next delivery round."""

    def lease(self, session: Session, row: Mapping[str, Any]) -> datetime | None:
        """Asked as each outbox row is written (storage.outbox.watch): until when this process
        claims it, in the same INSERT; None leaves the row to the delivery rounds."""

    def __call__(self, session: Session, rows: list[dict[str, Any]]) -> Callable[[], None]:
        """Called just before the commit with the outbox rows the request queued; returns what
        to do once the commit has succeeded."""


class _WriteConflict(Exception):
    """A read-first attempt tried to write after another transaction wrote: run it again."""


def run(
    factory: sessionmaker[Session],
    clock: Clock,
    platform: str,
    locate: Locate,
    call: Callable[[Context], Reply],
    interaction_id: str | None = None,
    handover: Handover | None = None,
) -> Reply:
    """Run one request in one transaction and turn domain errors into replies;
    ``interaction_id`` is the platform's id for the request (see Context); ``handover``, if
    given, is handed the outbox rows the request queued (see Handover). ``ReadFirst`` work
    begins without the write lock, and runs once more holding it if it had to write."""
    args = (factory, clock, platform, locate, call, interaction_id, handover)
    if isinstance(call, ReadFirst):
        try:
            return _run(*args, read_first=True)
        except _WriteConflict:
            log.info("a request wrote after another did; running it again with the write lock")
    return _run(*args, read_first=False)


def read_only(
    factory: sessionmaker[Session],
    clock: Clock,
    platform: str,
    locate: Locate,
    call: ReadFirst,
    interaction_id: str | None = None,
) -> Reply | None:
    """One read-first attempt at ``call`` on ``factory``'s connections, which may only read:
    its reply, or None when it had to write (or met a lock), so that ``run`` does it again."""
    try:
        return _run(factory, clock, platform, locate, call, interaction_id, None, read_first=True)
    except _WriteConflict:
        return None


def _run(
    factory: sessionmaker[Session],
    clock: Clock,
    platform: str,
    locate: Locate,
    call: Callable[[Context], Reply],
    interaction_id: str | None,
    handover: Handover | None,
    *,
    read_first: bool,
) -> Reply:
    """One attempt at ``run``.

    An unexpected failure is raised as NotSaved, carrying what the person is told. When the
    commit itself fails, the changes may or may not have been written: a fresh session looks for
    the last audit event this request appended (every change is audited in the same
    transaction). Found, the reply stands, since all of it was saved; missing, nothing of this
    step was; unreachable, the person is told it is not known yet."""
    session = factory()
    # The messages it queues, claimed as they are written by a process that sends them itself.
    queued = outbox.watch(session, handover.lease) if handover is not None else []
    ctx: Context | None = None
    try:
        if read_first:
            without_write_lock(session)
        school, person = locate(session)
        ctx = Context(
            session=session,
            school=school,
            actor=person,
            clock=clock,
            platform=platform,
            interaction_id=interaction_id,
        )
        try:
            reply = call(ctx)
        except FormErrors as exc:
            session.rollback()
            return Invalid(exc.errors)
        except Refused as exc:
            session.commit()  # keep the audit record of the refused attempt
            return Say(exc.message)
        except UserError as exc:
            session.rollback()
            return Say(exc.message)
        school_id = school.id
        then = handover(session, queued) if handover is not None and queued else None
        appended = audit.last_appended(session, school_id)  # the newest event it wrote
        try:
            session.commit()
        except Exception as exc:
            _release(session)  # its locks, before another session looks
            if read_first and is_write_conflict(exc):
                raise _WriteConflict from exc
            saved = _saved(factory, school_id, appended)
            log.error("a commit failed (%s); saved: %s", type(exc).__name__, saved)
            if saved:
                return reply  # its messages go when their claim lapses, after a look first
            raise NotSaved(apology(saved, ctx.recorded)) from exc
        if then is not None:
            then()
        return reply
    except UserError as exc:  # from locate: e.g. not on the staff list
        session.rollback()
        return Say(exc.message)
    except MissingKeyError as exc:
        session.rollback()
        log.error("stored data needs data key '%s', which is not configured", exc.key_id)
        return Say(KEY_MISSING.format(key_id=exc.key_id))
    except (NotSaved, _WriteConflict):
        raise
    except Exception as exc:
        session.rollback()
        if read_first and is_write_conflict(exc):
            raise _WriteConflict from exc
        raise NotSaved(apology(False, ctx.recorded if ctx else None)) from exc
    finally:
        session.close()


def _release(session: Session) -> None:
    try:
        session.rollback()
    except Exception as exc:  # the connection is gone: the server has dropped it already
        log.warning("could not roll back after a failed commit (%s)", type(exc).__name__)


def _saved(factory: sessionmaker[Session], school_id: int, appended: str | None) -> bool | None:
    """Whether a transaction whose commit raised was written after all (None: can't tell)."""
    if appended is None:
        return False  # it changed nothing that matters: every change is audited
    try:
        with factory() as session:
            found = session.scalar(
                select(AuditEvent.id).where(
                    AuditEvent.school_id == school_id, AuditEvent.hash == appended
                )
            )
    except Exception as exc:
        log.error("could not check whether a failed commit was saved (%s)", type(exc).__name__)
        return None
    return found is not None
