"""/home in the console: what is waiting for me, with its buttons (the console's App Home)."""

from __future__ import annotations

import re

from sqlalchemy import select

from handlers import routes
from storage.models import Incident
from tests.drivers.console import ConsoleBot
from tests.handlers.breach_steps import LOST_LAPTOP, act


def test_help_lists_home(console):
    assert "/home" in console.say("/help")


def test_after_a_restart_the_dpo_reaches_the_unacknowledged_breach_through_home(
    factory, clock, school
):
    act(
        factory,
        clock,
        school,
        "teacher@example.org",
        routes.submit("breach.report", LOST_LAPTOP, {}),
    )
    # A new console: the buttons of the alert DMs printed before are gone.
    restarted = ConsoleBot(factory, clock, school.id, "dpo@example.org")
    home = restarted.say("/home")
    assert "Your Safekeep" in home
    assert "Breach #1 reported" in home and "is not acknowledged yet" in home
    (number,) = re.findall(r"\[(\d+)\] Acknowledge #1", home)
    assert "Report a lost device or breach" in home  # the buttons staff need most, too

    done = restarted.say(f"/press {number}")
    assert "Breach #1" in done
    with factory() as session:
        incident = session.scalars(select(Incident)).one()
    assert incident.acknowledged_at is not None
    assert "is not acknowledged yet" not in restarted.say("/home")


def test_home_for_a_teacher_with_nothing_waiting_but_the_aup(console):
    home = console.say("/home")
    assert "Please read and agree to the Staff Acceptable Use Policy (version 2025.1)" in home
    (number,) = re.findall(r"\[(\d+)\] Read and agree", home)
    out = console.say(f"/press {number}", "agree", "I agree")
    assert "was recorded on" in out
    assert "Nothing is waiting for you" in console.say("/home")
