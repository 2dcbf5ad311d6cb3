"""the complete AUP: groups per version, campaign kinds, questions, exemptions, paper signatures

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Versions published before groups existed applied to everyone.
EVERYONE = '["teaching", "support", "governor", "volunteer", "contractor", "visitor"]'


def upgrade() -> None:
    with op.batch_alter_table("aup_versions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "groups",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=False,
                server_default=sa.text("'[]'"),
            )
        )
    op.execute(sa.text(f"UPDATE aup_versions SET groups = '{EVERYONE}'"))
    with op.batch_alter_table("aup_campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="yearly")
        )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("joined_on", sa.Date(), nullable=True))
    with op.batch_alter_table("aup_acknowledgements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("interaction_id", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column("method", sa.String(length=16), nullable=False, server_default="chat")
        )
        batch_op.add_column(sa.Column("recorded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("evidence_ref", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("training_completed_on", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_aup_acknowledgements_recorded_by_id_people"),
            "people",
            ["recorded_by_id"],
            ["id"],
        )

    op.create_table(
        "aup_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("aup_version_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["people.id"], name=op.f("fk_aup_questions_answered_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["aup_version_id"],
            ["aup_versions.id"],
            name=op.f("fk_aup_questions_aup_version_id_aup_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_aup_questions_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_aup_questions_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aup_questions")),
    )
    with op.batch_alter_table("aup_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aup_questions_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_aup_questions_school_id"), ["school_id"], unique=False)

    op.create_table(
        "aup_exemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_aup_exemptions_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["people.id"], name=op.f("fk_aup_exemptions_recorded_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_aup_exemptions_school_id_schools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aup_exemptions")),
    )
    with op.batch_alter_table("aup_exemptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_aup_exemptions_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_aup_exemptions_school_id"), ["school_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("aup_exemptions")
    op.drop_table("aup_questions")
    with op.batch_alter_table("aup_acknowledgements", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_aup_acknowledgements_recorded_by_id_people"), type_="foreignkey"
        )
        for column in (
            "training_completed_on",
            "evidence_ref",
            "recorded_by_id",
            "method",
            "interaction_id",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("joined_on")
    with op.batch_alter_table("aup_campaigns", schema=None) as batch_op:
        batch_op.drop_column("kind")
    with op.batch_alter_table("aup_versions", schema=None) as batch_op:
        batch_op.drop_column("groups")
