"""The termly report, once for every adapter: made on demand by a lead, and sent by the sweep on
the first school day after the term ends, with its PDF and CSV delivered as files."""

from __future__ import annotations

from schedules.sweeps import run_all
from tests.handlers.report_seed import SPRING_2027_FIRST_MORNING, seed_two_autumns
from tests.handlers.test_governors_report import EXPECTED_CSV, pdf_text
from tests.journeys.chat import Chat

HEAD = "head@example.org"
ONLINE_SAFETY_LEAD = "onlinesafety@example.org"
PDF_NAME, CSV_NAME = "governors-report-autumn-2026.pdf", "governors-report-autumn-2026.csv"


def _files_of(chat: Chat, email: str) -> dict[str, bytes]:
    with_files = [dm for dm in chat.dms(email) if dm.files]
    assert with_files, f"{email} has no DM with a file"
    return dict(with_files[-1].files)


def test_a_lead_asks_for_the_report_and_gets_the_pdf_and_csv(chat: Chat, factory, school, clock):
    seed_two_autumns(factory, school)
    clock.set(SPRING_2027_FIRST_MORNING)
    chat.as_person(HEAD)
    shown = chat.command("/safekeep report")
    assert "Breaches and suspected breaches logged: 5 (Autumn 2025: fewer than 3)" in shown
    assert "Alex" not in shown
    chat.deliver()
    files = _files_of(chat, HEAD)
    assert set(files) == {PDF_NAME, CSV_NAME}
    assert files[CSV_NAME].decode() == EXPECTED_CSV
    assert "Reported to the ICO 3 fewer than 3" in pdf_text(files[PDF_NAME])


def test_the_sweep_sends_the_report_once_on_the_first_school_day_after_the_term(
    chat: Chat, factory, school, clock
):
    seed_two_autumns(factory, school)
    for who in (HEAD, ONLINE_SAFETY_LEAD):  # each has talked to Safekeep (Teams needs that)
        chat.as_person(who)
        chat.command("/safekeep")
    clock.set(SPRING_2027_FIRST_MORNING)
    assert run_all(factory, clock, only="governors_report") == 2
    assert run_all(factory, clock, only="governors_report") == 0
    chat.deliver()
    for who in (HEAD, ONLINE_SAFETY_LEAD):
        files = _files_of(chat, who)
        assert files[CSV_NAME].decode() == EXPECTED_CSV
        assert files[PDF_NAME].startswith(b"%PDF")
        assert len([dm for dm in chat.dms(who) if dm.files]) == 1
