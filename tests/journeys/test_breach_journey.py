"""Breach journeys, once for every adapter: who is alerted (never with personal data), the
escalation when nobody acknowledges, and the acknowledgement from the DM."""

from __future__ import annotations

from sqlalchemy import select

from handlers import registers
from handlers.breach import messages as msg
from handlers.context import Context
from schedules import sweeps
from storage.database import transaction
from storage.models import Incident, School
from tests.handlers.breach_steps import LOST_LAPTOP, LOST_SAFEGUARDING_PAPER, NOT_REPORTABLE
from tests.journeys.chat import Chat, Dm

DPO, HEAD, IT_LEAD = "dpo@example.org", "head@example.org", "it@example.org"
DSL, DEPUTY = "dsl@example.org", "deputy@example.org"
DETAILS = {
    "occurred_at": None,
    "discovered_at": "2026-11-24 09:45",
    "location": "transport",
    "description": "Left the bag with the Y4 file on the train home.",
    "actions_taken": "Asked the train company's lost property to look for it.",
    "police_ref": None,
}
SPECIAL_DATA_QUESTION = "Any safeguarding, SEND, medical or child-protection information?"
# Words from the report that must never be in a DM: who reported it and what they wrote.
PERSONAL = ("Alex", "teacher@", "train", "Y4", "lost property")


def alerts(chat: Chat, email: str) -> list[Dm]:
    return [dm for dm in chat.dms(email) if dm.text.startswith("Breach #1 · ")]


def test_a_lost_safeguarding_file_alerts_the_leads_escalates_and_the_dpo_acknowledges(
    chat: Chat, factory, clock, dpo
):
    chat.command("/breach")
    step_two = chat.fill(LOST_SAFEGUARDING_PAPER)
    assert "call 999" in step_two and "social care" in step_two
    thanks = chat.fill(DETAILS)
    assert "Breach #1 is recorded" in thanks and "call 999" in thanks

    chat.deliver()
    for email in (DPO, HEAD, IT_LEAD, DSL, DEPUTY):
        (alert,) = alerts(chat, email)
        assert alert.text.startswith(
            "Breach #1 · lost paper · safeguarding/SEND/medical data: yes · child at risk: yes"
        ), email
        assert "Acknowledge" in alert.buttons
        assert not [word for word in PERSONAL if word in alert.text], alert.text

    clock.advance(minutes=61)
    sweeps.run_all(factory, clock, only="breach_clock")
    chat.deliver()
    for email in (DEPUTY, HEAD):
        (escalation,) = [dm for dm in chat.dms(email) if dm.text.startswith("Escalation")]
        assert "nobody has acknowledged Breach #1 for 60 minutes · lost paper" in escalation.text
        assert "Acknowledge" in escalation.buttons
    assert not [dm for dm in chat.dms(DSL) if dm.text.startswith("Escalation")]

    chat.as_person(DPO)
    acknowledged = chat.press("Acknowledge")
    assert "you acknowledged Breach #1 at Tue 24 Nov 11:01. Escalation has stopped." in acknowledged
    with factory() as session:
        incident = session.scalars(select(Incident)).one()
    assert (incident.acknowledged_at, incident.acknowledged_by_id) == (clock(), dpo.id)
    clock.advance(hours=2)
    assert sweeps.run_all(factory, clock, only="breach_clock") == 0


def test_a_lost_encrypted_laptop_alerts_the_leads_but_not_the_safeguarding_team(
    chat: Chat, factory, clock
):
    chat.command("/breach")
    step_two = chat.fill(LOST_LAPTOP)
    thanks = chat.fill(DETAILS)
    assert "999" not in step_two and "999" not in thanks
    assert "Breach #1 is recorded (reported Tue 24 Nov 10:00)" in thanks
    assert "The DPO decides by Fri 27 Nov 10:00" in thanks

    chat.deliver()
    for email in (DPO, HEAD, IT_LEAD):
        (alert,) = alerts(chat, email)
        assert alert.text.startswith(
            "Breach #1 · lost device · safeguarding/SEND/medical data: no"
        ), email
        assert not [word for word in (*PERSONAL, "LT-0042") if word in alert.text], alert.text
    assert alerts(chat, DSL) == [] and alerts(chat, DEPUTY) == []
    with factory() as session:
        incident = session.scalars(select(Incident)).one()
    assert incident.reported_at == clock()
    assert (incident.location, incident.asset_tag) == ("transport", "LT-0042")


