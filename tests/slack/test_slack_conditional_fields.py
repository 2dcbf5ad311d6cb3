"""A modal can't hide a field until an earlier answer is given: a conditional field is shown as
optional with its condition as the hint, and the handler requires it only when it applies."""

from __future__ import annotations

from bot.slack import render
from handlers import forms
from handlers.forms import Form


def test_a_conditional_field_is_optional_in_the_modal_with_its_condition_in_the_hint():
    form = Form(
        id="x",
        title="X",
        fields=(
            forms.multi("kinds", "Which?", {"a": "A", "other": "Other"}),
            forms.text(
                "other_kind",
                "If Other: what is it?",
                help="A kind, not a name.",
                when=forms.When("kinds", ("other",), "Only if you ticked Other."),
            ),
        ),
    )
    blocks = {b["block_id"]: b for b in render.form_view(form)["blocks"]}
    assert blocks["kinds"]["optional"] is False
    assert blocks["other_kind"]["optional"] is True
    assert blocks["other_kind"]["hint"]["text"] == "Only if you ticked Other. A kind, not a name."


def test_the_offsite_first_step_modal_requires_only_what_always_applies(slack):
    slack.command("/offsite")
    view = slack.open_view()
    optional = {b["block_id"] for b in view["blocks"] if b.get("optional")}
    assert optional == {"other_category", "asset_tag", "encryption"}
    done = slack.submit(view, {"categories": ["planning"], "format": "paper"})
    assert done.status == 200 and done.json["response_action"] == "update"
    assert done.json["view"]["callback_id"] == "offsite.details"


def test_a_conditional_field_that_applies_is_required_with_the_errors_response(slack):
    slack.command("/offsite")
    view = slack.open_view()
    done = slack.submit(view, {"categories": ["other"], "format": "usb"})
    assert done.json["response_action"] == "errors"
    assert set(done.json["errors"]) == {"other_category", "asset_tag", "encryption"}
    assert "ticked Other" in done.json["errors"]["other_category"]
