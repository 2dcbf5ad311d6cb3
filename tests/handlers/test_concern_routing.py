"""Who hears about each kind of concern, how soon, who may handle it and when it escalates
(shared/DOMAIN.md §5), as rules: no database, no adapter."""

from __future__ import annotations

import pytest

from bot.demo import DEMO_TERMS
from handlers.concern import routing
from handlers.concern.report import flags_from
from handlers.settings import SchoolSettings
from tests.conftest import london

SETTINGS = SchoolSettings(terms=DEMO_TERMS)


def test_a_pupil_concern_goes_to_the_dsl_and_deputies_at_once_at_any_hour():
    for in_hours in (True, False):
        route = routing.route("pupil", [], in_hours=in_hours)
        assert route.roles == ("dsl", "deputy_dsl")
        assert route.at_once
        assert route.escalate_to == ("deputy_dsl", "headteacher")
        assert not route.excluded and not route.lado


def test_a_filtering_failure_goes_to_the_online_safety_and_it_leads_in_school_hours():
    route = routing.route("filtering", [], in_hours=True)
    assert (route.roles, route.at_once) == (("online_safety_lead", "it_lead"), True)
    # Out of hours it waits for the next school morning...
    assert not routing.route("filtering", [], in_hours=False).at_once
    # ...unless illegal material is suspected: then the DSL is told too, at once.
    illegal = routing.route("filtering", ["illegal_material"], in_hours=False)
    assert (illegal.roles, illegal.at_once) == (("online_safety_lead", "it_lead", "dsl"), True)


def test_adult_misuse_goes_to_the_headteacher_and_dpo_and_the_dsl_when_a_child_may_be_affected():
    assert routing.route("adult", [], in_hours=True).roles == ("headteacher", "dpo")
    child = routing.route("adult", ["child_affected"], in_hours=False)
    assert child.roles == ("headteacher", "dpo", "dsl") and child.at_once


def test_a_concern_about_the_headteacher_goes_to_the_chair_and_bars_the_headteacher():
    route = routing.route("adult", ["about_headteacher", "harm_threshold"], in_hours=True)
    assert route.roles == ("chair_of_governors", "dpo")
    assert route.excluded == ("headteacher",)
    assert "headteacher" not in route.handlers
    assert route.head == "chair_of_governors" and route.lado


def test_pupil_misuse_of_devices_goes_to_the_online_safety_lead_the_next_school_day():
    route = routing.route("device", [], in_hours=True)
    assert (route.roles, route.at_once) == (("online_safety_lead",), False)
    # Tuesday in school: the next school morning is Wednesday's.
    assert routing.delivered_from(SETTINGS, route, london(2026, 11, 24, 10, 0)) == london(
        2026, 11, 25, 8, 0
    )


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        routing.route("gossip", [], in_hours=True)


@pytest.mark.parametrize(
    ("reported", "due"),
    [
        # In school hours: the school's 30 minutes.
        (london(2026, 11, 24, 10, 0), london(2026, 11, 24, 10, 30)),
        # A weeknight: the start of the next school day.
        (london(2026, 11, 24, 21, 0), london(2026, 11, 25, 8, 0)),
        # Early morning before school: the start of that same day.
        (london(2026, 11, 25, 6, 30), london(2026, 11, 25, 8, 0)),
        # Friday night and the weekend: Monday morning.
        (london(2026, 11, 27, 22, 0), london(2026, 11, 30, 8, 0)),
        (london(2026, 11, 29, 12, 0), london(2026, 11, 30, 8, 0)),
    ],
)
def test_an_unacknowledged_pupil_concern_escalates_after_30_minutes_or_next_school_morning(
    reported, due
):
    route = routing.route("pupil", [], in_hours=routing.in_school_hours(SETTINGS, reported))
    assert routing.escalation_due(SETTINGS, "pupil", route, reported) == due


def test_the_escalation_time_is_the_schools_own():
    settings = SchoolSettings(terms=DEMO_TERMS, concern_ack_minutes=15)
    route = routing.route("pupil", [], in_hours=True)
    reported = london(2026, 11, 24, 10, 0)
    assert routing.escalation_due(settings, "pupil", route, reported) == london(
        2026, 11, 24, 10, 15
    )


def test_other_kinds_escalate_on_the_school_day_after_their_leads_first_get_them():
    filtering = routing.route("filtering", [], in_hours=True)
    assert routing.escalation_due(
        SETTINGS, "filtering", filtering, london(2026, 11, 24, 10, 0)
    ) == london(2026, 11, 25, 8, 0)
    device = routing.route("device", [], in_hours=True)
    # Delivered Wednesday morning, so escalated on Thursday.
    assert routing.escalation_due(
        SETTINGS, "device", device, london(2026, 11, 24, 10, 0)
    ) == london(2026, 11, 26, 8, 0)


def test_school_hours_are_school_days_between_the_schools_hours():
    assert routing.in_school_hours(SETTINGS, london(2026, 11, 24, 8, 0))
    assert not routing.in_school_hours(SETTINGS, london(2026, 11, 24, 17, 0))
    assert not routing.in_school_hours(SETTINGS, london(2026, 11, 28, 10, 0))  # Saturday
    assert not routing.in_school_hours(SETTINGS, london(2026, 12, 24, 10, 0))  # holidays


def test_the_lado_is_consulted_within_one_working_day_even_in_the_school_holidays():
    # Friday 18 December is the last day of term; the LADO works on Monday 21st all the same.
    assert routing.lado_due(SETTINGS, london(2026, 12, 18, 15, 0)) == london(2026, 12, 21, 17, 0)
    # Thursday 24 December: Christmas and Boxing Day (and its substitute) are bank holidays.
    assert routing.lado_due(SETTINGS, london(2026, 12, 24, 10, 0)) == london(2026, 12, 29, 17, 0)


def test_flags_come_from_the_answers_and_not_sure_counts_where_a_child_may_be_at_stake():
    assert flags_from("filtering", {"illegal_material": "unsure"}) == ["illegal_material"]
    assert flags_from("filtering", {"illegal_material": "no"}) == []
    assert flags_from(
        "adult", {"about_headteacher": "yes", "child_affected": "unsure", "harm_threshold": "no"}
    ) == ["about_headteacher", "child_affected"]
    assert flags_from("pupil", {"sub_kind": "grooming"}) == []
