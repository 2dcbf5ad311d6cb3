"""The termly report's figures for a seeded term: exact counts with small numbers suppressed,
the same on the CSV and in the PDF's text, charts with text alternatives, and who may ask."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from handlers import governors_report, routes
from handlers.context import Context
from handlers.errors import Refused, UserError
from handlers.governors_report.figures import chart_alt_text
from storage.database import transaction
from storage.models import AuditEvent, School
from tests.conftest import london
from tests.handlers.breach_steps import act, text_of
from tests.handlers.report_seed import SPRING_2027_FIRST_MORNING, declaration, seed_two_autumns

EXPECTED_CSV = """section,measure,Autumn 2026,Autumn 2025
Data breaches,Breaches and suspected breaches logged,5,fewer than 3
Data breaches,Reported to the ICO,3,fewer than 3
Data breaches,Near misses,fewer than 3,fewer than 3
Data breaches,Median hours from report to the ICO decision,25,not shown (fewer than 3 decisions)
Data breaches,ICO decisions made after 72 hours,fewer than 3,fewer than 3
Records taken off site,Declarations of records taken off site,5,3
Records taken off site,Came back after their return date,3,fewer than 3
Records taken off site,Records not brought back (missing),3,fewer than 3
Online-safety concerns,Concerns reported,5,fewer than 3
Online-safety concerns,A concern about a pupil online,4,fewer than 3
Online-safety concerns,A filtering or monitoring failure,fewer than 3,fewer than 3
Online-safety concerns,Suspected misuse of school systems or devices by an adult,fewer than 3,fewer than 3
Online-safety concerns,Misuse of school devices or accounts by a pupil,fewer than 3,fewer than 3
Online-safety concerns,Median minutes from report to acknowledgement,28,not shown (fewer than 3 acknowledged concerns)
"Acceptable Use Policy: signed today, by group",Teaching staff: signed,0%,not kept for past terms
"Acceptable Use Policy: signed today, by group",Support staff: signed,0%,not kept for past terms
"Acceptable Use Policy: signed today, by group",Governors: signed,not shown (fewer than 3 people to sign),not kept for past terms
"""
DOCS_IMAGE = Path(__file__).resolve().parents[2] / "docs" / "governors-report.png"


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with runs of white space as one space (table cells read in order)."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def _report(factory, school, clock, term: str = ""):
    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock)
        report = governors_report.make(ctx, governors_report.term_for(ctx, term))
        return report, governors_report.files(report)


def test_the_seeded_term_has_exact_counts_with_small_numbers_suppressed(factory, school, clock):
    seed_two_autumns(factory, school)
    clock.set(SPRING_2027_FIRST_MORNING)
    report, made = _report(factory, school, clock)
    assert (report.term.name, report.last_label) == ("Autumn 2026", "Autumn 2025")
    assert made.csv.decode() == EXPECTED_CSV
    text = pdf_text(made.pdf)
    assert len(PdfReader(io.BytesIO(made.pdf)).pages) == 1
    for expected in (
        "Termly report to governors",
        "Autumn 2026 (2 Sep 2026 to 4 Jan 2027) compared with Autumn 2025",
        "Breaches and suspected breaches logged 5 fewer than 3",
        "Reported to the ICO 3 fewer than 3",
        "Near misses fewer than 3 fewer than 3",
        "decision 25 not shown (fewer than 3 decisions)",
        "ICO decisions made after 72 hours fewer than 3 fewer than 3",
        "Declarations of records taken off site 5 3",
        "Came back after their return date 3 fewer than 3",
        "Records not brought back (missing) 3 fewer than 3",
        "Teaching staff: signed 0% not kept for past",
    ):
        assert expected in text, expected
    assert "Alex" not in text and "example.org" not in text


def test_each_chart_has_a_text_alternative_in_the_pdf(factory, school, clock):
    seed_two_autumns(factory, school)
    clock.set(SPRING_2027_FIRST_MORNING)
    report, made = _report(factory, school, clock)
    alt = chart_alt_text(report, report.sections[0])
    assert alt.startswith("Bar chart, Data breaches.")
    assert "Reported to the ICO: Autumn 2026 3, Autumn 2025 fewer than 3" in alt
    raw = made.pdf.decode("latin-1")
    for section in report.sections:
        assert f"/Alt ({chart_alt_text(report, section)[:40]}" in raw or (
            chart_alt_text(report, section).encode("utf-16-be").hex().upper()[:40] in raw.upper()
        )


def test_a_named_term_can_be_asked_for_and_an_unknown_one_is_refused_with_the_names(
    factory, school, clock
):
    seed_two_autumns(factory, school)
    clock.set(SPRING_2027_FIRST_MORNING)
    report, _ = _report(factory, school, clock, "autumn 2025")
    assert report.term.name == "Autumn 2025" and report.last_year is None
    with pytest.raises(UserError, match="There is no term called 'Winter 2026'. Terms: Autumn"):
        _report(factory, school, clock, "Winter 2026")


def test_staff_cannot_ask_for_the_report_and_the_try_is_audited(factory, school, clock):
    with pytest.raises(Refused), transaction(factory) as session:
        from handlers import people

        me = people.find_by_email(session, school.id, "teacher@example.org")
        ctx = Context(session, session.get_one(School, school.id), me, clock)
        governors_report.on_demand(ctx, "")
    shown = act(factory, clock, school, "teacher@example.org", routes.command("safekeep", "report"))
    assert "only the" in text_of(shown)
    with factory() as session:
        refused = session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "access.refused")
        ).all()
    assert any(r["permission"] == "report.view" for r in refused)


def test_a_record_due_at_the_weekend_and_back_on_monday_did_not_come_back_late(
    factory, school, clock
):
    with transaction(factory) as session:
        row = session.get_one(School, school.id)
        for taken, due, back in (
            ((2026, 11, 27), date(2026, 11, 28), (2026, 11, 30)),  # due Sat, back Mon: on time
            ((2026, 11, 27), date(2026, 11, 28), (2026, 12, 1)),  # back Tue: late
            ((2026, 11, 2), date(2026, 11, 3), (2026, 11, 4)),  # late
            ((2026, 11, 9), date(2026, 11, 10), (2026, 11, 11)),  # late
        ):
            declaration(session, row, london(*taken, 15, 0), due, london(*back, 8, 30), "returned")
    clock.set(SPRING_2027_FIRST_MORNING)
    _, made = _report(factory, school, clock)
    assert "Came back after their return date,3,fewer than 3" in made.csv.decode()


def test_no_term_ended_yet_is_said_plainly(factory, school, clock):
    clock.set(london(2025, 9, 3, 10, 0))
    with pytest.raises(UserError, match="No term has ended yet"):
        _report(factory, school, clock)


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None,
    reason="pdftoppm (poppler-utils) is not installed: apt-get install -y poppler-utils",
)
def test_the_pdf_renders_to_a_page_image_kept_for_the_readme(factory, school, clock, tmp_path):
    seed_two_autumns(factory, school)
    clock.set(SPRING_2027_FIRST_MORNING)
    _, made = _report(factory, school, clock)
    (tmp_path / "report.pdf").write_bytes(made.pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-singlefile", "report.pdf", "page"],
        cwd=tmp_path,
        check=True,
        timeout=60,
    )
    page = (tmp_path / "page.png").read_bytes()
    assert page.startswith(b"\x89PNG") and len(page) > 20_000
    if not DOCS_IMAGE.is_file():  # the README's picture of the page: made once, then kept
        DOCS_IMAGE.write_bytes(page)
    assert DOCS_IMAGE.read_bytes().startswith(b"\x89PNG")
