"""The request context every handler receives: who, which school, when, and the session."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from handlers.clock import Clock
from handlers.replies import FileRef, Notice
from handlers.settings import SchoolSettings
from storage import audit, outbox
from storage.models import Person, School
from storage.outbox import LedgerKey


@dataclass
class Context:
    session: Session
    school: School
    actor: Person | None  # None for the scheduler and shell commands
    clock: Clock
    platform: str = "console"
    # The platform's own id for what the person did this turn (Slack: the view or trigger id;
    # Teams: the activity id; console: one per turn), kept as evidence with a signature.
    interaction_id: str | None = None
    # What earlier steps of the dialog being answered already stored ("Your report Breach #37"),
    # so that if this step fails the person is told what is known (handlers/errors.apology).
    recorded: str | None = None
    _now: datetime | None = field(default=None, repr=False)

    @property
    def now(self) -> datetime:
        """One instant per request, so every row written by it agrees."""
        if self._now is None:
            self._now = self.clock()
        return self._now

    @cached_property
    def settings(self) -> SchoolSettings:
        return SchoolSettings.from_json(self.school.settings)

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.zone

    @property
    def person(self) -> Person:
        """The acting person, for handlers that only people (not the scheduler) can call."""
        if self.actor is None:
            raise RuntimeError("this action needs a person")
        return self.actor

    def audit(self, action: str, subject: str = "", **details: Any) -> None:
        audit.record(
            self.session,
            self.school.id,
            action,
            at=self.now,
            actor_id=self.actor.id if self.actor else None,
            subject=subject,
            details=details,
        )

    def notify(
        self,
        recipients: Iterable[Person],
        notice: Notice,
        *,
        key: LedgerKey | None = None,
        urgent: bool = False,
        not_before: datetime | None = None,
    ) -> bool:
        """Queue a DM to each recipient in this transaction; False if the key was used before.

        ``not_before`` holds a routine message until then (e.g. the next school morning).
        """
        people = list(recipients)
        outbox.hold(self.session, people)
        return outbox.enqueue(
            self.session,
            self.school.id,
            [p.id for p in people],
            notice.to_json(),
            now=self.now,
            key=key,
            urgent=urgent,
            not_before=not_before,
        )

    def attach(self, name: str, media_type: str, content: bytes) -> FileRef:
        """Keep a file (no personal data in it) for a Notice to carry; in this transaction."""
        file_id = outbox.store_file(
            self.session, self.school.id, name, media_type, content, now=self.now
        )
        return FileRef(file_id, name, media_type)

    @property
    def today(self) -> date:
        """The school's date now, in its own time zone."""
        return self.local(self.now).date()

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def when(self, moment: datetime) -> str:
        """A time as staff read it: 'Thu 26 Nov 14:05' in the school's zone."""
        return self.local(moment).strftime("%a %-d %b %H:%M")


class Recipient(Protocol):
    """Whom a notice is for: a Person, or a lighter row of one (the AUP campaign's)."""

    @property
    def id(self) -> int: ...


class KeyedNotice(NamedTuple):
    """A notice for some people of one school, to be queued once under its ledger key (a named
    tuple: the AUP campaign makes one per person of a trust)."""

    ctx: Context
    recipients: Sequence[Recipient]
    notice: Notice
    key: LedgerKey
    urgent: bool = False


def notify_all(notices: Sequence[KeyedNotice]) -> list[KeyedNotice]:
    """Queue many notices (of one school or of many sharing a session) in a few statements,
    however many there are; returns those queued: the ones whose keys were not used before."""
    if not notices:
        return []
    payloads: dict[int, dict[str, Any]] = {}  # a notice sent to many people is encoded once
    schools: dict[int, int] = {}  # id(ctx): its school's id, read once per context
    notes = []
    for n in notices:
        payload = payloads.get(id(n.notice))
        if payload is None:
            payload = payloads[id(n.notice)] = n.notice.to_json()
        school_id = schools.get(id(n.ctx))
        if school_id is None:
            school_id = schools[id(n.ctx)] = n.ctx.school.id
        recipients = n.recipients
        outbox.hold(n.ctx.session, recipients)
        notes.append(
            outbox.Notification(
                school_id,
                (recipients[0].id,) if len(recipients) == 1 else tuple(p.id for p in recipients),
                payload,
                key=n.key,
                urgent=n.urgent,
            )
        )
    contexts = {id(n.ctx): n.ctx for n in notices}
    written = outbox.enqueue_all(
        notices[0].ctx.session, notes, now=min(ctx.now for ctx in contexts.values())
    )
    queued = {id(note) for note in written}  # the very notifications given, those queued
    return [n for n, note in zip(notices, notes, strict=True) if id(note) in queued]
