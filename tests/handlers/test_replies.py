"""What a DM says once its button's action is done."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.replies import done_note

LONDON = ZoneInfo("Europe/London")


def test_a_done_dm_names_the_button_and_the_local_time_it_was_done():
    at = datetime(2026, 11, 26, 14, 5, tzinfo=LONDON)
    assert done_note("Acknowledge", at) == "Acknowledge · Thu 26 Nov 14:05"
    assert done_note("", at) == "Done · Thu 26 Nov 14:05"
