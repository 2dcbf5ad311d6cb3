"""The concern flow's rules beyond routing: what out-of-hours reports wait for, the LADO reminder,
the reporter's words without a safeguarding-system link, and the governors' counts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from handlers.concern.log import termly_counts
from handlers.context import Context
from schedules import concern_clock, sweeps
from storage.database import transaction
from storage.models import Concern, OutboxMessage, School
from tests.conftest import london


def test_the_concern_clock_is_a_registered_sweep():
    assert sweeps.SWEEPS["concern_clock"] is concern_clock.sweep


def test_a_filtering_failure_out_of_hours_waits_for_the_next_school_morning(
    console, factory, clock
):
    clock.set(london(2026, 11, 24, 19, 0))
    thanks = console.say("/concern", "filtering", "over_blocking", "no", "")
    assert (
        "The Online Safety lead and the IT lead will be told on the next school day (Wed 25 Nov)"
        in thanks
    )
    assert "may not see this until the next school day (Wed 25 Nov)" in thanks
    with factory() as session:
        held = session.scalars(select(OutboxMessage)).all()
    assert held and all(
        (m.urgent, m.next_attempt_at) == (False, london(2026, 11, 25, 8, 0)) for m in held
    )


def test_the_lado_reminder_is_not_sent_once_the_consultation_is_recorded(console, factory, clock):
    console.say("/concern", "adult", "no", "no", "yes")
    with transaction(factory) as session:
        session.scalars(select(Concern)).one().outcomes = ["lado_consulted"]
    clock.set(london(2026, 11, 25, 8, 0))
    assert sweeps.run_all(factory, clock, only="concern_clock") == 1  # escalation only
    with factory() as session:
        kinds = [e.kind for e in session.scalars(select(Concern)).one().events]
    assert "lado_reminder" not in kinds and "escalated" in kinds


def test_without_a_link_the_reporter_gets_a_one_line_reminder(console, factory, school):
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        row.settings = {**row.settings, "safeguarding_system_url": "", "safeguarding_system": ""}
    thanks = console.say("/concern", "pupil", "harmful_content")
    assert "Now record what you saw and did in the school's safeguarding record" in thanks
    assert "https://" not in thanks


def test_termly_counts_are_by_kind_with_the_median_time_to_acknowledge(
    console, factory, clock, school
):
    console.say("/concern", "pupil", "grooming")
    console.say("/concern", "pupil", "other")
    console.say("/concern", "device", "")
    console.act_as("dsl@example.org")
    clock.advance(minutes=10)
    console.say("/concern open 1", "", "", "", "no")
    clock.advance(minutes=20)
    console.say("/concern open 2", "", "", "", "no")
    clock.set(london(2027, 1, 6, 10, 0))  # next term
    console.act_as("teacher@example.org")
    console.say("/concern", "pupil", "grooming")

    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock, "cli")
        autumn = termly_counts(ctx, date(2026, 9, 1), date(2026, 12, 31))
        spring = termly_counts(ctx, date(2027, 1, 1), date(2027, 3, 31))
    assert autumn.by_kind == {"pupil": 2, "filtering": 0, "adult": 0, "device": 1}
    assert (autumn.total, autumn.acknowledged) == (3, 2)
    assert autumn.median_minutes_to_acknowledge == 20.0  # 10 and 30 minutes
    assert (spring.total, spring.median_minutes_to_acknowledge) == (1, None)


def test_the_concern_settings_are_shown_to_the_headteacher(console):
    console.act_as("head@example.org")
    settings = console.say("/safekeep settings")
    assert "Online-safety concerns: school hours 08:00 to 17:00" in settings
    assert "escalates after 30 minutes in school hours" in settings
    assert (
        "CPOMS (https://demo.example.org/cpoms); children's social care: 020 7946 0123" in settings
    )


def test_a_lead_sees_the_unacknowledged_concerns_they_were_told_about_at_home(console):
    console.say("/concern", "pupil", "contact")
    console.act_as("dsl@example.org")
    home = console.say("/home")
    assert "Concern #1 (about a pupil online) reported Tue 24 Nov 10:00 is not acknowledged" in home
    assert "Report an online-safety concern" in home
    console.act_as("onlinesafety@example.org")
    assert "Concern #1" not in console.say("/home")
