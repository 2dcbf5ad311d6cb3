"""Single-workspace mode: the school is created on first use from auth.test, and
SAFEKEEP_SCHOOL_CONFIG (if set) is applied to it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.demo import demo_config
from storage.models import Person, School
from tests.conftest import DEMO_MADE
from tests.drivers.fake_slack_api import FakeSlack
from tests.drivers.slack import BOT_TOKEN, TEAM_ID, demo_workspace, start


@pytest.fixture
def fresh_workspace():
    fake = FakeSlack()
    demo_workspace(fake)
    fake.teams[BOT_TOKEN] = (TEAM_ID, "Fresh Workspace")
    return fake


def test_the_first_command_creates_the_school_and_applies_the_school_config(
    factory, engine, clock, database_url, fresh_workspace
):
    bot = start(
        factory, engine, clock, database_url, fresh_workspace, school_config=demo_config(DEMO_MADE)
    )
    try:
        bot.command("/aup")
        assert bot.open_view()["callback_id"] == "aup.agree"
        bot.command("/safekeep")
    finally:
        bot.server.stop()
    with factory() as session:
        [school] = session.scalars(select(School)).all()
        staff = session.scalars(select(Person).where(Person.school_id == school.id)).all()
    assert (school.slack_team_id, school.platform, school.name) == (
        TEAM_ID,
        "slack",
        "Demo Primary School",
    )
    assert len(staff) == 11
    # bolt checks the token once, the school is named once; a second command asks for neither
    assert len(bot.calls("auth.test")) == 2


def test_without_a_school_config_the_workspace_name_is_used_and_nobody_is_staff_yet(
    factory, engine, clock, database_url, fresh_workspace
):
    bot = start(factory, engine, clock, database_url, fresh_workspace)
    try:
        reply = bot.command("/aup")
    finally:
        bot.server.stop()
    assert "not on Safekeep's staff list for Fresh Workspace" in reply.json["text"]
    with factory() as session:
        assert session.scalars(select(School.name)).all() == ["Fresh Workspace"]
