"""The probable-name check: names are caught and initials suggested; ordinary capitalised
school words, and every word Safekeep itself shows staff, are not; a leading "!" keeps text the
check got wrong, but never a pupil number, email address or phone number."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from benchmarks.name_check import (
    NAMED_DESCRIPTIONS,
    ORDINARY_DESCRIPTIONS,
    false_positives,
    handler_strings,
)
from handlers import forms
from handlers.screening import initials, personal_data_problem, probable_names, screened

TODAY = date(2026, 11, 24)
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Marking for Emily Smith in Y4", "Emily Smith"),
        ("Emily left her reading folder on the bus", "Emily"),
        ("The list had Oliver on it", "Oliver"),
        ("Reading records for Mrs Patel's class", "Mrs Patel"),
        ("Handed to Mr. Jones at the gate", "Mr Jones"),
        ("Miss Green has the only copy", "Miss Green"),
        ("Reported to PC Jones", "PC Jones"),
        ("Gave the file to Zainab Okonkwo by mistake", "Zainab Okonkwo"),
        ("Grace Okafor's book was in the bag", "Grace Okafor"),
        ("Will Turner took the laptop home", "Will Turner"),
        ("THE FOLDER SAID EMILY ON IT", "EMILY"),
        ("Notes about Mohammed in the Year 6 file", "Mohammed"),
        ("Kacper Nowak's EHCP was on the USB stick", "Kacper Nowak"),
    ],
)
def test_a_probable_name_is_caught(text, name):
    assert probable_names(text)[0] == name
    problem = personal_data_problem(text, TODAY)
    assert problem is not None and f"a name ('{name}')" in problem


@pytest.mark.parametrize(
    "text",
    [
        *ORDINARY_DESCRIPTIONS,
        "Will you check the register?",
        "Mark the folder as lost",
        "Lost in May, found in June",
        "Holly and Ivy displays for Christmas",
        "Year 4 Spring Term assessment data",
        "Acceptable Use Policy signed by the whole of Key Stage 1",
        "Went to Leeds. Then took the bus",
        "The Designated Safeguarding Lead has been told",
        "Sent to Ofsted by mistake",
    ],
)
def test_ordinary_capitalised_school_words_are_not_names(text):
    assert probable_names(text) == []
    assert personal_data_problem(text, TODAY) is None


def test_most_made_up_descriptions_with_a_name_are_caught():
    caught = [text for text in NAMED_DESCRIPTIONS if probable_names(text)]
    assert len(caught) >= len(NAMED_DESCRIPTIONS) - 1  # a name in lower case is not caught


def test_no_word_safekeep_shows_staff_is_taken_for_a_name():
    strings = list(handler_strings())
    assert len(strings) > 300  # every form's labels, help, choices and every message
    assert false_positives(iter(strings)) == []


@pytest.mark.parametrize(
    ("name", "suggested"),
    [("Emily Smith", "E.S."), ("Emily", "E."), ("Mrs Patel", "Mrs P."), ("PC Jones", "PC J.")],
)
def test_the_message_suggests_the_initials(name, suggested):
    assert initials(name) == suggested


def test_a_leading_mark_keeps_text_the_name_check_got_wrong():
    text, problem = screened("!Dropped at Hadley Wood on the way home", TODAY)
    assert (text, problem) == ("Dropped at Hadley Wood on the way home", None)
    assert personal_data_problem("Dropped at Hadley Wood on the way home", TODAY) is not None


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("!The sheet with A123456789012 on it", "a pupil number (UPN)"),
        ("!Emily Smith, jo.bloggs@example.org", "an email address"),
        ("!Parent rang from 07700 900123", "a phone number"),
        ("!NI number AB 12 34 56 C", "a National Insurance number"),
        ("!it said 14/03/2017", "a date of birth"),
    ],
)
def test_the_mark_never_keeps_other_personal_data(text, what):
    problem = personal_data_problem(text, TODAY)
    assert problem is not None and problem.startswith(f"This looks like it contains {what}.")


def test_a_form_field_stores_the_text_without_the_mark():
    field = forms.long_text("description", "Briefly, what happened?")
    with pytest.raises(ValueError, match="a name"):
        field.accept("Left at Hadley Wood", LONDON, TODAY)
    assert field.accept("! Left at Hadley Wood", LONDON, TODAY) == "Left at Hadley Wood"
    with pytest.raises(ValueError, match="Please answer this"):
        field.accept("!", LONDON, TODAY)


def test_an_unscreened_field_keeps_a_leading_exclamation_mark():
    field = forms.text("code", "Code", screen=False)
    assert field.accept("!Emily Smith", LONDON, TODAY) == "!Emily Smith"


@pytest.mark.parametrize(
    "reference", ["CR/0123456789/26", "01/123456/26", "5201234/26", "NFRC261101234567", "CAD 1234"]
)
def test_a_crime_reference_passes_reference_screening(reference):
    assert personal_data_problem(reference, TODAY, "reference") is None


@pytest.mark.parametrize(
    ("reference", "what"),
    [
        ("CR/1234/26 Emily Smith", "a name"),
        ("from PC Jones", "a name"),
        ("jo.bloggs@example.org", "an email address"),
        ("07700 900123", "a phone number"),
        ("A123456789012", "a pupil number (UPN)"),
    ],
)
def test_reference_screening_still_catches_personal_data(reference, what):
    problem = personal_data_problem(reference, TODAY, "reference")
    assert problem is not None and f"contains {what}" in problem
