"""Migrations build the whole schema from empty and match the models exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from storage.database import (
    MIGRATIONS,
    SchemaOutOfDate,
    check_schema,
    current_revision,
    head_revision,
    make_engine,
    upgrade,
)
from storage.models import Base


def test_upgrade_from_empty_matches_the_models(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_the_migrated_test_database_matches_the_models(engine):
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    check_schema(engine)


def test_an_empty_database_is_refused_with_the_command_to_run(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaOutOfDate, match="python -m bot migrate"):
        check_schema(engine)


def test_database_errors_never_show_the_values_that_were_being_written(tmp_path):
    """Free text must not reach the logs through an exception's message."""
    from sqlalchemy.exc import StatementError

    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade(engine)
    with pytest.raises(StatementError) as raised, engine.begin() as conn:
        conn.execute(
            text("INSERT INTO people (school_id, email) VALUES (:school, :email)"),
            {"school": 999, "email": "secret-words-about-a-child"},
        )
    assert "secret-words-about-a-child" not in str(raised.value)


def test_the_head_revision_is_the_one_alembic_finds_in_the_migrations():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_the_current_revision_is_the_one_alembic_reads_empty_old_and_new(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    for revision in (None, "0001", head_revision()):
        if revision is not None:
            upgrade(engine, revision)
        with engine.connect() as conn:
            read_by_alembic = MigrationContext.configure(conn).get_current_revision()
        assert current_revision(engine) == read_by_alembic == revision
