"""Adaptive Cards from forms and replies, and submitted cards read back: every field kind, the
dialog's context in the submit data, times in the school's zone, and the card shape check."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.teams import parse, render
from handlers import forms
from handlers.replies import Button, Notice, Say
from tests.teams.adaptive_cards import check_card

LONDON = ZoneInfo("Europe/London")
FORM = forms.Form(
    "demo.step",
    "A demo",
    (
        forms.text("ref", "Reference", screen=False, initial="LT-1"),
        forms.long_text("what", "What happened", required=False),
        forms.single("kind", "Kind", {"lost": "Lost", "stolen": "Stolen"}, initial="lost"),
        forms.multi("cats", "Categories", {"a": "A", "b": "B", "c": "C"}, initial=["a", "c"]),
        forms.yes_no("encrypted", "Encrypted?", initial=True),
        forms.date_field("due", "Due back", initial=date(2026, 11, 25)),
        forms.datetime_field("seen", "Last seen", initial=datetime(2026, 6, 1, 9, 0, tzinfo=UTC)),
        forms.person("who", "Who else knows", required=False),
    ),
    intro="Tell us *what* happened.",
    notice="Nothing personal, please.",
    state={"step": 2, "kind": "lost"},
)


def by_id(card: dict) -> dict[str, dict]:
    return {e["id"]: e for e in card["body"] if "id" in e}


def test_every_field_kind_renders_as_a_valid_adaptive_card_1_5():
    card = render.form_card(FORM, {"id": "1:7", "l": "Report", "t": "Breach #1"}, tz=LONDON)
    check_card(card)
    inputs = by_id(card)
    assert inputs["ref"] == {
        "type": "Input.Text",
        "id": "ref",
        "label": "Reference",
        "maxLength": 500,
        "value": "LT-1",
    }
    assert inputs["what"]["isMultiline"] is True and inputs["what"]["label"].endswith("(optional)")
    assert inputs["kind"]["style"] == "expanded" and inputs["kind"]["value"] == "lost"
    assert inputs["cats"]["isMultiSelect"] is True and inputs["cats"]["value"] == "a,c"
    assert inputs["encrypted"]["value"] == "yes"
    assert inputs["due"] == {
        "type": "Input.Date",
        "id": "due",
        "label": "Due back",
        "value": "2026-11-25",
    }
    # 09:00 UTC on 1 June is 10:00 in London (BST): shown as the school reads it.
    assert (inputs["seen__date"]["value"], inputs["seen__time"]["value"]) == ("2026-06-01", "10:00")
    assert inputs["who"]["style"] == "email"
    assert card["body"][1]["text"] == "Tell us **what** happened."
    (submit,) = card["actions"]
    assert submit["data"] == {
        "safekeep": "submit",
        "f": "demo.step",
        "s": {"step": 2, "kind": "lost"},
        "o": {"id": "1:7", "l": "Report", "t": "Breach #1"},
    }


def test_errors_are_shown_under_their_fields_and_what_was_typed_is_kept():
    card = render.form_card(
        FORM, errors={"ref": "Please answer this.", "elsewhere": "Try again."}, values={"ref": ""}
    )
    check_card(card)
    ids = [e.get("id") for e in card["body"]]
    assert ids[ids.index("ref") + 1] == "ref__error"
    assert "form__error" in ids  # a problem with no field of its own still shows
    assert "value" not in by_id(card)["ref"]


def test_a_submitted_card_reads_back_as_the_raw_answers_the_form_parses():
    inputs = {
        "ref": " LT-2 ",
        "kind": "stolen",
        "cats": "a,b",
        "encrypted": "no",
        "due": "2026-11-26",
        "seen__date": "2026-11-24",
        "seen__time": "09:45",
        "who": "dsl@example.org",
    }
    raw, emails = parse.raw_answers(FORM, inputs)
    assert raw == {
        "ref": "LT-2",
        "what": "",
        "kind": "stolen",
        "cats": ["a", "b"],
        "encrypted": "no",
        "due": "2026-11-26",
        "seen": "2026-11-24 09:45",
        "who": "",
    }
    assert emails == {"who": "dsl@example.org"}
    answers = FORM.parse(raw, LONDON, date(2026, 11, 24))
    assert answers["cats"] == ["a", "b"] and answers["encrypted"] is False
    assert answers["seen"] == datetime(2026, 11, 24, 9, 45, tzinfo=UTC)


def test_a_time_without_a_date_is_refused_at_its_field():
    raw, _ = parse.raw_answers(FORM, {"ref": "x", "cats": "a", "seen__time": "09:45"})
    with pytest.raises(forms.FormErrors) as refused:
        FORM.parse(raw, LONDON, date(2026, 11, 24))
    assert "seen" in refused.value.errors


def test_buttons_carry_their_action_and_the_message_they_sit_in():
    card = render.notice_card(
        Notice(
            "Breach #4 · lost device",
            (Button("Acknowledge", "breach.acknowledge", "4", "primary"),),
        )
    )
    check_card(card)
    (action,) = card["actions"]
    assert action["style"] == "positive"
    pressed = parse.card_action(action["data"])
    assert pressed == parse.Pressed(
        "breach.acknowledge", "4", "Acknowledge", "Breach #4 · lost device"
    )
    assert parse.card_action({"something": "else"}) is None
    assert parse.card_action("text") is None


def test_a_say_card_and_a_done_card_are_valid():
    check_card(render.say_card(Say("Thanks.\n\nBreach #1 is recorded.", title="Breach report")))
    done = render.done_card("Approval needed: Off-site #1", "✅ Approve · Tue 24 Nov 10:00")
    check_card(done)
    assert "actions" not in done
