"""Forms and messages become Block Kit that Slack accepts, however long the words."""

from __future__ import annotations

import json

import pytest

from bot.slack import parse, render
from handlers import forms
from handlers.forms import Form
from handlers.replies import Button, Notice, Say
from tests.drivers.slack import SlackBot
from tests.slack.blockkit import check_blocks, check_everything_sent, check_view


def long_form() -> Form:
    policy = "\n".join(
        f"{n}. " + "I keep personal data safe and report problems at once. " * 8
        for n in range(1, 800)
    )
    return Form(
        id="demo.long",
        title="A title far longer than Slack allows for a modal",
        intro=policy,
        fields=(
            forms.single("where", "Where?", {"home": "Home " + "x" * 100, "trip": "Trip"}),
            forms.multi("what", "What?", {f"c{n}": f"Category {n}" for n in range(12)}),
            forms.yes_no("encrypted", "Encrypted?", initial=True),
            forms.date_field("due", "Due back"),
            forms.datetime_field("when", "When did it happen?"),
            forms.long_text("details", "What happened?", required=False),
            forms.person("approver", "Who approved it?"),
        ),
        submit="Send this report to the DSL and DPO now",
        state={"step": 2, "declaration": 41},
    )


def test_a_long_form_fits_slacks_limits_and_round_trips():
    view = render.form_view(long_form())
    check_view(view)
    assert len(view["title"]["text"]) <= 24 and view["title"]["text"].endswith("…")
    assert len(view["blocks"]) == 100
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert inputs == ["where", "what", "encrypted", "due", "when", "details", "approver"]
    assert any(b["block_id"] == "shortened" for b in view["blocks"])
    assert render.read_metadata(view["private_metadata"]) == (
        "demo.long",
        {"step": 2, "declaration": 41},
        None,
    )


def test_a_policy_longer_than_a_section_is_split_at_line_breaks():
    text = "\n".join("line " + str(n) + " " + "y" * 90 for n in range(100))
    pieces = render.chunks(text)
    assert len(pieces) > 1 and all(len(p) <= 3000 for p in pieces)
    assert "\n".join(pieces) == text


def test_state_too_large_for_private_metadata_is_refused_not_truncated():
    form = Form(id="demo.big", title="Big", fields=(), state={"blob": "z" * 3000})
    with pytest.raises(render.MetadataTooLarge):
        render.form_view(form)


def test_messages_with_many_buttons_keep_action_ids_unique():
    buttons = tuple(Button(f"Mark #{n} returned", "offsite.return", str(n)) for n in range(7))
    message = render.notice_message(Notice("Records off site: 7", buttons))
    check_blocks(message["blocks"])
    ids = [
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert len(ids) == len(set(ids)) == 7
    assert {render.action_name(i) for i in ids} == {"offsite.return"}
    check_view(render.say_view(Say("Done", buttons)))
    check_view(render.home_view(Say("Home", buttons)))


def test_view_state_becomes_the_raw_answers_forms_parse():
    view = render.form_view(long_form())
    bot = SlackBot.__new__(SlackBot)
    bot.fake, bot.team_id = None, "T0DEMO"
    values = bot.state_values(
        {"blocks": [b for b in view["blocks"] if b["block_id"] != "approver"]},
        {
            "where": "trip",
            "what": ["c1", "c3"],
            "encrypted": "no",
            "due": "2026-11-27",
            "when": "2026-11-24T09:30",
            "details": "Left on the train",
        },
    )
    values["approver"] = {"approver": {"type": "users_select", "selected_user": "U003DEMO"}}
    raw, users = parse.raw_answers(values)
    assert raw == {
        "where": "trip",
        "what": ["c1", "c3"],
        "encrypted": "no",
        "due": "2026-11-27",
        "when": "2026-11-24T09:30:00+00:00",
        "details": "Left on the train",
        "approver": "",
    }
    assert users == {"approver": "U003DEMO"}


def test_every_view_the_aup_journey_sends_is_valid(slack):
    slack.command("/aup")
    slack.submit(slack.open_view(), {"response": "agree"})
    assert check_everything_sent(slack.fake) >= 3
    assert json.dumps(slack.open_view()).count("was recorded") == 1


def test_a_form_shown_again_late_twice_carries_only_the_latest_problems():
    form = {
        "type": "modal",
        "callback_id": "breach.report",
        "blocks": [{"type": "input", "block_id": "what", "element": {"type": "plain_text_input"}}],
    }
    once = render.errors_view(form, {"what": "First problem."})
    twice = render.errors_view(once, {"what": "Second problem."})
    ids = [b["block_id"] for b in twice["blocks"]]
    assert ids == ["what", "error_what"]
    assert "Second problem." in json.dumps(twice) and "First problem." not in json.dumps(twice)
