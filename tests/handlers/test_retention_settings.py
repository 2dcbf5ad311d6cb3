"""The [retention] section of school.toml, the leaving date the staff sync keeps, and the
migration that works out the leaving date of people who left before it was kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from handlers import people
from handlers.context import Context
from handlers.school_config import ConfigError, load_school_config, parse_school_config
from storage.database import make_engine, transaction, upgrade
from storage.models import School
from tests.conftest import london

ROOT = Path(__file__).resolve().parents[2]


def _parse(retention: dict) -> object:
    raw = {"school": {"name": "Test Primary"}, "retention": retention}
    return parse_school_config(raw, base_dir=Path("."), source="school.toml").settings


def test_without_a_retention_section_the_domain_defaults_apply():
    settings = _parse({})
    assert (
        settings.retention_offsite_years,
        settings.retention_breach_years,
        settings.retention_concern_years,
        settings.retention_leaver_aup_years,
        settings.retention_message_days,
        settings.retention_answered_question_days,
    ) == (1, 6, 6, 6, 30, 365)


def test_the_example_school_toml_sets_the_defaults_it_documents():
    settings = load_school_config(ROOT / "school.example.toml").settings
    assert (settings.retention_breach_years, settings.retention_message_days) == (6, 30)


def test_a_school_sets_its_own_periods():
    settings = _parse({"offsite_years": 0, "breach_years": 10, "answered_question_days": 90})
    assert settings.retention_offsite_years == 0
    assert settings.retention_breach_years == 10
    assert settings.retention_answered_question_days == 90


@pytest.mark.parametrize(
    ("retention", "message"),
    [
        (
            {"breach_years": 0},
            "school.toml: 'retention.breach_years' must be a whole number of years from 1 to 100.",
        ),
        (
            {"message_days": 7},
            "school.toml: 'retention.message_days' must be a whole number of days from 30 to 3650.",
        ),
        (
            {"offsite_years": "two"},
            "school.toml: 'retention.offsite_years' must be a whole number of academic years "
            "from 0 to 10.",
        ),
        ({"leaver_aup_years": True}, "'retention.leaver_aup_years' must be a whole number"),
        ({"forever": 1}, "'retention.forever' is not a known setting (known: answered_question"),
    ],
)
def test_a_bad_retention_setting_is_named_with_what_it_must_be(retention, message):
    with pytest.raises(ConfigError) as raised:
        _parse(retention)
    assert message in str(raised.value)


def _sync(factory, clock, school, *members):
    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock, platform="cli")
        return people.sync_staff(ctx, people.SLACK, list(members))


def test_the_staff_sync_keeps_the_day_someone_left_and_forgets_it_when_they_return(
    factory, clock, school
):
    blair = people.Member("U2", "blair@example.org", "Blair")
    _sync(factory, clock, school, blair)
    clock.set(london(2027, 7, 23, 9, 0))
    _sync(factory, clock, school)
    with factory() as session:
        found = people.find_by_email(session, school.id, "blair@example.org")
        assert found is not None and (found.active, found.left_on) == (False, date(2027, 7, 23))
    _sync(factory, clock, school, blair)
    with factory() as session:
        found = people.find_by_email(session, school.id, "blair@example.org")
        assert found is not None and (found.active, found.left_on) == (True, None)


def test_the_migration_dates_earlier_leavers_from_their_person_left_event(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0009")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO schools (id, name, platform, timezone, settings, created_at, "
                "audit_seq, audit_head) VALUES (1, 'Old Primary', 'console', 'Europe/London', "
                "'{}', '2020-01-01 00:00:00+00:00', 1, '')"
            )
        )
        for person_id, email, active in (
            (1, "gone@example.org", 0),
            (2, "here@example.org", 1),
            (3, "unknown@example.org", 0),
        ):
            conn.execute(
                text(
                    "INSERT INTO people (id, school_id, email, display_name, role_group, active, "
                    "sources, created_at) VALUES (:id, 1, :email, 'Someone', 'teaching', :active, "
                    "'[]', '2020-01-01 00:00:00+00:00')"
                ),
                {"id": person_id, "email": email, "active": active},
            )
        conn.execute(
            text(
                "INSERT INTO audit_events (school_id, seq, at, action, subject, details, "
                "prev_hash, hash) VALUES (1, 1, '2024-07-19 16:00:00.000000+00:00', "
                "'person.left', 'person:1', '{}', '', '')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        found = dict(conn.execute(text("SELECT id, left_on FROM people ORDER BY id")).all())
    engine.dispose()
    assert found == {1: "2024-07-19", 2: None, 3: None}
