"""The AUP journey, once for every adapter: a teacher reads and agrees, a lead sees it."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from bot.demo import DEMO_AUP
from storage.models import AuditEvent, AupAcknowledgement
from tests.journeys.chat import Chat

ONLINE_SAFETY_LEAD = "onlinesafety@example.org"


def test_a_teacher_agrees_to_the_aup_and_the_lead_sees_them_as_signed(
    chat: Chat, factory, staff, clock
):
    shown = chat.command("/aup")
    assert "Staff Acceptable Use Policy" in shown and "2025.1" in shown
    assert "I report a lost device or a suspected data breach" in shown
    done = chat.fill({"response": "agree"})
    assert "was recorded on Tue 24 Nov 10:00" in done

    with factory() as session:
        ack = session.scalars(select(AupAcknowledgement)).one()
        actions = session.scalars(select(AuditEvent.action)).all()
    assert (ack.person_id, ack.version, ack.acknowledged_at) == (staff.id, "2025.1", clock())
    assert ack.text_hash == hashlib.sha256(DEMO_AUP.encode()).hexdigest()
    assert ack.platform == chat.platform
    assert "aup.acknowledged" in actions
    again = chat.command("/aup")
    assert "You agreed to Staff Acceptable Use Policy (version 2025.1) on Tue 24 Nov 10:00" in again
    assert "Nothing more to do" in again

    chat.as_person(ONLINE_SAFETY_LEAD)
    status = chat.command("/aup status")
    assert "Teaching staff · Staff Acceptable Use Policy version 2025.1: 1 of 6 signed" in status
    assert "Support staff · Staff Acceptable Use Policy version 2025.1: 0 of 4 signed" in status
    assert "To sign: " in status and "Alex Teacher" not in status
    assert "Governors · Staff Acceptable Use Policy version 2025.1: 0 of 1 signed" in status
