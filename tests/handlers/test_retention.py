"""Retention: with the frozen clock moved years ahead, what has passed its period goes and what
has not (or is still live, or linked to a kept breach) stays; the audit records counts only."""

from __future__ import annotations

from sqlalchemy import func, select, text

from handlers import retention
from handlers.context import Context
from handlers.retention.rules import ANONYMISED_DOMAIN
from storage import audit, outbox
from storage.database import transaction
from storage.models import (
    AuditEvent,
    AupAcknowledgement,
    AupExemption,
    AupQuestion,
    Concern,
    ConcernEvent,
    Incident,
    IncidentEvent,
    OffsiteApproval,
    OffsiteDeclaration,
    OffsiteItem,
    OutboxFile,
    OutboxMessage,
    Person,
    PlatformIdentity,
    School,
)
from storage.outbox import LedgerKey
from tests.conftest import london
from tests.handlers.retention_seed import BREACH_TEXT, CONCERN_NOTE, LEAVER_QUESTION, QUESTION, seed

# Two academic years on: 2026/27's declarations are past "current year + 1"; breaches are not.
TWO_YEARS_ON = london(2028, 9, 5, 10, 0)
# Seven years on: the breach and concern closed in November 2026 are past closure + 6 years,
# and the person who left that day past leaving + 6 years.
SEVEN_YEARS_ON = london(2033, 11, 25, 10, 0)


def _plan(factory, school, clock):
    with factory() as session:
        row = session.get_one(School, school.id)
        return retention.plan(Context(session, row, None, clock))


def _purge(factory, school, clock):
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        return retention.purge(Context(session, row, None, clock), trigger="test")


def _ids(factory, model):
    with factory() as session:
        return set(session.scalars(select(model.id)))


def test_nothing_expires_while_records_are_within_their_periods(factory, school, clock):
    seed(factory, school, clock())
    clock.set(london(2027, 9, 10, 10, 0))  # 2027/28: "current academic year + 1" still holds
    found = _plan(factory, school, clock)
    assert found.of("offsite_declarations").ids == ()
    assert found.of("breach_details").ids == () and found.of("leaver_aup_records").ids == ()


def test_two_years_on_a_returned_declaration_and_delivered_messages_go_and_the_rest_stays(
    factory, school, clock
):
    made = seed(factory, school, clock())
    clock.set(TWO_YEARS_ON)
    found = _purge(factory, school, clock)
    assert found.counts == {
        "breach_details": 0,
        "concern_details": 0,
        "offsite_declarations": 1,
        "leaver_aup_records": 0,
        "answered_aup_questions": 1,
        "leavers_anonymised": 0,
        "delivered_messages": 1,
        "message_files": 1,
    }
    declarations = _ids(factory, OffsiteDeclaration)
    assert made.returned_declaration not in declarations
    # Linked to a breach that keeps its details, and still out: both stay.
    assert {made.lost_declaration, made.out_declaration} <= declarations
    with factory() as session:
        items = session.scalars(select(OffsiteItem.declaration_id)).all()
    assert made.returned_declaration not in items
    questions = _ids(factory, AupQuestion)
    assert made.answered_question not in questions and made.unanswered_question in questions
    assert _ids(factory, OutboxMessage) == {made.pending_message}
    assert _ids(factory, OutboxFile) == {made.pending_file}  # a pending message still carries it


