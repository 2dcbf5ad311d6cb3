"""Reviews of the school's policies that Safekeep carries, as recorded by their owners."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class PolicyReview(Base):
    """One recorded review of a policy and the next review date it set."""

    __tablename__ = "policy_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    policy: Mapped[str] = mapped_column(String(32), index=True)
    reviewed_on: Mapped[date]
    next_review: Mapped[date]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[datetime]
