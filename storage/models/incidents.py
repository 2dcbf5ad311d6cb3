"""Lost devices and suspected breaches: the staff report, DPO triage and the timeline.

Every incident stays in the breach log (UK GDPR Art 33(5)), whatever the decision.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.crypto import EncryptedText
from storage.models.base import Base


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("school_id", "number"),
        UniqueConstraint("school_id", "report_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    number: Mapped[int]
    reporter_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    reported_at: Mapped[datetime]  # T0: the 72-hour clock starts here
    # Minted when the report form opens: submitting the same form twice finds this incident.
    report_token: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)

    # The staff part of the report.
    kind: Mapped[str] = mapped_column(String(32))
    media: Mapped[str] = mapped_column(String(16))
    asset_tag: Mapped[str | None] = mapped_column(EncryptedText)
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("offsite_declarations.id"))
    encrypted: Mapped[str] = mapped_column(String(16))
    categories: Mapped[list[str]] = mapped_column(default=list)
    special_data: Mapped[str] = mapped_column(String(16))
    people_band: Mapped[str] = mapped_column(String(32))
    subject_types: Mapped[list[str]] = mapped_column(default=list)
    occurred_at: Mapped[datetime | None]
    # Filled in the report's second step; the incident is stored (and alerts sent) at step one.
    discovered_at: Mapped[datetime | None]
    location: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(EncryptedText)
    actions_taken: Mapped[str | None] = mapped_column(EncryptedText)
    police_ref: Mapped[str | None] = mapped_column(EncryptedText)
    child_at_risk: Mapped[str] = mapped_column(String(16))

    # Acknowledgement of the alert stops escalation.
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    # DPO / SIRO triage: builds the Art 33(5) log and pre-fills the ICO form.
    classification: Mapped[str | None] = mapped_column(String(16))
    cia: Mapped[list[str]] = mapped_column(default=list)
    risk: Mapped[str | None] = mapped_column(String(16))
    risk_reasoning: Mapped[str | None] = mapped_column(EncryptedText)
    record_count: Mapped[str | None] = mapped_column(String(32))
    subject_count: Mapped[str | None] = mapped_column(String(32))
    ico_decision: Mapped[str | None] = mapped_column(String(16))
    ico_rationale: Mapped[str | None] = mapped_column(EncryptedText)
    ico_decided_at: Mapped[datetime | None]
    ico_notified_at: Mapped[datetime | None]
    ico_case_ref: Mapped[str | None] = mapped_column(EncryptedText)
    delay_reason: Mapped[str | None] = mapped_column(EncryptedText)
    subjects_decision: Mapped[str | None] = mapped_column(String(16))
    subjects_rationale: Mapped[str | None] = mapped_column(EncryptedText)
    art34_exception: Mapped[str | None] = mapped_column(String(32))
    subjects_method: Mapped[str | None] = mapped_column(String(32))
    subjects_told_at: Mapped[datetime | None]
    other_bodies: Mapped[list[str]] = mapped_column(default=list)
    containment: Mapped[str | None] = mapped_column(EncryptedText)
    lessons_learned: Mapped[str | None] = mapped_column(EncryptedText)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # When retention removed the details (free text, timeline) of this closed breach; the codes
    # and times the governors' report counts stay.
    details_purged_at: Mapped[datetime | None] = mapped_column(default=None)

    events: Mapped[list[IncidentEvent]] = relationship(
        back_populates="incident", lazy="selectin", order_by="IncidentEvent.id"
    )


class IncidentEvent(Base):
    """One entry on an incident's timeline; details hold codes and flags, never free text."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    incident: Mapped[Incident] = relationship(back_populates="events")
