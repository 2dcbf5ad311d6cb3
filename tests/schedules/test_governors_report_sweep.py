"""The termly report goes out once, on the first school day after each term ends: a frozen clock
moved across the end of Autumn 2026 and of Spring 2027, each sweep run twice."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers import admin, people
from handlers.context import Context
from schedules.sweeps import run_all
from storage.database import transaction
from storage.models import AuditEvent, OutboxFile, OutboxMessage, Person, School
from tests.conftest import london
from tests.handlers.report_seed import seed_two_autumns

GOVERNOR = "governor@example.org"
TO = ["head@example.org", "onlinesafety@example.org", GOVERNOR]


def _add_safeguarding_governor(factory, school, clock) -> None:
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        ctx = Context(session, row, None, clock)
        person, _ = people.upsert_person(
            session, row, GOVERNOR, "Pat Governor", clock(), "governor"
        )
        admin.grant_role(ctx, person, "safeguarding_governor")


def _sent_at(factory, clock, *when: int) -> list[tuple[str, dict]]:
    clock.set(london(*when))
    with factory() as session:
        before = session.scalar(select(func.count(OutboxMessage.id))) or 0
    run_all(factory, clock, only="governors_report")
    assert run_all(factory, clock, only="governors_report") == 0
    with factory() as session:
        rows = session.execute(
            select(Person.email, OutboxMessage.payload)
            .join(Person, Person.id == OutboxMessage.recipient_id)
            .order_by(OutboxMessage.id)
            .offset(before)
        ).all()
    return [(email, payload) for email, payload in rows]


def test_the_report_is_sent_once_on_the_first_school_day_after_each_term(factory, school, clock):
    seed_two_autumns(factory, school)
    _add_safeguarding_governor(factory, school, clock)
    assert _sent_at(factory, clock, 2026, 12, 18, 15, 45) == []  # the term's last afternoon
    assert _sent_at(factory, clock, 2026, 12, 21, 8, 10) == []  # the Christmas holiday
    assert _sent_at(factory, clock, 2027, 1, 4, 8, 10) == []  # the bank holiday Monday after
    assert _sent_at(factory, clock, 2027, 1, 5, 7, 30) == []  # before the reminder window

    sent = _sent_at(factory, clock, 2027, 1, 5, 8, 10)
    assert sorted(email for email, _ in sent) == sorted(TO)
    for _, payload in sent:
        assert payload["text"].startswith(
            "The termly report to governors for Autumn 2026 is attached"
        )
        assert [f["name"] for f in payload["files"]] == [
            "governors-report-autumn-2026.pdf",
            "governors-report-autumn-2026.csv",
        ]
    with factory() as session:
        stored = session.scalars(select(OutboxFile)).all()
        assert [(f.name, f.content[:4]) for f in stored][0] == (
            "governors-report-autumn-2026.pdf",
            b"%PDF",
        )
        assert len(stored) == 2  # stored once for all three recipients
        assert session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "report.sent")
        ).all() == ["report.sent"]

    assert _sent_at(factory, clock, 2027, 1, 5, 15, 45) == []
    assert _sent_at(factory, clock, 2027, 1, 6, 8, 10) == []
    # Spring 2027 ends on Fri 26 Mar; Summer starts on Mon 12 Apr.
    assert _sent_at(factory, clock, 2027, 3, 26, 15, 45) == []
    assert _sent_at(factory, clock, 2027, 3, 29, 8, 10) == []  # Easter holiday
    spring = _sent_at(factory, clock, 2027, 4, 12, 8, 10)
    assert len(spring) == 3
    assert "for Spring 2027 is attached" in spring[0][1]["text"]


def test_a_worker_down_on_the_day_sends_that_week_but_never_a_term_long_gone(
    factory, school, clock
):
    assert _sent_at(factory, clock, 2026, 11, 24, 8, 10) == []  # Summer 2026 ended in July
    # The fifth school day of the new term: still sent.
    late = _sent_at(factory, clock, 2027, 1, 11, 8, 10)
    assert len(late) == 2 and "Autumn 2026" in late[0][1]["text"]


def test_a_report_is_not_sent_after_the_first_school_week(factory, school, clock):
    assert _sent_at(factory, clock, 2027, 1, 12, 8, 10) == []


def test_a_school_without_a_safeguarding_governor_sends_to_the_others(factory, school, clock):
    assert [e for e, _ in _sent_at(factory, clock, 2027, 1, 5, 8, 10)] == TO[:2]
