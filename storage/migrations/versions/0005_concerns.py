"""concerns: online-safety concerns and their timelines

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "concerns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report_token", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("sub_kind", sa.String(length=32), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("system_ref", sa.Text(), nullable=True),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("parents_told_by", sa.String(length=32), nullable=True),
        sa.Column("parents_told_on", sa.Date(), nullable=True),
        sa.Column("filtering_changed_by", sa.String(length=32), nullable=True),
        sa.Column("actions", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"],
            ["people.id"],
            name=op.f("fk_concerns_acknowledged_by_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["people.id"], name=op.f("fk_concerns_closed_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["people.id"], name=op.f("fk_concerns_reporter_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_concerns_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concerns")),
        sa.UniqueConstraint("school_id", "number", name=op.f("uq_concerns_school_id_number")),
        sa.UniqueConstraint(
            "school_id", "report_token", name=op.f("uq_concerns_school_id_report_token")
        ),
    )
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concerns_reporter_id"), ["reporter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_concerns_school_id"), ["school_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_concerns_status"), ["status"], unique=False)

    op.create_table(
        "concern_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["people.id"], name=op.f("fk_concern_events_actor_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["concern_id"], ["concerns.id"], name=op.f("fk_concern_events_concern_id_concerns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern_events")),
    )
    with op.batch_alter_table("concern_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_concern_events_concern_id"), ["concern_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("concern_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concern_events_concern_id"))
    op.drop_table("concern_events")
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concerns_status"))
        batch_op.drop_index(batch_op.f("ix_concerns_school_id"))
        batch_op.drop_index(batch_op.f("ix_concerns_reporter_id"))
    op.drop_table("concerns")
