"""schools.revision: a number the database bumps whenever a school's settings, staff, roles or
platform identities change, so a process may keep who-is-who in memory and know when it is stale

Triggers, not code, keep it: every writer (the web and worker processes, the command line, a
school.toml applied, a staff sync, a purge) is covered, whatever statement it uses. A later
migration that rebuilds one of these tables with SQLite's batch mode (copy and rename) drops its
triggers and must create them again: tests/storage/test_school_revision.py checks they exist.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

# The tables whose rows say who someone is at a school, and what they may do there.
STAFF_TABLES = ("people", "role_assignments", "platform_identities")
# The columns of schools a request reads as the school's settings (not its audit chain's head).
SCHOOL_COLUMNS = "name, platform, slack_team_id, teams_tenant_id, timezone, settings"


def upgrade() -> None:
    op.add_column(
        "schools", sa.Column("revision", sa.Integer(), nullable=False, server_default="0")
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers()
    else:
        _postgresql_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in STAFF_TABLES:
            for when in ("insert", "update", "delete", "move"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{when}_bumps_school_revision")
        op.execute("DROP TRIGGER IF EXISTS schools_update_bumps_revision")
        with op.batch_alter_table("schools") as batch_op:
            batch_op.drop_column("revision")
        return
    for table in STAFF_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_bumps_school_revision ON {table}")
    op.execute("DROP TRIGGER IF EXISTS schools_bumps_revision ON schools")
    op.execute("DROP FUNCTION IF EXISTS safekeep_bump_school_revision()")
    op.execute("DROP FUNCTION IF EXISTS safekeep_next_school_revision()")
    op.drop_column("schools", "revision")


def _sqlite_triggers() -> None:
    bump = "UPDATE schools SET revision = revision + 1 WHERE id = {row}.school_id"
    for table in STAFF_TABLES:
        for when, row in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD")):
            op.execute(
                f"CREATE TRIGGER {table}_{when}_bumps_school_revision "
                f"AFTER {when.upper()} ON {table} FOR EACH ROW "
                f"BEGIN {bump.format(row=row)}; END"
            )
        # A row moved to another school (never done today) changes the old school too.
        op.execute(
            f"CREATE TRIGGER {table}_move_bumps_school_revision "
            f"AFTER UPDATE OF school_id ON {table} FOR EACH ROW "
            f"BEGIN {bump.format(row='OLD')}; END"
        )
    op.execute(
        f"CREATE TRIGGER schools_update_bumps_revision AFTER UPDATE OF {SCHOOL_COLUMNS} "
        "ON schools FOR EACH ROW "
        "BEGIN UPDATE schools SET revision = OLD.revision + 1 WHERE id = NEW.id; END"
    )


def _postgresql_triggers() -> None:
    op.execute(
        """
        CREATE FUNCTION safekeep_bump_school_revision() RETURNS trigger AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                UPDATE schools SET revision = revision + 1 WHERE id = OLD.school_id;
            END IF;
            IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.school_id <> OLD.school_id) THEN
                UPDATE schools SET revision = revision + 1 WHERE id = NEW.school_id;
            END IF;
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
        """
    )
    for table in STAFF_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_bumps_school_revision "
            f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION safekeep_bump_school_revision()"
        )
    op.execute(
        """
        CREATE FUNCTION safekeep_next_school_revision() RETURNS trigger AS $$
        BEGIN
            NEW.revision := OLD.revision + 1;
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        f"CREATE TRIGGER schools_bumps_revision BEFORE UPDATE OF {SCHOOL_COLUMNS} "
        "ON schools FOR EACH ROW EXECUTE FUNCTION safekeep_next_school_revision()"
    )
