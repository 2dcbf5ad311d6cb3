"""Acceptable Use Policy versions, acknowledgements and yearly campaigns."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
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


class AupCampaign(Base):
    """A round of asking everyone to (re)sign, e.g. the yearly Spring-term cycle."""

    __tablename__ = "aup_campaigns"
    __table_args__ = (UniqueConstraint("school_id", "cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    cycle: Mapped[str] = mapped_column(String(64))
    aup_version_id: Mapped[int] = mapped_column(ForeignKey("aup_versions.id"))
    opens_on: Mapped[date]
    due_on: Mapped[date]
    created_at: Mapped[datetime]


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

    aup_version: Mapped[AupVersion] = relationship(lazy="joined")
