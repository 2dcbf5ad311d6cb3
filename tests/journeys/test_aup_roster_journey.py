"""The AUP roster and register journeys, once for every adapter: a lead exempts someone and
ends it, records a governor's paper signature, reads `/aup status` by group with names, and the
export holds every signature of every version."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, text

from handlers import people, registers
from handlers.aup.versions import publish_version
from handlers.context import Context
from handlers.staff_csv import read_staff_csv
from storage.database import transaction
from storage.models import AuditEvent, AupAcknowledgement, AupExemption, School
from tests.journeys.chat import Chat

LEAD = "onlinesafety@example.org"
TEACHER = "teacher@example.org"
GOVERNORS_CSV = (
    "email,name,group\n"
    "gale@example.org,Gale Governor,governor\n"
    "glen@example.org,Glen Governor,governor\n"
    "val@example.org,Val Volunteer,volunteer\n"
)


def governors_from_csv_with_their_own_version(factory, clock, school) -> None:
    """The staff-list CSV of people not in chat, and an AUP version for their groups."""
    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock, platform="cli")
        people.sync_staff(ctx, people.CSV, read_staff_csv(GOVERNORS_CSV))
        publish_version(
            ctx,
            "2026.G",
            "Governors and Volunteers AUP",
            "I keep school information I see as a governor or volunteer confidential.",
            None,
            date(2026, 11, 1),
            groups=["governor", "volunteer"],
        )


def actions(factory) -> list[str]:
    with factory() as session:
        return list(session.scalars(select(AuditEvent.action)))


def test_a_lead_exempts_someone_sees_them_exempt_and_ends_it_early(chat: Chat, factory, school):
    chat.as_person(LEAD)
    assert "Exempt from the AUP" in chat.command("/aup exempt")
    refused = chat.fill(
        {"email": "nobody@example.org", "reason": "Long-term absence", "until": "2026-11-23"}
    )
    assert "The last day can't be before today." in refused
    refused = chat.fill(
        {"email": "nobody@example.org", "reason": "Long-term absence", "until": "2027-01-29"}
    )
    assert "Nobody with that email is on the staff list" in refused
    done = chat.fill(
        {"email": "ta@example.org", "reason": "Long-term absence", "until": "2027-01-29"}
    )
    assert (
        "Sam Assistant is exempt from signing the Acceptable Use Policy until Fri 29 Jan 2027"
        in (done)
    )
    with factory() as session:
        exemption = session.scalars(select(AupExemption)).one()
        stored = session.execute(text("SELECT reason FROM aup_exemptions")).scalar_one()
    assert (exemption.reason, exemption.ends_on) == ("Long-term absence", date(2027, 1, 29))
    assert "Long-term absence" not in stored  # encrypted at rest
    assert "aup.exempted" in actions(factory)

    status = chat.command("/aup status")
    assert (
        "Support staff · Staff Acceptable Use Policy version 2025.1: 0 of 4 signed, 1 exempt"
        in (status)
    )
    assert "Exempt: Sam Assistant (until Fri 29 Jan 2027)" in status
    assert "To sign: Avery Finance, Morgan Privacy, Taylor Tech" in status

    assert "End an AUP exemption" in chat.command("/aup exempt end")
    assert "Alex Teacher has no exemption in force." in chat.fill({"email": TEACHER})
    ended = chat.fill({"email": "ta@example.org"})
    assert "Sam Assistant's exemption has ended" in ended
    status = chat.command("/aup status")
    assert "Exempt:" not in status
    assert "To sign: Avery Finance, Morgan Privacy, Sam Assistant, Taylor Tech" in status
    assert "aup.exemption_ended" in actions(factory)


def test_someone_without_a_lead_role_cannot_exempt_or_record(chat: Chat, factory, school):
    chat.as_person(TEACHER)
    assert "Sorry, only the" in chat.command("/aup exempt")
    assert "Sorry, only the" in chat.command("/aup record")
    assert actions(factory).count("access.refused") == 2


def test_a_lead_records_a_governors_paper_signature_and_sees_them_signed(
    chat: Chat, factory, school, clock
):
    governors_from_csv_with_their_own_version(factory, clock, school)
    chat.as_person(LEAD)
    status = chat.command("/aup status")
    assert "Governors · Governors and Volunteers AUP version 2026.G: 0 of 3 signed" in status
    assert "To sign: Drew Chair, Gale Governor (not in chat), Glen Governor (not in chat)" in status

    assert "Record a signature" in chat.command("/aup record")
    paper = {
        "email": "gale@example.org",
        "method": "paper",
        "signed_on": "2026-11-25",
        "evidence_ref": "Office file GOV-2026 page 3",
    }
    assert "The date they signed can't be in the future." in chat.fill(paper)
    assert "a signature from before then is of an earlier version" in chat.fill(
        {**paper, "signed_on": "2026-10-30"}
    )
    done = chat.fill({**paper, "signed_on": "2026-11-20"})
    assert (
        "Recorded: Gale Governor signed Governors and Volunteers AUP (version 2026.G) "
        "on paper on Fri 20 Nov 2026"
    ) in done

    with factory() as session:
        ack = session.scalars(select(AupAcknowledgement)).one()
        lead = people.find_by_email(session, school.id, LEAD)
        assert lead is not None
        assert (ack.method, ack.signed_on, ack.evidence_ref, ack.recorded_by_id) == (
            "paper",
            date(2026, 11, 20),
            "Office file GOV-2026 page 3",
            lead.id,
        )
        assert (ack.version, ack.platform, ack.platform_user_id) == ("2026.G", chat.platform, None)
    status = chat.command("/aup status")
    assert "Governors · Governors and Volunteers AUP version 2026.G: 1 of 3 signed" in status
    assert "Gale Governor" not in status
    assert "Volunteers · Governors and Volunteers AUP version 2026.G: 0 of 1 signed" in status

    chat.command("/aup record")
    again = chat.fill({**paper, "signed_on": "2026-11-21"})
    assert "Gale Governor has already signed version 2026.G in this round" in again
    assert len(_signatures(factory)) == 1


def test_status_by_group_and_the_export_holds_every_signature_of_every_version(
    chat: Chat, factory, school, clock
):
    governors_from_csv_with_their_own_version(factory, clock, school)
    chat.as_person(TEACHER)
    chat.command("/aup")
    chat.fill({"response": "agree"})
    chat.as_person(LEAD)
    chat.command("/aup record")
    chat.fill(
        {
            "email": "val@example.org",
            "method": "email",
            "signed_on": "2026-11-23",
            "evidence_ref": "Email of 23 Nov kept in the AUP folder",
        }
    )
    status = chat.command("/aup status")
    lines = status.splitlines()
    teaching = lines.index(
        "Teaching staff · Staff Acceptable Use Policy version 2025.1: 1 of 6 signed"
    )
    assert lines[teaching + 1].strip() == (
        "To sign: Casey Deputy, Jamie Online, Jordan Head, Riley Safeguard, Robin Needs"
    )
    assert "Volunteers · Governors and Volunteers AUP version 2026.G: 1 of 1 signed" in status
    assert "/aup exempt" in status and "/aup record" in status

    # A new wording for teaching staff: the teacher signs again, the first signature stays.
    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock, platform="cli")
        publish_version(
            ctx,
            "2026.1",
            "Staff Acceptable Use Policy",
            "New wording.",
            None,
            date(2026, 11, 24),
            groups=["teaching"],
        )
    clock.advance(hours=1)
    chat.as_person(TEACHER)
    assert "version 2026.1" in chat.command("/aup")
    chat.fill({"response": "agree"})

    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock, platform="cli")
        rows = registers.export(ctx, "aup").as_dicts()
    teacher = [r for r in rows if r["person_email"] == TEACHER]
    assert [(r["signed_version"], r["counts_now"], r["status"], r["version"]) for r in teacher] == [
        ("2025.1", "no", "signed", "2026.1"),
        ("2026.1", "yes", "signed", "2026.1"),
    ]
    assert {r["method"] for r in teacher} == {"chat"} and teacher[0]["platform"] == chat.platform
    (val,) = [r for r in rows if r["person_email"] == "val@example.org"]
    assert (val["method"], val["signed_on"], val["recorded_by"], val["counts_now"]) == (
        "email",
        "2026-11-23",
        LEAD,
        "yes",
    )
    assert val["evidence_ref"] == "Email of 23 Nov kept in the AUP folder"
    (glen,) = [r for r in rows if r["person_email"] == "glen@example.org"]
    assert (glen["status"], glen["role_group"], glen["signed_version"]) == (
        "to_sign",
        "governor",
        "",
    )
    assert len(rows) == 11 + 3 + 1  # everyone once, the teacher twice


def _signatures(factory) -> list[AupAcknowledgement]:
    with factory() as session:
        return list(session.scalars(select(AupAcknowledgement)))
