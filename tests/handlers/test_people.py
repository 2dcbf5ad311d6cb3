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
        result = people.sync_staff(ctx, people.SLACK, members)
    assert (result.added, result.updated, result.skipped) == (1, 1, 3)
    assert result.summary() == (
        "Staff sync from Slack: 1 added, 1 already known, 0 back again, "
        "0 marked as leavers (inactive, kept), 3 skipped (bots, deactivated accounts, no email)."
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


def sync(factory, clock, school, source, *members):
    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock, platform="cli")
        return people.sync_staff(ctx, source, list(members))


def person(factory, school, email):
    with factory() as session:
        found = people.find_by_email(session, school.id, email)
        assert found is not None
        return found


def test_someone_a_list_no_longer_names_is_marked_inactive_kept_and_active_again_on_return(
    factory, clock, school
):
    alex = people.Member("U1", "alex@example.org", "Alex")
    blair = people.Member("U2", "blair@example.org", "Blair")
    sync(factory, clock, school, people.SLACK, alex, blair)
    result = sync(factory, clock, school, people.SLACK, alex)
    assert (result.updated, result.leavers) == (1, 1)
    assert "1 marked as leavers" in result.summary()
    gone = person(factory, school, "blair@example.org")
    assert (gone.active, gone.sources, gone.identity("slack")) == (False, [], "U2")
    deactivated = people.Member("U1", "alex@example.org", "Alex", deactivated=True)
    back = sync(factory, clock, school, people.SLACK, deactivated, blair)
    assert (back.returned, back.leavers, back.skipped) == (1, 1, 1)
    assert person(factory, school, "blair@example.org").active
    assert not person(factory, school, "alex@example.org").active
    with factory() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("person.%"))
        ).all()
    assert actions == ["person.left", "person.returned", "person.left"]


def test_a_csv_of_governors_never_makes_slack_staff_leavers_nor_the_other_way_round(
    factory, clock, school
):
    sync(factory, clock, school, people.SLACK, people.Member("U1", "alex@example.org", "Alex"))
    governor = people.Member("", "gov@example.org", "Gale Governor", group="governor")
    sync(factory, clock, school, people.CSV, governor)
    assert sync(factory, clock, school, people.SLACK).leavers == 1  # Alex only
    assert person(factory, school, "gov@example.org").active
    assert person(factory, school, "gov@example.org").role_group == "governor"
    assert sync(factory, clock, school, people.CSV).leavers == 1


def test_someone_on_two_lists_leaves_only_when_both_drop_them_and_hand_added_staff_stay(
    factory, clock, school
):
    alex = people.Member("U1", "alex@example.org", "Alex")
    sync(factory, clock, school, people.SLACK, alex)
    sync(factory, clock, school, people.CSV, alex)
    assert sync(factory, clock, school, people.SLACK).leavers == 0
    assert person(factory, school, "alex@example.org").sources == ["csv"]
    assert sync(factory, clock, school, people.CSV).leavers == 1
    # the school fixture's own staff were never on a synced list: no sync touches them
    assert person(factory, school, "teacher@example.org").active


def test_the_summary_names_leavers_who_still_hold_roles(factory, clock, school):
    from handlers import admin

    dsl = people.Member("U7", "dee@example.org", "Dee")
    sync(factory, clock, school, people.SLACK, dsl)
    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock, platform="cli")
        found = people.find_by_email(session, school.id, "dee@example.org")
        assert found is not None
        admin.grant_role(ctx, found, "dsl")
    result = sync(factory, clock, school, people.SLACK)
    assert result.leavers_with_roles == ["dee@example.org (dsl)"]
    assert "still hold roles" in result.summary() and "dee@example.org (dsl)" in result.summary()
    assert person(factory, school, "dee@example.org").role_names == {"dsl"}  # kept


def test_an_account_whose_email_changed_keeps_its_platform_id_on_the_new_record(
    factory, clock, school
):
    sync(factory, clock, school, people.SLACK, people.Member("U1", "old@example.org", "Sam"))
    result = sync(
        factory, clock, school, people.SLACK, people.Member("U1", "new@example.org", "Sam")
    )
    assert (result.added, result.leavers) == (1, 1)
    assert person(factory, school, "new@example.org").identity("slack") == "U1"
    assert person(factory, school, "old@example.org").identity("slack") is None
