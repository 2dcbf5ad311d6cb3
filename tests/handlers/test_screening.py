"""Free text is screened for personal data so staff rephrase before anything is stored."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.screening import personal_data_problem


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("The UPN was A123456789012 on the sheet", "a pupil number (UPN)"),
        ("upn h987654321098", "a pupil number (UPN)"),
        ("I emailed it to jo.bloggs@example.org by mistake", "an email address"),
        ("sent to J.Smith+school@mail.example.co.uk", "an email address"),
        ("Parent rang from 07700 900123", "a phone number"),
        ("call +44 7700 900123 after school", "a phone number"),
        ("the office is 0121-496-0000", "a phone number"),
        ("landline 02079460000", "a phone number"),
        ("the child's date of birth was on it", "a date of birth"),
        ("DOB on the front page", "a date of birth"),
        ("d.o.b. visible", "a date of birth"),
        ("she was born in the spring", "a date of birth"),
        ("it said 14/03/2017", "a date of birth"),
        ("written as 3.7.15", "a date of birth"),
        ("NI number AB 12 34 56 C on the payslip", "a National Insurance number"),
        ("ni ab123456d", "a National Insurance number"),
    ],
)
def test_personal_data_is_caught_and_named(text, what):
    problem = personal_data_problem(text)
    assert problem is not None
    assert problem.startswith(f"This looks like it contains {what}. ")
    assert "Please rephrase without personal data" in problem


@pytest.mark.parametrize(
    "text",
    [
        "Left the Year 4 marking folder on the train",
        "Laptop LAP-0042 taken from the car outside the leisure centre",
        "About 30 pupils' reading levels, class Y4",
        "Discovered at 08:45 on 2026-11-24, reported to IT at 09:10",
        "Crime reference CR/12345/26 from the police",
        "Room 101, cupboard 3",
        "The spreadsheet had 2 tabs and 120 rows",
        "",
    ],
)
def test_ordinary_descriptions_pass(text):
    assert personal_data_problem(text) is None


def test_the_message_explains_what_to_write_instead():
    problem = personal_data_problem("jo@example.org")
    assert problem is not None
    assert problem.endswith("describe what kind of information it was, not the information itself.")


def test_a_recent_date_says_when_something_happened_and_passes():
    today = date.today()
    assert personal_data_problem(f"Lost on the bus on {today:%d/%m/%Y}") is None
    assert personal_data_problem(f"first noticed {today:%-d.%-m.%y}, reported the same day") is None
    last_year = today.replace(year=today.year - 1, day=1)
    assert personal_data_problem(f"the list was printed on {last_year:%d/%m/%Y}") is None


def test_a_written_date_years_back_is_taken_for_a_date_of_birth():
    years_back = date.today().year - 6
    problem = personal_data_problem(f"the register said 02/09/{years_back}")
    assert problem is not None and "a date of birth" in problem
