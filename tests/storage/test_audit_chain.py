"""The audit chain detects edits, deletions and truncation."""

from __future__ import annotations

from sqlalchemy import text

from handlers import admin
from handlers.context import Context
from storage import audit
from storage.database import transaction
from storage.models import School


def _append(factory, school, clock, count=3):
    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock)
        for n in range(count):
            ctx.audit("test.event", f"thing:{n}", n=n)


def test_an_intact_chain_verifies(factory, school, clock):
    _append(factory, school, clock)
    with factory() as session:
        assert audit.verify(session) == []


def test_an_edited_event_is_found(factory, school, clock):
    _append(factory, school, clock)
    with transaction(factory) as session:
        target = session.execute(
            text("SELECT id FROM audit_events ORDER BY seq LIMIT 1 OFFSET 2")
        ).scalar()
        session.execute(
            text("UPDATE audit_events SET action = 'edited' WHERE id = :id"), {"id": target}
        )
    with factory() as session:
        (found,) = audit.verify(session)
    assert found.event_id == target and "changed" in found.problem


def test_a_deleted_event_is_found(factory, school, clock):
    _append(factory, school, clock)
    with transaction(factory) as session:
        session.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    with factory() as session:
        (found,) = audit.verify(session)
    assert found.seq == 2 and "missing" in found.problem


def test_deleting_the_newest_events_is_found(factory, school, clock):
    _append(factory, school, clock)
    with transaction(factory) as session:
        top = session.execute(text("SELECT max(seq) FROM audit_events")).scalar()
        session.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": top})
    with factory() as session:
        (found,) = audit.verify(session)
    assert "newest events were deleted" in found.problem


def test_events_appended_together_chain_exactly_as_one_at_a_time(factory, school, clock):
    with transaction(factory) as session:
        other = admin.create_school(session, "Other School", "console", clock())
    _append(factory, school, clock, count=1)  # a chain that has begun, and one that has not
    together = [
        audit.Entry(school_id, "test.event", clock(), None, f"thing:{n}", {"n": n})
        for n, school_id in enumerate((school.id, other.id, school.id, other.id, school.id))
    ]
    with transaction(factory) as session:
        audit.record_all(session, together)
    with transaction(factory) as session:
        for entry in together:  # the same events again, one at a time, after them
            audit.record(
                session,
                entry.school_id,
                entry.action,
                at=entry.at,
                subject=entry.subject,
                details=entry.details,
            )
    with factory() as session:
        assert audit.verify(session) == []
        rows = session.execute(
            text("SELECT school_id, seq, subject FROM audit_events ORDER BY school_id, seq")
        ).all()
    ours = [(seq, subject) for school_id, seq, subject in rows if school_id == school.id]
    assert [seq for seq, _ in ours] == list(range(1, len(ours) + 1))
    assert [subject for _, subject in ours[-6:]] == ["thing:0", "thing:2", "thing:4"] * 2
    theirs = [subject for school_id, _, subject in rows if school_id == other.id]
    assert theirs[-4:] == ["thing:1", "thing:3"] * 2
