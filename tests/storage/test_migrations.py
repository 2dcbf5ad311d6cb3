"""Migrations build the whole schema from empty and match the models exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from storage.database import (
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
