"""The AUP campaign journey, once for every adapter: the sweep's reminder reaches each person
still to sign, its button opens the agreement, a signer is not chased again, and the leads'
digest (counts only) opens `/aup status` with the names."""

from __future__ import annotations

from sqlalchemy import select

from schedules import sweeps
from storage.models import AupAcknowledgement
from tests.conftest import london
from tests.journeys.chat import Chat

TEACHER, TA, HEAD = "teacher@example.org", "ta@example.org", "head@example.org"
OPEN = (
    "Acceptable Use Policy · the 2026/27 Spring round is open · please read and agree to it by "
    "Fri 12 Feb."
)


def campaign(factory, clock, *when: int) -> int:
    clock.set(london(*when))
    queued = sweeps.run_all(factory, clock, only="aup_campaign")
    assert sweeps.run_all(factory, clock, only="aup_campaign") == 0  # a second worker
    return queued


def test_the_spring_reminder_opens_the_agreement_and_a_signer_is_not_chased_again(
    chat: Chat, factory, clock
):
    assert campaign(factory, clock, 2027, 1, 5, 8, 0) == 11
    chat.deliver()
    (opening,) = chat.dms(TEACHER)
    assert opening.text == OPEN
    assert opening.buttons == ("Read and agree",)
    assert [dm.text for dm in chat.dms(TA)] == [OPEN]

    clock.set(london(2027, 1, 6, 10, 0))
    shown = chat.press("Read and agree")
    assert "Staff Acceptable Use Policy" in shown and "2025.1" in shown
    done = chat.fill({"response": "agree"})
    assert "was recorded on Wed 6 Jan 10:00" in done
    with factory() as session:
        ack = session.scalars(select(AupAcknowledgement)).one()
    assert (ack.cycle, ack.platform) == ("2026/27 Spring", chat.platform)

    assert campaign(factory, clock, 2027, 1, 14, 8, 0) == 10  # everyone but the teacher
    chat.deliver()
    assert len(chat.dms(TEACHER)) == 1
    reminder = chat.dms(TA)[-1]
    assert reminder.text.startswith("Reminder · Acceptable Use Policy · the 2026/27 Spring round")
    assert reminder.buttons == ("Read and agree",)


def test_the_leads_digest_counts_by_group_and_opens_the_names_behind_the_role_check(
    chat: Chat, factory, clock
):
    campaign(factory, clock, 2027, 1, 5, 8, 0)
    chat.deliver()
    campaign(factory, clock, 2027, 3, 5, 8, 0)  # two school weeks overdue
    chat.deliver()
    (digest,) = [dm for dm in chat.dms(HEAD) if "See who" in dm.buttons]
    assert digest.text.startswith(
        "Acceptable Use Policy · the 2026/27 Spring round · 11 people overdue by two school "
        "weeks or more:\n• Teaching staff: 6\n• Support staff: 4\n• Governors: 1"
    )
    assert digest.buttons == ("See who",)
    assert "Alex" not in digest.text and "Sam" not in digest.text

    chat.as_person(HEAD)
    clock.set(london(2027, 3, 5, 9, 0))
    names = chat.press("See who")
    assert "Alex Teacher" in names and "Sam Assistant" in names
    assert "Overdue" in names
