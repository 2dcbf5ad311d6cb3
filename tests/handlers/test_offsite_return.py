"""Returning records, the leads' register and its export."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import date

import pytest

from bot.cli import main
from handlers import home, registers, routes
from handlers.context import Context
from handlers.replies import Ask, Invalid, Say
from storage import crypto
from storage.database import transaction
from storage.models import School
from tests.conftest import TEST_KEYS, london
from tests.drivers.program import strip_own_settings
from tests.handlers.test_offsite_steps import (
    MARKING_ON_PAPER,
    SEND_ON_PAPER,
    act,
    audit_events,
    declarations,
    declare,
    outbox,
)

TEACHER = "teacher@example.org"
TOMORROW = date(2026, 11, 25)
LAPTOP = {
    "categories": ["planning", "tracking"],
    "format": "school_laptop",
    "asset_tag": "LAP-0142",
    "encryption": "yes",
}


def returning(declaration_id: int, **answers: str):
    return routes.submit("offsite.return", answers, {"declaration_id": declaration_id})


def test_everything_back_is_marked_returned_and_audited(factory, clock, school):
    declare(factory, clock, TEACHER, MARKING_ON_PAPER, TOMORROW)
    form = act(factory, clock, TEACHER, routes.command("offsite", "return"))
    assert isinstance(form, Ask) and form.form.id == "offsite.return"
    assert [f.name for f in form.form.fields] == ["all_back", "items_back", "copies_destroyed"]

    reply = act(factory, clock, TEACHER, returning(1, all_back="yes", copies_destroyed="no"))
    assert isinstance(reply, Say)
    assert "Off-site #1 · Lesson planning, Marking is marked as back in school" in reply.text
    assert "please destroy any copies" in reply.text
    (decl,) = declarations(factory)
    assert (decl.status, decl.returned_at, decl.copies_destroyed) == ("returned", clock(), False)
    assert {i.status for i in decl.items} == {"returned"}
    assert audit_events(factory, "offsite.returned")[0].details == {"copies_destroyed": False}

    again = act(factory, clock, TEACHER, routes.press("offsite.return", "1"))
    assert isinstance(again, Say) and "already marked as returned" in again.text


def test_with_several_out_the_person_chooses_which(factory, clock, school):
    declare(factory, clock, TEACHER, MARKING_ON_PAPER, TOMORROW)
    declare(factory, clock, TEACHER, {**MARKING_ON_PAPER, "categories": ["tracking"]}, TOMORROW)
    pick = act(factory, clock, TEACHER, routes.command("offsite", "return"))
    assert isinstance(pick, Ask) and pick.form.id == "offsite.return_pick"
    assert [c.label for c in pick.form.field("declaration").choices] == [
        "Off-site #1 · Lesson planning, Marking · due back Wed 25 Nov",
        "Off-site #2 · Cohort tracking · due back Wed 25 Nov",
    ]
    chosen = act(factory, clock, TEACHER, routes.submit(pick.form.id, {"declaration": "2"}, {}))
    assert isinstance(chosen, Ask) and chosen.form.state == {"declaration_id": 2}
    assert [f.name for f in chosen.form.fields] == ["all_back", "copies_destroyed"]


def test_only_the_holder_can_return_and_pending_records_cannot_be(factory, clock, school):
    declare(factory, clock, TEACHER, SEND_ON_PAPER, TOMORROW)
    other = act(factory, clock, "ta@example.org", routes.press("offsite.return", "1"))
    assert isinstance(other, Say) and "someone else's" in other.text
    pending = act(factory, clock, TEACHER, routes.press("offsite.return", "1"))
    assert isinstance(pending, Say) and "still waiting for approval" in pending.text
    nothing = act(factory, clock, TEACHER, routes.command("offsite", "return"))
    assert isinstance(nothing, Say) and "no records off site" in nothing.text


def test_saying_not_everything_came_back_but_ticking_everything_is_queried(factory, clock, school):
    declare(factory, clock, TEACHER, LAPTOP, TOMORROW)
    reply = act(
        factory,
        clock,
        TEACHER,
        returning(1, all_back="no", items_back=["planning", "tracking"], copies_destroyed="yes"),
    )
    assert isinstance(reply, Invalid) and "leave out what's missing" in reply.errors["items_back"]
    (decl,) = declarations(factory)
    assert decl.status == "out"


def test_missing_items_mark_the_declaration_lost_and_open_the_prefilled_breach_report(
    factory, clock, school
):
    declare(factory, clock, TEACHER, LAPTOP, TOMORROW)
    reply = act(
        factory,
        clock,
        TEACHER,
        returning(1, all_back="no", items_back=["planning"], copies_destroyed="yes"),
    )
    assert isinstance(reply, Ask) and reply.form.id == "breach.report"
    initial = {f.name: f.initial for f in reply.form.fields}
    assert initial["declaration_id"] == "1"
    assert initial["asset_tag"] == "LAP-0142"
    assert initial["media"] == "device" and initial["encrypted"] == "yes"
    assert initial["categories"] == ["planning", "tracking"]

    (decl,) = declarations(factory)
    assert decl.status == "lost"
    assert [(i.category, i.status) for i in decl.items] == [
        ("planning", "returned"),
        ("tracking", "missing"),
    ]
    assert audit_events(factory, "offsite.items_missing")[0].details == {
        "missing": ["tracking"],
        "copies_destroyed": True,
    }
    assert [to for to, _ in outbox(factory)] == ["head@example.org", "dpo@example.org"]


# --- the register -------------------------------------------------------------------------------


def test_the_register_is_for_leads_and_shows_what_is_out_now(factory, clock, school):
    declare(factory, clock, TEACHER, MARKING_ON_PAPER, "2026-11-24")
    declare(factory, clock, "senco@example.org", SEND_ON_PAPER, TOMORROW)
    declare(factory, clock, TEACHER, SEND_ON_PAPER, TOMORROW)  # pending: not out yet

    refused = act(factory, clock, TEACHER, routes.command("offsite", "register"))
    assert isinstance(refused, Say) and "only the" in refused.text

    clock.set(clock().replace(day=26))  # Thursday: #1 is two school days overdue
    view = act(factory, clock, "dpo@example.org", routes.command("offsite", "register"))
    assert isinstance(view, Say)
    assert view.text.splitlines() == [
        "2 declarations off site now:",
        "• Off-site #1 · Lesson planning, Marking · Alex Teacher · Paper · due Tue 24 Nov, "
        "2 school days overdue",
        "• Off-site #2 · SEND records · Robin Needs · Paper · due Wed 25 Nov, 1 school day overdue",
    ]
    assert audit_events(factory, "offsite.register_viewed")[0].details == {"rows": 2}


def test_the_register_exports_with_status_and_overdue_days(factory, clock, school):
    declare(factory, clock, TEACHER, LAPTOP, "2026-11-24")
    clock.set(clock().replace(day=25))
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        register = registers.export(Context(session, row, None, clock), "offsite")
    (entry,) = register.as_dicts()
    assert entry["declaration"] == 1 and entry["holder_email"] == TEACHER
    assert entry["categories"] == ["planning", "tracking"]
    assert entry["asset_tag"] == "LAP-0142" and entry["encryption"] == "yes"
    assert (entry["status"], entry["school_days_overdue"]) == ("overdue", 1)
    assert entry["due"] == "2026-11-24" and entry["missing"] == []
    assert audit_events(factory, "register.exported")[0].subject == "export:offsite"


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_python_m_bot_export_offsite(
    factory, clock, school, database_url, monkeypatch, capsys, fmt
):
    declare(factory, clock, TEACHER, MARKING_ON_PAPER, TOMORROW)
    spec = f"test:{base64.b64encode(TEST_KEYS.keys[0].secret).decode()}"
    strip_own_settings(monkeypatch, DATABASE_URL=database_url, SAFEKEEP_DATA_KEYS=spec)
    active = crypto.active_keys()
    try:
        capsys.readouterr()
        assert main(["export", "offsite", "--format", fmt], clock=clock) == 0
        out = capsys.readouterr().out
        clock.advance(days=2)  # Thursday: a school day past the due date
        assert main(["export", "offsite", "--format", fmt], clock=clock) == 0
        later = capsys.readouterr().out
    finally:
        crypto.use_keys(active)
    if fmt == "json":
        (entry,) = json.loads(out)
        (overdue,) = json.loads(later)
        assert entry["holder_email"] == TEACHER and entry["status"] == "out"
    else:
        (entry,) = list(csv.DictReader(io.StringIO(out)))
        (overdue,) = list(csv.DictReader(io.StringIO(later)))
        assert entry["categories"] == '["planning", "marking"]'
        assert entry["expected_return"] == "2026-11-25" and entry["status"] == "out"
    assert overdue["status"] == "overdue"


def every_view_of_due(factory, clock, school) -> dict[str, str]:
    """How one declaration's due day reads to its holder and to leads, everywhere it shows."""
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        (entry,) = registers.export(Context(session, row, None, clock), "offsite").as_dicts()
    views = {
        "list": act(factory, clock, TEACHER, routes.command("offsite", "list")),
        "register": act(factory, clock, "head@example.org", routes.command("offsite", "register")),
        "home": act(factory, clock, TEACHER, home.outstanding),
    }
    texts = {name: reply.text for name, reply in views.items() if isinstance(reply, Say)}
    texts["export"] = f"{entry['due']} {entry['status']} {entry['school_days_overdue']}"
    return texts


