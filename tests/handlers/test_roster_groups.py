"""The staff list's groups and guests: which group a synced person gets, and who is left out."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from handlers import people
from handlers.context import Context
from handlers.school_config import ConfigError, parse_school_config
from handlers.settings import SchoolSettings
from storage.database import transaction
from storage.models import Person, School


def sync(factory, clock, school_id, source, members, **settings):
    with transaction(factory) as session:
        school = session.get_one(School, school_id)
        if settings:
            school.settings = {**(school.settings or {}), **settings}
        ctx = Context(session, school, None, clock, platform="cli")
        return people.sync_staff(ctx, source, members)


def groups(factory, school_id) -> dict[str, tuple[str, bool]]:
    with factory() as session:
        found = session.scalars(select(Person).where(Person.school_id == school_id))
        return {p.email: (p.role_group, p.active) for p in found}


def test_slack_guests_are_left_out_by_default_and_said_so(factory, clock, school):
    result = sync(
        factory,
        clock,
        school.id,
        people.SLACK,
        [
            people.Member("U1", "new@example.org", "Nia New"),
            people.Member("U2", "guest@example.org", "Gus Guest", guest=True),
        ],
    )
    assert (result.added, result.guests) == (1, 1)
    assert "1 guest account(s) left out (school.toml [roster] include_guests" in result.summary()
    found = groups(factory, school.id)
    assert found["new@example.org"] == ("teaching", True)
    assert "guest@example.org" not in found


def test_a_school_that_includes_guests_gets_them_in_its_guest_group(factory, clock, school):
    result = sync(
        factory,
        clock,
        school.id,
        people.SLACK,
        [
            people.Member("U1", "new@example.org", "Nia New"),
            people.Member("U2", "guest@example.org", "Gus Guest", guest=True),
        ],
        include_guests=True,
        guest_group="contractor",
        default_group="support",
    )
    assert (result.added, result.guests) == (2, 0)
    found = groups(factory, school.id)
    assert found["new@example.org"] == ("support", True)  # the school's default group
    assert found["guest@example.org"] == ("contractor", True)


def test_a_slack_sync_never_undoes_a_group_a_lead_set_by_csv(factory, clock, school):
    sync(
        factory,
        clock,
        school.id,
        people.CSV,
        [people.Member("", "gale@example.org", "Gale Governor", group="governor")],
    )
    sync(
        factory,
        clock,
        school.id,
        people.SLACK,
        [
            people.Member("U7", "gale@example.org", "Gale Governor"),
            people.Member("U8", "ta@example.org", "Sam Assistant"),
        ],
        default_group="teaching",
    )
    found = groups(factory, school.id)
    assert found["gale@example.org"] == ("governor", True)
    assert found["ta@example.org"] == ("support", True)  # from school.toml, kept
    # the CSV changes a group when it says one
    sync(
        factory,
        clock,
        school.id,
        people.CSV,
        [people.Member("", "gale@example.org", "Gale Governor", group="volunteer")],
    )
    assert groups(factory, school.id)["gale@example.org"] == ("volunteer", True)


def test_school_toml_roster_settings_are_read_and_checked():
    base = {"school": {"name": "Example Primary"}}
    settings = parse_school_config(
        {**base, "roster": {"default_group": "support", "include_guests": True}},
        base_dir=Path("."),
    ).settings
    assert (settings.default_group, settings.include_guests, settings.guest_group) == (
        "support",
        True,
        "visitor",
    )
    assert SchoolSettings().default_group == "teaching" and not SchoolSettings().include_guests
    with pytest.raises(ConfigError, match="'roster.default_group' must be one of teaching"):
        parse_school_config({**base, "roster": {"default_group": "pupils"}}, base_dir=Path("."))
    with pytest.raises(ConfigError, match="'roster.include_guests' must be true or false"):
        parse_school_config({**base, "roster": {"include_guests": "yes"}}, base_dir=Path("."))
    with pytest.raises(ConfigError, match="'roster.guests' is not a known setting"):
        parse_school_config({**base, "roster": {"guests": True}}, base_dir=Path("."))
