"""People: a platform's member list synced as data, first-use schools, linking by email."""

from __future__ import annotations

from sqlalchemy import select

from handlers import people
from handlers.context import Context
from storage.database import transaction
from storage.models import AuditEvent, Person, School


def test_a_staff_sync_adds_newcomers_links_known_staff_and_skips_bots_and_leavers(
    factory, clock, school
):
    members = [
        people.Member("U1", "Teacher@Example.org", "Alex Teacher"),
        people.Member("U2", "newcomer@example.org", "Nico Newcomer"),
        people.Member("B1", "bot@example.org", "Helper", is_bot=True),
        people.Member("U3", "gone@example.org", "Former Staff", deactivated=True),
        people.Member("U4", None, "Guest"),
    ]
    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock, platform="cli")
        result = people.sync_staff(ctx, "slack", "Slack", members)
    assert (result.added, result.updated, result.skipped) == (1, 1, 3)
    assert result.summary() == (
        "Staff sync from Slack: 1 added, 1 already known, "
        "3 skipped (bots, deactivated accounts, no email)."
    )
    with factory() as session:
        newcomer = people.find_by_email(session, school.id, "newcomer@example.org")
        assert newcomer is not None and newcomer.identity("slack") == "U2"
        teacher = people.find_by_email(session, school.id, "teacher@example.org")
        assert teacher is not None and teacher.identity("slack") == "U1"
        assert people.find_by_email(session, school.id, "bot@example.org") is None
        assert session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "staff.synced")
        ).all() == ["staff.synced"]


def test_a_workspace_that_gives_no_name_becomes_a_school_named_for_its_platform(factory, clock):
    with transaction(factory) as session:
        school = people.first_use_school(session, "slack", None, clock(), slack_team_id="T9")
        assert (school.name, school.platform, school.slack_team_id) == (
            "Slack workspace",
            "slack",
            "T9",
        )


def test_linking_by_email_is_audited_and_someone_not_on_the_list_is_not_linked(
    factory, clock, school
):
    with transaction(factory) as session:
        linked = people.link_by_email(
            session, school.id, "slack", "U1", "teacher@example.org", clock()
        )
        stranger = people.link_by_email(
            session, school.id, "slack", "U9", "visitor@example.org", clock()
        )
        assert linked is not None and stranger is None
    with factory() as session:
        found = people.find_by_identity(session, school.id, "slack", "U1")
        assert found is not None and found.email == "teacher@example.org"
        (event,) = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "identity.linked")
        ).all()
        assert event.details == {"platform": "slack"}
        assert session.scalar(select(Person).where(Person.email == "visitor@example.org")) is None
