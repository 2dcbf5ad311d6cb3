"""The home view: what a person has outstanding, in words, with the chasers' idea of 'due'."""

from __future__ import annotations

from datetime import date

from handlers import home, people
from handlers.context import Context
from storage.database import transaction
from storage.models import OffsiteDeclaration, OffsiteItem, School
from tests.conftest import london


def _declare(factory, school, email, returns: date, categories=("planning",)):
    with transaction(factory) as session:
        person = people.find_by_email(session, school.id, email)
        decl = OffsiteDeclaration(
            school_id=school.id,
            person_id=person.id,
            tier=1,
            format="paper",
            encryption_confirmed="not_applicable",
            people_band="class",
            purpose="marking",
            taken_at=london(2026, 11, 27, 15, 0),
            expected_return=returns,
            status="out",
            attested=True,
            created_at=london(2026, 11, 27, 15, 0),
            items=[OffsiteItem(category=c) for c in categories],
        )
        session.add(decl)
        session.flush()
        return decl.id


def _home(factory, school, clock, email):
    with factory() as session:
        person = people.find_by_email(session, school.id, email)
        return home.outstanding(Context(session, session.get_one(School, school.id), person, clock))


def test_records_show_their_categories_in_words_with_a_return_button(factory, school, clock):
    decl_id = _declare(factory, school, "teacher@example.org", date(2026, 11, 25))
    shown = _home(factory, school, clock, "teacher@example.org")
    assert f"Records off site #{decl_id} (Lesson planning) · due back Wed 25 Nov" in shown.text
    assert "overdue" not in shown.text
    assert any(b.action == "offsite.return" and b.value == str(decl_id) for b in shown.buttons)


def test_a_return_date_at_the_weekend_is_due_on_monday_not_overdue(factory, school, clock):
    _declare(factory, school, "teacher@example.org", date(2026, 11, 28))  # a Saturday
    clock.set(london(2026, 11, 30, 9, 0))  # Monday morning
    shown = _home(factory, school, clock, "teacher@example.org")
    assert "due back Mon 30 Nov" in shown.text and "overdue" not in shown.text
    clock.set(london(2026, 12, 1, 9, 0))
    assert "*overdue*" in _home(factory, school, clock, "teacher@example.org").text


def test_leads_see_the_schools_overview_and_staff_do_not(factory, school, clock):
    _declare(factory, school, "teacher@example.org", date(2026, 11, 23))  # already overdue
    _declare(factory, school, "ta@example.org", date(2026, 11, 28))
    clock.set(london(2026, 11, 30, 9, 0))
    lead = _home(factory, school, clock, "head@example.org").text
    assert "Records off site: 2 (1 overdue)" in lead
    assert "School overview" not in _home(factory, school, clock, "ta@example.org").text
