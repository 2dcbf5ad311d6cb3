"""Free text is screened for personal data so staff rephrase before anything is stored."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.screening import personal_data_problem

TODAY = date(2026, 11, 24)  # the school's date, as a handler passes it from its clock


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
    problem = personal_data_problem(text, TODAY)
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
    assert personal_data_problem(text, TODAY) is None


def test_the_message_explains_what_to_write_instead():
    problem = personal_data_problem("jo@example.org", TODAY)
    assert problem is not None
    assert problem.endswith("describe what kind of information it was, not the information itself.")


@pytest.mark.parametrize("today", [TODAY, date(2028, 2, 29), date(2031, 1, 2)])
def test_a_recent_date_says_when_something_happened_and_passes(today):
    assert personal_data_problem(f"Lost on the bus on {today:%d/%m/%Y}", today) is None
    assert personal_data_problem(f"first noticed {today:%-d.%-m.%y}, reported it", today) is None
    last_year = today.replace(year=today.year - 1, day=1)
    assert personal_data_problem(f"the list was printed on {last_year:%d/%m/%Y}", today) is None


@pytest.mark.parametrize("today", [TODAY, date(2028, 2, 29), date(2031, 1, 2)])
def test_a_written_date_years_back_is_taken_for_a_date_of_birth(today):
    problem = personal_data_problem(f"the register said 02/09/{today.year - 6}", today)
    assert problem is not None and "a date of birth" in problem


def test_the_year_comes_from_the_date_given_not_the_machine():
    written = "the sheet was dated 24/11/2026"
    assert personal_data_problem(written, date(2026, 11, 24)) is None
    problem = personal_data_problem(written, date(2033, 11, 24))
    assert problem is not None and "a date of birth" in problem
