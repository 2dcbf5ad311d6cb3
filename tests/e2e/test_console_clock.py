"""The wait for school hours is said and, in the console demo, skippable with /clock."""

from __future__ import annotations

import re

from sqlalchemy import select

from storage.models import AuditEvent
from tests.conftest import london
from tests.drivers.console import ConsoleBot
from tests.e2e.test_console_offsite import DETAILS, SEND_ON_PAPER


def test_a_request_at_0430_waits_for_0800_and_an_admin_can_move_the_demo_clock_on(
    factory, clock, school
):
    clock.set(london(2026, 11, 24, 4, 30))
    console = ConsoleBot(factory, clock, school.id, "teacher@example.org")
    details = (*DETAILS[:5], "", DETAILS[6])  # Enter keeps the default return date
    out = console.say("/offsite", *SEND_ON_PAPER, *details)
    assert "they'll get your request at 08:00 today" in out
    assert "[DM to Jordan Head]" not in out  # nobody is asked at 04:30

    # A teacher can see the time but not move it.
    assert "It is Tue 24 Nov 2026 04:30 at Demo Primary School." in console.say("/clock")
    refused = console.say("/clock 08:00")
    assert "only the Safekeep admin can do that" in refused
    assert "[DM to Jordan Head]" not in refused

    console.act_as("head@example.org")
    moved = console.say("/clock 08:00")
    assert "The demo's clock now says Tue 24 Nov 2026 08:00." in moved
    assert "[DM to Jordan Head] " in moved and "Approve" in moved
    assert "moved on by 3h 30m" in console.say("/clock")
    approve = re.findall(r"\[(\d+)\] Approve", moved)[-1]
    assert "Approved" in console.say(f"/press {approve}")
    with factory() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "demo.clock_moved")
        ).all()
    assert len(events) == 1


def test_the_clock_only_moves_forward_and_by_what_is_understood(console):
    console.act_as("it@example.org")
    assert "didn't understand" in console.say("/clock yesterday")
    assert "didn't understand" in console.say("/clock -2h")
    assert "at most 60 days" in console.say("/clock +90d")
    assert "Tue 24 Nov 2026 12:00" in console.say("/clock +2h")
    assert "Wed 25 Nov 2026 10:00" in console.say("/clock 10:00")  # the next 10:00
