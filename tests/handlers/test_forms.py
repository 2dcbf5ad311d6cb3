"""The form language: every field kind parses what adapters send, or says what is wrong."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers import forms
from handlers.forms import NAMES_WARNING, Choice, Form, FormErrors

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 24)
WHERE = {"home": "At home", "vehicle": "In a vehicle", "school": "At school"}


def parse(field: forms.Field, raw: object) -> object:
    return Form("test", "Test", (field,)).parse({field.name: raw}, LONDON, TODAY)[field.name]


def error(field: forms.Field, raw: object) -> str:
    with pytest.raises(FormErrors) as caught:
        Form("test", "Test", (field,)).parse({field.name: raw}, LONDON, TODAY)
    return caught.value.errors[field.name]


# --- required and optional ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        forms.text("f", "F"),
        forms.long_text("f", "F"),
        forms.single("f", "F", WHERE),
        forms.date_field("f", "F"),
        forms.datetime_field("f", "F"),
        forms.yes_no("f", "F"),
        forms.person("f", "F"),
    ],
    ids=lambda f: f.kind,
)
def test_a_required_field_left_empty_asks_for_an_answer(field):
    for empty in (None, "", "   "):
        assert error(field, empty) == "Please answer this."


def test_a_required_multi_choice_left_empty_asks_for_at_least_one():
    field = forms.multi("f", "F", WHERE)
    for empty in (None, [], ["", " "], ""):
        assert error(field, empty) == "Choose at least one."


def test_optional_fields_left_empty_are_none_or_an_empty_list():
    form = Form(
        "test",
        "Test",
        (
            forms.text("a", "A", required=False),
            forms.date_field("b", "B", required=False),
            forms.multi("c", "C", WHERE, required=False),
            forms.yes_no("d", "D", required=False),
        ),
    )
    assert form.parse({}, LONDON, TODAY) == {"a": None, "b": None, "c": [], "d": None}


# --- text --------------------------------------------------------------------------------------


def test_text_is_trimmed():
    assert parse(forms.text("f", "F"), "  left on the train  ") == "left on the train"


def test_text_longer_than_its_limit_says_how_long_it_is():
    field = forms.text("f", "F", max_length=10)
    assert parse(field, "a" * 10) == "a" * 10
    assert error(field, "a" * 12) == "Keep this under 10 characters (12 now)."


def test_long_text_warns_against_names_and_allows_more():
    field = forms.long_text("f", "F")
    assert field.kind == "long_text" and field.help == NAMES_WARNING
    assert field.max_length == 1500
    assert parse(field, "word " * 250) == ("word " * 250).strip()
    assert "under 1500 characters" in error(field, "a" * 1501)


def test_free_text_is_screened_for_personal_data_by_default():
    for field in (forms.text("f", "F"), forms.long_text("f", "F")):
        assert field.is_free_text
        assert "looks like it contains an email address" in error(field, "sent to jo@example.org")


def test_a_reference_field_can_skip_screening():
    field = forms.text("ref", "Crime reference", screen=False)
    assert parse(field, "CR 07700 900123") == "CR 07700 900123"


def test_custom_validators_run_after_parsing_and_after_screening():
    def no_shouting(value: str) -> str | None:
        return "Please don't shout." if value.isupper() else None

    field = forms.text("f", "F", validators=(no_shouting,))
    assert parse(field, "calm") == "calm"
    assert error(field, "LOUD") == "Please don't shout."
    assert "email address" in error(field, "MAIL JO@EXAMPLE.ORG")  # screening comes first


def test_validators_do_not_run_on_an_empty_optional_answer():
    calls: list[object] = []
    field = forms.date_field(
        "f", "F", required=False, validators=(lambda v: calls.append(v) or None,)
    )
    assert parse(field, "") is None
    assert calls == []
    assert parse(field, "2026-11-24") == date(2026, 11, 24)
    assert calls == [date(2026, 11, 24)]


# --- choices -----------------------------------------------------------------------------------


def test_single_choice_accepts_only_its_values():
    field = forms.single("where", "Where?", WHERE)
    assert field.choices == (
        Choice("home", "At home"),
        Choice("vehicle", "In a vehicle"),
        Choice("school", "At school"),
    )
    assert parse(field, "vehicle") == "vehicle"
    assert error(field, "At home") == "Choose one of the options."
    assert field.label_of("home") == "At home"
    assert field.label_of("moon") == "moon"


def test_multi_choice_keeps_the_order_given_and_drops_repeats():
    field = forms.multi("where", "Where?", WHERE)
    assert parse(field, ["school", "home", "school"]) == ["school", "home"]
    assert parse(field, "home") == ["home"]  # a single value from a simple adapter


def test_multi_choice_names_the_first_unknown_option():
    assert error(forms.multi("f", "F", WHERE), ["home", "garden", "shed"]) == (
        "Choose from the list ('garden' is not one of the options)."
    )


@pytest.mark.parametrize(
    ("typed", "value"),
    [("yes", True), ("Yes", True), ("y", True), ("true", True), ("no", False), ("N", False)],
)
def test_yes_no_reads_yes_and_no(typed, value):
    assert parse(forms.yes_no("f", "F"), typed) is value


def test_yes_no_refuses_anything_else_and_offers_two_choices():
    field = forms.yes_no("f", "F")
    assert error(field, "maybe") == "Answer yes or no."
    assert [c.value for c in field.choices] == ["yes", "no"]


# --- dates and times ---------------------------------------------------------------------------


def test_dates_are_iso_dates():
    field = forms.date_field("f", "F")
    assert parse(field, "2026-03-27") == date(2026, 3, 27)
    assert error(field, "27/03/2026") == "Enter a date like 2026-03-27."
    assert error(field, "2026-02-30") == "Enter a date like 2026-03-27."


def test_a_datetime_without_a_zone_is_read_in_the_school_zone_and_kept_in_utc():
    field = forms.datetime_field("f", "F")
    winter = parse(field, "2026-11-24 10:00")
    summer = parse(field, "2026-06-01T14:30")
    assert winter == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert summer == datetime(2026, 6, 1, 13, 30, tzinfo=UTC)  # BST is UTC+1
    assert isinstance(summer, datetime) and summer.utcoffset() is not None
    assert summer.tzinfo == ZoneInfo("UTC")


def test_a_datetime_with_a_zone_keeps_its_instant():
    assert parse(forms.datetime_field("f", "F"), "2026-06-01T14:30+02:00") == datetime(
        2026, 6, 1, 12, 30, tzinfo=UTC
    )


def test_a_datetime_in_another_school_zone_uses_that_zone():
    form = Form("t", "T", (forms.datetime_field("f", "F"),))
    answers = form.parse({"f": "2026-06-01 14:30"}, ZoneInfo("America/New_York"), TODAY)
    assert answers["f"] == datetime(2026, 6, 1, 18, 30, tzinfo=UTC)


def test_a_datetime_that_is_not_one_shows_the_format():
    assert error(forms.datetime_field("f", "F"), "yesterday afternoon") == (
        "Enter a date and time like 2026-03-27 14:30."
    )


# --- people ------------------------------------------------------------------------------------


def test_a_person_is_a_staff_id_and_anything_else_is_refused():
    field = forms.person("f", "F")
    assert parse(field, "42") == 42
    assert error(field, "jo@example.org") == (
        "Choose a member of staff who is on Safekeep's staff list."
    )


# --- whole forms -------------------------------------------------------------------------------


REPORT = Form(
    "report",
    "Report",
    (
        forms.single("where", "Where?", WHERE),
        forms.datetime_field("when", "When?"),
        forms.yes_no("encrypted", "Encrypted?"),
        forms.multi("who", "Who?", {"pupils": "Pupils", "staff": "Staff"}),
        forms.long_text("what", "What happened?", required=False),
    ),
    submit="Send",
    state={"declaration_id": 7},
)


def test_a_form_parses_every_answer_at_once():
    answers = REPORT.parse(
        {
            "where": "home",
            "when": "2026-11-24 09:15",
            "encrypted": "no",
            "who": ["pupils"],
            "what": "Bag taken from the car",
        },
        LONDON,
        TODAY,
    )
    assert answers == {
        "where": "home",
        "when": datetime(2026, 11, 24, 9, 15, tzinfo=UTC),
        "encrypted": False,
        "who": ["pupils"],
        "what": "Bag taken from the car",
    }


def test_a_form_reports_every_wrong_field_together_keyed_by_name():
    with pytest.raises(FormErrors) as caught:
        REPORT.parse(
            {"where": "garden", "when": "soon", "who": [], "what": "A123456789012"}, LONDON, TODAY
        )
    errors = caught.value.errors
    assert set(errors) == {"where", "when", "encrypted", "who", "what"}
    assert errors["encrypted"] == "Please answer this."
    assert "pupil number (UPN)" in errors["what"]
    assert "where: Choose one of the options." in str(caught.value)


def test_unknown_answers_are_ignored():
    form = Form("t", "T", (forms.text("a", "A"),))
    assert form.parse({"a": "x", "injected": "y"}, LONDON, TODAY) == {"a": "x"}


def test_prefilled_sets_initial_values_on_a_copy():
    filled = REPORT.prefilled({"where": "vehicle", "encrypted": True, "nonsense": 1})
    assert filled.field("where").initial == "vehicle"
    assert filled.field("encrypted").initial is True
    assert filled.field("when").initial is None
    assert REPORT.field("where").initial is None  # the original is unchanged
    assert (filled.id, filled.state, filled.submit) == ("report", {"declaration_id": 7}, "Send")


def test_asking_for_a_field_that_is_not_there_is_a_key_error():
    with pytest.raises(KeyError):
        REPORT.field("colour")


def test_with_initial_does_not_change_the_field():
    field = forms.single("where", "Where?", WHERE)
    assert field.with_initial("home").initial == "home"
    assert field.initial is None


# --- conditions and checks against earlier answers ----------------------------------------------

_CONDITIONAL = Form(
    id="c",
    title="C",
    fields=(
        forms.single("format", "How?", {"paper": "Paper", "usb": "USB stick"}),
        forms.text(
            "tag",
            "Asset tag",
            when=forms.When("format", ("usb",), "Only for a USB stick."),
            missing="Add the tag.",
        ),
        forms.text(
            "note",
            "Note",
            required=False,
            checks=(
                lambda value, answers: "Not for paper." if answers["format"] == "paper" else None,
            ),
        ),
    ),
)


def test_a_field_that_does_not_apply_is_dropped_and_one_that_applies_is_required():
    tz = ZoneInfo("Europe/London")
    today = date(2026, 11, 24)
    assert _CONDITIONAL.parse({"format": "paper", "tag": "USB-1"}, tz, today)["tag"] is None
    with pytest.raises(FormErrors) as raised:
        _CONDITIONAL.parse({"format": "usb"}, tz, today)
    assert raised.value.errors == {"tag": "Add the tag."}
    assert _CONDITIONAL.parse({"format": "usb", "tag": "USB-1"}, tz, today)["tag"] == "USB-1"


def test_a_check_sees_the_earlier_answers():
    tz = ZoneInfo("Europe/London")
    with pytest.raises(FormErrors) as raised:
        _CONDITIONAL.parse({"format": "paper", "note": "x"}, tz, date(2026, 11, 24))
    assert raised.value.errors == {"note": "Not for paper."}
    note = _CONDITIONAL.field("note")
    assert note.accept("x", tz, date(2026, 11, 24), {"format": "usb"}) == "x"


_SEVERAL = Form(
    id="s",
    title="S",
    fields=(
        forms.single("risk", "Risk?", {"low": "Low", "high": "High"}),
        forms.single("decision", "Tell?", {"tell": "Tell", "keep": "Keep"}),
        forms.text(
            "confirm",
            "Confirm",
            when=forms.WhenAnswers(
                lambda a: a.get("risk") == "high" and a.get("decision") == "keep",
                "Only when keeping a high risk quiet.",
            ),
            missing=lambda a: f"The risk is {a['risk']}: confirm it.",
            conflicts=(
                lambda value, answers: (
                    "Only for a high risk." if answers["risk"] == "low" else None
                ),
            ),
        ),
    ),
)


def test_a_condition_on_several_answers_and_a_missing_message_from_them():
    assert _SEVERAL.field("confirm").shown_optional
    assert _SEVERAL.parse({"risk": "high", "decision": "tell"}, LONDON, TODAY)["confirm"] is None
    with pytest.raises(FormErrors) as raised:
        _SEVERAL.parse({"risk": "high", "decision": "keep"}, LONDON, TODAY)
    assert raised.value.errors == {"confirm": "The risk is high: confirm it."}
    done = _SEVERAL.parse({"risk": "high", "decision": "keep", "confirm": "ok"}, LONDON, TODAY)
    assert done["confirm"] == "ok"


def test_an_answer_to_a_field_that_does_not_apply_is_refused_only_when_it_contradicts():
    with pytest.raises(FormErrors) as raised:
        _SEVERAL.parse({"risk": "low", "decision": "keep", "confirm": "ok"}, LONDON, TODAY)
    assert raised.value.errors == {"confirm": "Only for a high risk."}
    sent = {"risk": "high", "decision": "tell", "confirm": "ok"}
    assert _SEVERAL.parse(sent, LONDON, TODAY)["confirm"] is None
