"""Records taken off site: declarations, the items in them and case-by-case approvals."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.crypto import EncryptedText
from storage.models.base import Base


class OffsiteDeclaration(Base):
    __tablename__ = "offsite_declarations"
    __table_args__ = (UniqueConstraint("school_id", "dialog_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    tier: Mapped[int]
    format: Mapped[str] = mapped_column(String(32))
    asset_tag: Mapped[str | None] = mapped_column(EncryptedText)
    encryption_confirmed: Mapped[str] = mapped_column(String(16))
    people_band: Mapped[str] = mapped_column(String(32))
    class_code: Mapped[str | None] = mapped_column(EncryptedText)
    purpose: Mapped[str] = mapped_column(String(32))
    purpose_detail: Mapped[str | None] = mapped_column(EncryptedText)
    destination_type: Mapped[str] = mapped_column(String(32), default="home")
    other_category: Mapped[str | None] = mapped_column(EncryptedText)
    taken_at: Mapped[datetime]
    expected_return: Mapped[date] = mapped_column(index=True)
    permission_basis: Mapped[str] = mapped_column(String(16), default="none")
    attested: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), index=True)
    returned_at: Mapped[datetime | None]
    copies_destroyed: Mapped[bool | None]
    created_at: Mapped[datetime]
    # The token of the dialog that declared it: the same dialog sent again finds it.
    dialog_token: Mapped[str | None] = mapped_column(String(32), default=None)

    items: Mapped[list[OffsiteItem]] = relationship(
        back_populates="declaration",
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="OffsiteItem.id",
    )
    approvals: Mapped[list[OffsiteApproval]] = relationship(
        back_populates="declaration",
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="OffsiteApproval.id",
    )


class OffsiteItem(Base):
    """One record category in a declaration; returned or missing on its own."""

    __tablename__ = "offsite_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("offsite_declarations.id"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="out")
    returned_at: Mapped[datetime | None]

    declaration: Mapped[OffsiteDeclaration] = relationship(back_populates="items")


class OffsiteApproval(Base):
    __tablename__ = "offsite_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("offsite_declarations.id"), index=True)
    approver_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    requested_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    decision: Mapped[str] = mapped_column(String(16), default="pending")
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reason: Mapped[str | None] = mapped_column(EncryptedText)

    declaration: Mapped[OffsiteDeclaration] = relationship(back_populates="approvals")
