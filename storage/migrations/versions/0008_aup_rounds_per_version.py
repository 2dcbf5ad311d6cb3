"""AUP rounds per version: a yearly cycle holds one round for each version in force

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Staff and governors may sign different versions in the same "2026/27 Spring" cycle.
    with op.batch_alter_table("aup_campaigns", schema=None) as batch_op:
        batch_op.drop_constraint("uq_aup_campaigns_school_id_cycle", type_="unique")
        batch_op.create_unique_constraint(
            "uq_aup_campaigns_school_id_aup_version_id_cycle",
            ["school_id", "aup_version_id", "cycle"],
        )


def downgrade() -> None:
    with op.batch_alter_table("aup_campaigns", schema=None) as batch_op:
        batch_op.drop_constraint("uq_aup_campaigns_school_id_aup_version_id_cycle", type_="unique")
        batch_op.create_unique_constraint(
            "uq_aup_campaigns_school_id_cycle", ["school_id", "cycle"]
        )