def test_seven_years_on_breach_and_concern_details_go_and_their_counts_stay(factory, school, clock):
    made = seed(factory, school, clock())
    clock.set(SEVEN_YEARS_ON)
    found = _purge(factory, school, clock)
    assert found.of("breach_details").ids == (made.closed_breach,)
    assert found.of("concern_details").ids == (made.closed_concern,)
    # The declaration linked to the breach inherited its period, and goes with its details.
    assert made.lost_declaration in found.of("offsite_declarations").ids
    assert made.out_declaration in _ids(factory, OffsiteDeclaration)
    with factory() as session:
        closed = session.get_one(Incident, made.closed_breach)
        assert (closed.description, closed.police_ref, closed.ico_rationale) == (None, None, None)
        assert closed.declaration_id is None and closed.details_purged_at == SEVEN_YEARS_ON
        # What the governors' report counts is still there.
        assert (closed.kind, closed.classification, closed.ico_decision) == (
            "lost",
            "confirmed",
            "not_notify",
        )
        assert closed.reported_at is not None and closed.ico_decided_at is not None
        kept = session.get_one(Incident, made.open_breach)
        assert kept.description == BREACH_TEXT and kept.details_purged_at is None
        assert session.scalars(select(IncidentEvent.incident_id)).all() == [made.open_breach]
        concern = session.get_one(Concern, made.closed_concern)
        assert (concern.note, concern.system_ref, concern.outcomes) == (
            None,
            None,
            ["filter_changed"],
        )
        assert session.get_one(Concern, made.open_concern).note == CONCERN_NOTE
        assert session.scalars(select(ConcernEvent.concern_id)).all() == [made.open_concern]
        # Nothing typed is left, even encrypted, in the purged rows.
        raw = session.execute(
            text("SELECT description, police_ref FROM incidents WHERE id = :id"),
            {"id": made.closed_breach},
        ).one()
        assert tuple(raw) == (None, None)


def test_seven_years_on_a_leavers_aup_history_goes_and_their_name_with_it(factory, school, clock):
    made = seed(factory, school, clock())
    clock.set(SEVEN_YEARS_ON)
    found = _purge(factory, school, clock)
    assert found.of("leaver_aup_records").ids == (made.leaver,)
    assert found.of("leaver_aup_records").rows == 3  # signature, question, exemption
    assert found.of("leavers_anonymised").ids == (made.leaver,)
    with factory() as session:
        for model in (AupAcknowledgement, AupQuestion, AupExemption):
            assert (
                session.scalar(
                    select(func.count()).select_from(model).where(model.person_id == made.leaver)
                )
                == 0
            ), model
        # A member of staff still here keeps their signature.
        assert session.get(AupAcknowledgement, made.staff_ack) is not None
        leaver = session.get_one(Person, made.leaver)
        assert leaver.email == f"former-{made.leaver}@{ANONYMISED_DOMAIN}"
        assert leaver.display_name == f"Former member of staff #{made.leaver}"
        assert not session.scalars(
            select(PlatformIdentity).where(PlatformIdentity.person_id == made.leaver)
        ).all()
        assert session.get_one(Person, made.staff_member).email == "teacher@example.org"
    # Run again: nothing is counted twice.
    assert _purge(factory, school, clock).empty


def test_a_leaver_who_reported_a_kept_breach_keeps_their_name(factory, school, clock):
    made = seed(factory, school, clock())
    with transaction(factory) as session:
        session.get_one(Incident, made.open_breach).reporter_id = made.leaver
    clock.set(SEVEN_YEARS_ON)
    found = _purge(factory, school, clock)
    assert found.of("leaver_aup_records").ids == (made.leaver,)
    assert found.of("leavers_anonymised").ids == ()
    with factory() as session:
        assert session.get_one(Person, made.leaver).email == "ta@example.org"


def test_a_purge_is_audited_with_counts_only_and_the_chain_still_verifies(factory, school, clock):
    seed(factory, school, clock())
    clock.set(SEVEN_YEARS_ON)
    found = _purge(factory, school, clock)
    with factory() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "retention.purged")
        ).one()
        assert event.details == {"trigger": "test", "counts": found.counts}
        assert event.actor_id is None and event.at == SEVEN_YEARS_ON
        assert audit.verify(session) == []
        shown = str(event.details) + event.subject
    for typed in (BREACH_TEXT, CONCERN_NOTE, QUESTION, LEAVER_QUESTION, "ta@example.org"):
        assert typed not in shown