def test_a_weekend_return_date_reads_the_same_in_every_view(factory, clock, school):
    """Back by Saturday means due on Monday: nobody is told "overdue since Sat"."""
    clock.set(london(2026, 11, 26, 10, 0))  # Thursday
    declare(factory, clock, TEACHER, MARKING_ON_PAPER, date(2026, 11, 28))
    clock.set(london(2026, 11, 30, 9, 0))  # Monday: due today
    monday = every_view_of_due(factory, clock, school)
    assert "due back Mon 30 Nov" in monday["list"]
    assert "Marking · Alex Teacher · Paper · due Mon 30 Nov" in monday["register"]
    assert "due back Mon 30 Nov" in monday["home"] and "overdue" not in monday["home"]
    assert monday["export"] == "2026-11-30 out 0"

    clock.set(london(2026, 12, 1, 9, 0))  # Tuesday: one school day overdue
    tuesday = every_view_of_due(factory, clock, school)
    assert "overdue since Mon 30 Nov" in tuesday["list"]
    assert "due Mon 30 Nov, 1 school day overdue" in tuesday["register"]
    assert "due back Mon 30 Nov · *overdue*" in tuesday["home"]
    assert tuesday["export"] == "2026-11-30 overdue 1"


def test_a_record_due_on_friday_is_overdue_in_every_view_over_the_weekend(factory, clock, school):
    declare(factory, clock, TEACHER, MARKING_ON_PAPER, date(2026, 11, 27))
    clock.set(london(2026, 11, 28, 11, 0))  # Saturday: no school day has passed yet
    saturday = every_view_of_due(factory, clock, school)
    assert "overdue since Fri 27 Nov" in saturday["list"]
    assert "due Fri 27 Nov, overdue" in saturday["register"]
    assert "*overdue*" in saturday["home"]
    assert saturday["export"] == "2026-11-27 overdue 0"