def test_medical_and_safeguarding_records_are_safeguarding_data_in_the_dsl_alert_and_the_log(
    chat: Chat, factory, clock, school
):
    """The records ticked answer the safeguarding question: the console doesn't ask it, a "No"
    beside them in a modal (which shows every question) is pointed out at the question, and the
    DSL's alert and the breach log say yes, as the routing does."""
    what = {**LOST_LAPTOP, "categories": ["safeguarding", "medical"], "special_data": "no"}
    chat.command("/breach")
    if chat.platform == "console":
        step_two = chat.fill(what)
        assert SPECIAL_DATA_QUESTION not in step_two
    else:
        refused = chat.fill(what)
        assert "You ticked Safeguarding information and Medical or health information" in refused
        assert "the answer can't be No" in refused
        with factory() as session:
            assert session.scalars(select(Incident)).all() == []
        step_two = chat.fill({**what, "special_data": ""})
    assert "the DSL and the deputy DSLs have been alerted" in step_two
    chat.deliver()
    for email in (DSL, DEPUTY, DPO):
        (alert,) = alerts(chat, email)
        assert "safeguarding/SEND/medical data: yes" in alert.text, email

    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock, "cli")
        (row,) = registers.export(ctx, "breaches").as_dicts()
    assert row["special_category_or_safeguarding"] == "yes"
    assert row["data_categories"] == "Safeguarding information, Medical or health information"


def test_the_safeguarding_question_is_asked_only_when_the_records_ticked_cant_answer_it(
    chat: Chat, factory
):
    """Ticking safeguarding information answers it (the console doesn't ask); with only "other"
    only the reporter can say, so the question is asked and an answer is needed."""
    chat.command("/breach")
    step_two = chat.fill({**LOST_LAPTOP, "categories": ["safeguarding"], "special_data": ""})
    assert "Report a breach (2 of 2)" in step_two
    if chat.platform == "console":
        assert SPECIAL_DATA_QUESTION not in step_two
    chat.fill(DETAILS)

    chat.command("/breach")
    other = {**LOST_LAPTOP, "categories": ["other"], "special_data": ""}
    refused = chat.fill(other)
    assert "only you can say" in refused
    if chat.platform == "console":
        assert SPECIAL_DATA_QUESTION in refused
    step_two = chat.fill({**other, "special_data": "unsure"})
    assert "Report a breach (2 of 2)" in step_two
    assert "the DSL and the deputy DSLs have been alerted" in step_two
    with factory() as session:
        incidents = session.scalars(select(Incident).order_by(Incident.id)).all()
    assert [i.special_data for i in incidents] == ["yes", "unsure"]


def test_the_dpo_not_reporting_a_high_risk_breach_confirms_it_with_a_fuller_reason(
    chat: Chat, factory
):
    chat.command("/breach")
    chat.fill(LOST_LAPTOP)
    chat.fill(DETAILS)
    chat.deliver()
    chat.as_person(DPO)
    opened = chat.press("Open triage")
    assert "Triage Breach #1" in opened and "safeguarding/SEND/medical data: no" in opened

    decision = {**NOT_REPORTABLE, "risk": "high", "ico_rationale": "Encrypted, so no risk."}
    refused = chat.fill(decision)
    assert "at least 8 words (4 now)" in refused
    if chat.platform == "console":  # refused at the reason, before the confirmation is asked
        assert msg.NOT_NOTIFY_CONFIRM_LABEL not in refused
    else:  # a modal shows every question: both problems at once
        assert "Confirm here that you are not reporting it" in refused
    with factory() as session:
        assert session.scalars(select(Incident)).one().ico_decision is None

    reason = "The laptop was encrypted and the key is safe."
    saved = chat.fill({**decision, "ico_rationale": reason, "confirm_not_notify": ["confirmed"]})
    assert "Breach #1 updated" in saved
    if chat.platform == "console":
        assert msg.NOT_NOTIFY_CONFIRM_LABEL in saved
    with factory() as session:
        incident = session.scalars(select(Incident)).one()
    assert (incident.ico_decision, incident.risk) == ("not_notify", "high")
