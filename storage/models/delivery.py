"""The notification ledger, the outbox and Teams conversation references."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.crypto import EncryptedText
from storage.models.base import Base


class LedgerEntry(Base):
    """Proof that a notification (subject, kind, window) was written once; never twice."""

    __tablename__ = "notification_ledger"
    __table_args__ = (UniqueConstraint("school_id", "subject", "kind", "window"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    subject: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    window: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]


class OutboxMessage(Base):
    """A direct message waiting for (or done with) delivery through a platform adapter."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    ledger_id: Mapped[int | None] = mapped_column(ForeignKey("notification_ledger.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    payload: Mapped[dict[str, Any]]
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    platform_ref: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # When attempts that may have posted the message anyway (a timeout, a dropped connection,
    # a 5xx) ran: the next attempt looks for it on the platform before posting again.
    in_doubt_since: Mapped[datetime | None]
    in_doubt_until: Mapped[datetime | None]


class OutboxFile(Base):
    """A file a DM carries (the governors' report), stored once for all its recipients.

    Stored as bytes when the message is queued, so every recipient gets the same document and a
    retry days later sends what was made at the time. Only files with no personal data (counts)
    are attached to DMs.
    """

    __tablename__ = "outbox_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class TeamsConversation(Base):
    """A stored Teams conversation reference, so proactive DMs survive restarts."""

    __tablename__ = "teams_conversations"
    __table_args__ = (UniqueConstraint("person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    reference: Mapped[str] = mapped_column(EncryptedText)
    updated_at: Mapped[datetime]
