"""files carried by DMs (the governors' report) and recorded policy reviews

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_outbox_files_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_files")),
    )
    op.create_index(op.f("ix_outbox_files_school_id"), "outbox_files", ["school_id"])
    op.create_table(
        "policy_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=32), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("next_review", sa.Date(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_policy_reviews_school_id_schools")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["people.id"],
            name=op.f("fk_policy_reviews_reviewed_by_id_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_reviews")),
    )
    op.create_index(op.f("ix_policy_reviews_school_id"), "policy_reviews", ["school_id"])
    op.create_index(op.f("ix_policy_reviews_policy"), "policy_reviews", ["policy"])


def downgrade() -> None:
    op.drop_index(op.f("ix_policy_reviews_policy"), table_name="policy_reviews")
    op.drop_index(op.f("ix_policy_reviews_school_id"), table_name="policy_reviews")
    op.drop_table("policy_reviews")
    op.drop_index(op.f("ix_outbox_files_school_id"), table_name="outbox_files")
    op.drop_table("outbox_files")