def test_a_plan_changes_nothing(factory, school, clock, engine):
    seed(factory, school, clock())
    clock.set(SEVEN_YEARS_ON)

    def snapshot():
        with engine.connect() as conn:
            return {
                name: conn.execute(text(f"SELECT * FROM {name} ORDER BY id")).all()
                for name in (
                    "offsite_declarations",
                    "incidents",
                    "concerns",
                    "aup_acknowledgements",
                    "aup_questions",
                    "people",
                    "outbox",
                    "outbox_files",
                    "audit_events",
                )
            }

    before = snapshot()
    assert not _plan(factory, school, clock).empty
    assert snapshot() == before


def test_another_schools_records_are_not_touched(factory, school, clock):
    from handlers import admin

    made = seed(factory, school, clock())
    with transaction(factory) as session:
        other = admin.create_school(session, "Second Primary", "console", clock())
        other_id = other.id
    clock.set(SEVEN_YEARS_ON)
    with transaction(factory) as session:
        row = session.get_one(School, other_id)
        assert retention.purge(Context(session, row, None, clock), trigger="test").empty
    assert made.returned_declaration in _ids(factory, OffsiteDeclaration)


def test_the_headteacher_sees_the_retention_periods_in_the_settings(console):
    console.act_as("head@example.org")
    settings = console.say("/safekeep settings")
    assert (
        "Retention: off-site declarations for their academic year and 1 more (as long as a "
        "breach they are linked to); closed breaches' details 6 years and closed concerns' "
        "notes 6 years after closure" in " ".join(settings.split())
    )


def test_a_purged_breach_and_concern_still_open_and_say_their_details_were_removed(
    factory, school, clock, dpo
):
    from handlers.breach.details import show_details
    from handlers.concern.handling import intro

    made = seed(factory, school, clock())
    with transaction(factory) as session:  # who handled them stays after the purge
        session.get_one(Incident, made.closed_breach).acknowledged_at = clock()
        session.get_one(Incident, made.closed_breach).acknowledged_by_id = dpo.id
        session.get_one(Concern, made.closed_concern).acknowledged_by_id = dpo.id
    clock.set(SEVEN_YEARS_ON)
    _purge(factory, school, clock)
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        ctx = Context(session, row, session.get_one(Person, dpo.id), clock)
        shown = show_details(ctx, session.get_one(Incident, made.closed_breach)).text
        concern = intro(ctx, session.get_one(Concern, made.closed_concern))
    assert "were removed on 25 Nov 2033 at the end of the school's retention period" in shown
    assert "Acknowledged by Morgan Privacy" in shown and BREACH_TEXT not in shown
    assert "notes and timeline of this closed concern were removed on 25 Nov 2033" in concern
    assert CONCERN_NOTE not in concern


def test_the_ledger_keys_of_deleted_rows_go_with_them(factory, school, clock):
    """SQLite gives a new row the highest id plus one, so a deleted declaration's id can come
    back: its successor must not find its approval request or missing-items alert already
    recorded as sent. Keys of rows that stay are kept."""
    made = seed(factory, school, clock())
    with transaction(factory) as session:
        approval = OffsiteApproval(
            declaration_id=made.returned_declaration,
            approver_id=made.staff_member,
            requested_at=clock(),
            expires_at=clock(),
            decision="approved",
        )
        session.add(approval)
        session.flush()
        keys = {
            ("offsite", made.returned_declaration, "items_missing"): False,
            ("offsite_approval", approval.id, "approval_request"): False,
            ("aup_question", made.answered_question, "aup.question_answered"): False,
            ("outbox", made.sent_message, "delivery_failed"): False,
            ("offsite", made.out_declaration, "items_missing"): True,
            ("aup_question", made.unanswered_question, "aup.question_asked"): True,
            ("outbox", made.pending_message, "delivery_failed"): True,
        }
        for kind, row_id, what in keys:
            assert outbox.claim(
                session, school.id, LedgerKey(f"{kind}:{row_id}", what), now=clock()
            )
    clock.set(TWO_YEARS_ON)
    _purge(factory, school, clock)
    with factory() as session:
        for (kind, row_id, what), kept in keys.items():
            key = LedgerKey(f"{kind}:{row_id}", what)
            assert outbox.already_sent(session, school.id, key) is kept, key
