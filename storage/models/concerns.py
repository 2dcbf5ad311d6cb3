"""Online-safety concerns: who raised which kind when, who handles it, and what was done.

Safekeep is not a second safeguarding record: the detail of a concern about a pupil lives in
the school's safeguarding system (CPOMS, MyConcern), and an allegation about an adult in its HR
or allegations system. A concern here holds the minimum: the kind, the time, the reporter, the
lead handling it, its status, the safeguarding-system reference and the actions taken.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.crypto import EncryptedText
from storage.models.base import Base


class Concern(Base):
    __tablename__ = "concerns"
    __table_args__ = (
        UniqueConstraint("school_id", "number"),
        UniqueConstraint("school_id", "report_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    number: Mapped[int]  # "Concern #N", per school
    reporter_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    reported_at: Mapped[datetime]
    # Minted when the report opens: submitting the same dialog twice finds this concern.
    report_token: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)

    kind: Mapped[str] = mapped_column(String(32))  # pupil, filtering, adult, device
    sub_kind: Mapped[str | None] = mapped_column(String(32))  # e.g. grooming, not_blocked
    # Codes only: illegal_material, about_headteacher, child_affected, harm_threshold,
    # out_of_hours. They decide who is told (handlers/concern/routing.py).
    flags: Mapped[list[str]] = mapped_column(default=list)
    # A short screened note (never for a pupil concern or a possible allegation).
    note: Mapped[str | None] = mapped_column(EncryptedText)

    acknowledged_at: Mapped[datetime | None]
    # The lead handling it: whoever acknowledged or opened it first.
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    # The handling lead's record.
    system_ref: Mapped[str | None] = mapped_column(EncryptedText)
    outcomes: Mapped[list[str]] = mapped_column(default=list)
    parents_told_by: Mapped[str | None] = mapped_column(String(32))
    parents_told_on: Mapped[date | None]
    filtering_changed_by: Mapped[str | None] = mapped_column(String(32))
    actions: Mapped[str | None] = mapped_column(EncryptedText)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # When retention removed the notes and timeline of this closed concern (the codes stay).
    details_purged_at: Mapped[datetime | None] = mapped_column(default=None)

    events: Mapped[list[ConcernEvent]] = relationship(
        back_populates="concern", lazy="selectin", order_by="ConcernEvent.id"
    )


class ConcernEvent(Base):
    """One entry on a concern's timeline; details hold codes and flags, never free text."""

    __tablename__ = "concern_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("concerns.id"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    concern: Mapped[Concern] = relationship(back_populates="events")
