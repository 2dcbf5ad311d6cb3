"""Schools (tenants), the people on their staff list, platform identities and roles."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base

ROLES = (
    "headteacher",
    "dsl",
    "deputy_dsl",
    "dpo",
    "it_lead",
    "online_safety_lead",
    "senco",
    "business_manager",
    "admin",
    "approver",
    "chair_of_governors",
    "safeguarding_governor",
)
# The AUP groups a person belongs to (each AUP version names the groups it applies to).
ROLE_GROUPS = ("teaching", "support", "governor", "volunteer", "contractor", "visitor")


class School(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(16), default="console")
    slack_team_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    teams_tenant_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    # The head of the audit chain, so that deleting the newest events is detected too.
    audit_seq: Mapped[int] = mapped_column(default=0)
    audit_head: Mapped[str] = mapped_column(String(64), default="")
    # Bumped by the database (triggers: migration 0013) whenever this school's settings, staff,
    # roles or platform identities change: a process's cache of who-is-who checks it.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")


class Person(Base):
    """A member of staff (or governor, volunteer) known to Safekeep, matched by email."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("school_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(200))
    role_group: Mapped[str] = mapped_column(String(16), default="teaching")
    active: Mapped[bool] = mapped_column(default=True)
    # The synced staff lists that name this person ("slack", "entra", "csv"); a person no list
    # names any more is a leaver. Empty for people added by hand or by school.toml.
    # JSONB on PostgreSQL: plain json has no equality, and people are selected DISTINCT.
    sources: Mapped[list[str]] = mapped_column(
        JSON().with_variant(JSONB(), "postgresql"), default=list
    )
    created_at: Mapped[datetime]
    # The first day this person was on the roster (a new starter is asked to sign the AUP on
    # their first school day on it); None for people from before the roster kept it.
    joined_on: Mapped[date | None] = mapped_column(default=None)
    # The day the staff sync marked this person a leaver (None while active, or for leavers from
    # before it was kept): their AUP history is kept for a period from it (handlers/retention.py).
    left_on: Mapped[date | None] = mapped_column(default=None)

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="person", lazy="selectin", cascade="all, delete-orphan"
    )
    identities: Mapped[list[PlatformIdentity]] = relationship(
        back_populates="person", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}

    def identity(self, platform: str) -> str | None:
        for ident in self.identities:
            if ident.platform == platform:
                return ident.external_id
        return None


class PlatformIdentity(Base):
    """How one person is known on one platform (Slack user id, Teams AAD object id)."""

    __tablename__ = "platform_identities"
    __table_args__ = (UniqueConstraint("school_id", "platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))

    person: Mapped[Person] = relationship(back_populates="identities")


class RoleAssignment(Base):
    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[datetime]

    person: Mapped[Person] = relationship(back_populates="roles")
