"""AUP: the date on a paper or email signature, and who ended an exemption early

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("aup_acknowledgements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed_on", sa.Date(), nullable=True))
    with op.batch_alter_table("aup_exemptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_aup_exemptions_ended_by_id_people"), "people", ["ended_by_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("aup_exemptions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_aup_exemptions_ended_by_id_people"), type_="foreignkey"
        )
        batch_op.drop_column("ended_by_id")
    with op.batch_alter_table("aup_acknowledgements", schema=None) as batch_op:
        batch_op.drop_column("signed_on")
