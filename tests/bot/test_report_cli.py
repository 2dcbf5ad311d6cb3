"""`python -m bot report`: the termly report written as a PDF with its CSV beside it."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AuditEvent
from tests.bot.test_cli import cli  # noqa: F401  (the `cli` fixture)
from tests.handlers.report_seed import seed_two_autumns
from tests.handlers.test_governors_report import pdf_text


def test_report_writes_the_pdf_and_the_csv_beside_it(cli, school, factory, tmp_path):  # noqa: F811
    seed_two_autumns(factory, school)
    out = tmp_path / "autumn.pdf"
    ran = cli("report", "--term", "Autumn 2025", "--out", str(out))
    assert ran.code == 0, ran.err
    csv_file = tmp_path / "autumn.csv"
    assert ran.out.strip() == (
        f"Wrote the report for Autumn 2025 to {out} and its figures to {csv_file}."
    )
    lines = csv_file.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "section,measure,Autumn 2025,same term last year"
    assert "Data breaches,Breaches and suspected breaches logged,fewer than 3," in lines
    assert "Records taken off site,Declarations of records taken off site,3," in lines
    assert "Declarations of records taken off site 3 -" in pdf_text(out.read_bytes())
    with factory() as session:
        made = session.scalars(select(AuditEvent).where(AuditEvent.action == "report.made")).one()
    assert made.subject == "report:Autumn 2025"


def test_an_unknown_term_is_a_clear_error(cli, school):  # noqa: F811
    ran = cli("report", "--term", "Winter 2031")
    assert ran.code != 0
    assert "There is no term called 'Winter 2031'. Terms: Autumn 2025" in ran.err


def test_the_safeguarding_governor_role_can_be_granted_from_the_shell(cli, school, factory):  # noqa: F811
    from handlers import people

    ran = cli("roles", "grant", "safeguarding_governor", "ta@example.org")
    assert ran.code == 0, ran.err
    with factory() as session:
        person = people.find_by_email(session, school.id, "ta@example.org")
        assert person is not None and "safeguarding_governor" in person.role_names
    assert "Safeguarding Governor" in cli("roles", "list").out
