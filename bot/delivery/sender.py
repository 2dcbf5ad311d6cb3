"""What the outbox dispatcher hands a platform's sender, and what a sender may answer.

A ``Sender`` delivers one ``Delivery`` and returns the platform's message reference, or raises
``RetryLater`` (nothing was posted), ``MaybeDelivered`` (it may have been), ``NotYet`` (nothing
was tried: the sender's own pacing says wait) or ``Undeliverable``.
The runtime passes the dispatcher one sender per platform, keyed by the platform's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handlers.replies import Notice


class RetryLater(Exception):
    """The platform did not post the message (HTTP 429, a refused connection, a fault before the
    request was sent): trying again cannot post it twice."""

    def __init__(self, reason: str, after_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after_seconds = after_seconds


class MaybeDelivered(Exception):
    """The attempt ended without knowing whether the platform posted the message (a timeout, a
    connection dropped after the request was sent, a 5xx): the next attempt checks first."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotYet(Exception):
    """The sender did not try at all (say its reads of the platform are spaced to a rate limit
    and the next free slot is a while off): the dispatcher puts the row back for that long
    without counting an attempt, so pacing never looks like a failing platform."""

    def __init__(self, reason: str, after_seconds: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after_seconds = after_seconds


class Undeliverable(Exception):
    """The message can never be delivered as addressed (e.g. no platform identity)."""


@dataclass(frozen=True)
class Recipient:
    person_id: int
    display_name: str
    email: str
    platform: str
    external_id: str | None
    school_id: int  # a sender finds its own platform's name for the school (a Slack team id)


@dataclass(frozen=True)
class InDoubt:
    """Earlier attempts that may have posted the message ran between these two times (UTC)."""

    since: datetime
    until: datetime


@dataclass(frozen=True)
class Attachment:
    """A file the notice carries, read from the outbox's file store for this attempt."""

    file_id: int
    name: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Delivery:
    """One attempt at one outbox message: everything a ``Sender`` needs to deliver it once."""

    outbox_id: int  # the same on every attempt: the tag that finds an earlier post again
    recipient: Recipient
    notice: Notice
    urgent: bool
    attempts: int  # attempts before this one
    created_at: datetime
    in_doubt: InDoubt | None  # set when an earlier attempt may have posted it
    files: tuple[Attachment, ...] = ()  # the notice's files (notice.files), with their bytes


class Sender(Protocol):
    """One platform's way of delivering a DM; returns the platform's message reference.

    A sender tags what it posts with ``delivery.outbox_id``. When ``delivery.in_doubt`` is set it
    first looks for a message with that tag posted in that window, and returns its reference
    instead of posting again. It raises ``RetryLater`` when nothing was posted, ``MaybeDelivered``
    when the message may have been posted, and ``Undeliverable`` when it never can be. A platform
    where an attempt cannot end in doubt (the console prints in place) may ignore ``in_doubt``.

    A sender may also name its platform's ``processing_window`` (a ``timedelta``): how long after
    an attempt ended the platform may still post what it was sent (a request it was slow with,
    finished after our client gave up). The dispatcher attempts a row in doubt again only once
    that long has passed since the doubtful attempts, so the look for an earlier post cannot
    come before the post itself. A sender without one is retried on the usual back-off.
    """

    async def send(self, delivery: Delivery) -> str | None: ...
