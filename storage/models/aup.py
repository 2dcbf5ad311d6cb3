"""Acceptable Use Policy versions, acknowledgements and yearly campaigns."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.crypto import EncryptedText
from storage.models.base import Base


class AupVersion(Base):
    """One published wording of the AUP; the exact text is kept so signatures stay provable."""

    __tablename__ = "aup_versions"
    __table_args__ = (UniqueConstraint("school_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    version: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    effective_date: Mapped[date]
    published_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # The role groups this version applies to (storage.models.school.ROLE_GROUPS).
    groups: Mapped[list[str]] = mapped_column(
        JSON().with_variant(JSONB(), "postgresql"), default=list
    )


class AupCampaign(Base):
    """A round of asking everyone a version applies to to (re)sign, e.g. the yearly Spring-term
    cycle; each version in force has its own row in a yearly cycle."""

    __tablename__ = "aup_campaigns"
    __table_args__ = (UniqueConstraint("school_id", "aup_version_id", "cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    cycle: Mapped[str] = mapped_column(String(64))
    aup_version_id: Mapped[int] = mapped_column(ForeignKey("aup_versions.id"))
    opens_on: Mapped[date]
    due_on: Mapped[date]
    created_at: Mapped[datetime]
    # "yearly" (the Spring-term round) or "new_version" (a version published mid-year).
    kind: Mapped[str] = mapped_column(String(16), default="yearly")


class AupAcknowledgement(Base):
    __tablename__ = "aup_acknowledgements"
    __table_args__ = (UniqueConstraint("person_id", "aup_version_id", "cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    aup_version_id: Mapped[int] = mapped_column(ForeignKey("aup_versions.id"))
    version: Mapped[str] = mapped_column(String(32))
    text_hash: Mapped[str] = mapped_column(String(64))
    cycle: Mapped[str] = mapped_column(String(64), default="")
    acknowledged_at: Mapped[datetime]
    platform: Mapped[str] = mapped_column(String(16))
    platform_user_id: Mapped[str | None] = mapped_column(String(128))
    question: Mapped[str | None] = mapped_column(EncryptedText)
    # The platform's own id for the click that agreed (Slack view id, Teams activity id).
    interaction_id: Mapped[str | None] = mapped_column(String(128), default=None)
    # "chat" (agreed in Safekeep), "paper" or "email" (recorded by a lead, with evidence).
    method: Mapped[str] = mapped_column(String(16), default="chat")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    evidence_ref: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    # This year's online-safety training, when the school asks for it with the agreement.
    training_completed_on: Mapped[date | None] = mapped_column(default=None)
    # The date written on a paper or email signature (acknowledged_at is when it was recorded).
    signed_on: Mapped[date | None] = mapped_column(default=None)

    aup_version: Mapped[AupVersion] = relationship(lazy="joined")


class AupQuestion(Base):
    """A question asked instead of agreeing; the Online Safety lead answers it from a DM."""

    __tablename__ = "aup_questions"
    __table_args__ = (UniqueConstraint("school_id", "dialog_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    aup_version_id: Mapped[int] = mapped_column(ForeignKey("aup_versions.id"))
    asked_at: Mapped[datetime]
    question: Mapped[str] = mapped_column(EncryptedText)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    answer: Mapped[str | None] = mapped_column(EncryptedText, default=None)
    # The token of the agreement dialog it was asked from: sent again, it finds this question.
    dialog_token: Mapped[str | None] = mapped_column(String(32), default=None)


class AupExemption(Base):
    """A person excused from signing for a stated reason and period (e.g. long-term absence)."""

    __tablename__ = "aup_exemptions"
    __table_args__ = (UniqueConstraint("school_id", "dialog_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    reason: Mapped[str] = mapped_column(EncryptedText)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    # The token of the dialog that recorded it: sent again, it finds this exemption.
    dialog_token: Mapped[str | None] = mapped_column(String(32), default=None)
