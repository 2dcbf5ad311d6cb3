"""retention: a leaver's leaving date, and when a closed breach's or concern's details went

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("left_on", sa.Date(), nullable=True))
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("details_purged_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("details_purged_at", sa.DateTime(timezone=True), nullable=True)
        )
    _backfill_leaving_dates()


def _backfill_leaving_dates() -> None:
    """A leaver from before this revision left on the day of their latest person.left event."""
    conn = op.get_bind()
    leavers = conn.execute(
        sa.text("SELECT id, school_id FROM people WHERE active = :no"), {"no": False}
    ).all()
    for person_id, school_id in leavers:
        at = conn.execute(
            sa.text(
                "SELECT max(at) FROM audit_events WHERE school_id = :school "
                "AND action = 'person.left' AND subject = :subject"
            ),
            {"school": school_id, "subject": f"person:{person_id}"},
        ).scalar()
        if at is None:
            continue  # no record of when: retention leaves their history alone
        if isinstance(at, str):  # SQLite returns the stored text
            at = datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        conn.execute(
            sa.text("UPDATE people SET left_on = :day WHERE id = :id"),
            {"day": at.astimezone(UTC).date(), "id": person_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.drop_column("details_purged_at")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("details_purged_at")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("left_on")
