"""dialog tokens on off-site declarations, AUP questions and exemptions: a dialog sent again
finds its row

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = ("offsite_declarations", "aup_questions", "aup_exemptions")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("dialog_token", sa.String(length=32), nullable=True))
            batch_op.create_unique_constraint(
                op.f(f"uq_{table}_school_id_dialog_token"), ["school_id", "dialog_token"]
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"uq_{table}_school_id_dialog_token"), type_="unique")
            batch_op.drop_column("dialog_token")
