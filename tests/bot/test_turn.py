"""One turn for every adapter: an unexpected error is answered with the apology, and the
adapter goes on serving."""

from __future__ import annotations

from dataclasses import replace

import pytest

from handlers import routes
from handlers.context import Context
from handlers.errors import SORRY


def broken_aup(ctx: Context, text: str) -> None:
    raise RuntimeError("the database fell over")


def test_an_unexpected_error_in_a_handler_shows_the_apology_and_the_console_keeps_running(
    console, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setitem(routes.COMMANDS, "aup", replace(routes.COMMANDS["aup"], handler=broken_aup))
    console.lines.extend(["/aup", "/whoami", "/quit"])
    console.app.run()
    shown = "\n".join(console.output)
    assert SORRY in shown
    assert shown.index(SORRY) < shown.index("You are Alex Teacher <teacher@example.org>.")
    assert not console.lines  # it read every line, through /quit


def test_on_slack_the_same_apology_answers_an_unexpected_error_and_the_app_goes_on(
    slack, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setitem(routes.COMMANDS, "aup", replace(routes.COMMANDS["aup"], handler=broken_aup))
    reply = slack.command("/aup")
    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral"
    assert SORRY in reply.json["text"]
    assert "/breach" in slack.command("/safekeep").json["text"]  # the app goes on serving
