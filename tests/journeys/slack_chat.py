"""The chat protocol over Slack: signed requests to the real bolt app over HTTP, against the
local fake Web API (the `slack` fixture). What a person sees is the ephemeral reply or the
modal opened for them; their DMs are the messages in their DM as Slack holds them now."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tests.drivers.slack import SlackBot
from tests.journeys.chat import Dm

TEACHER = "teacher@example.org"
BOLD = re.compile(r"\*(\S[^*]*\S|\S)\*")


def seen(mrkdwn: str) -> str:
    """Slack's markup as a person reads it: *bold* and `code` without the marks."""
    return BOLD.sub(r"\1", mrkdwn).replace("`", "")


def view_text(view: dict[str, Any]) -> str:
    """The words a modal shows: title, text, labels and buttons, one block a line."""
    parts = [view["title"]["text"]]
    for block in view.get("blocks", []):
        for key in ("text", "label"):
            if key in block:
                parts.append(block[key]["text"])
        for element in block.get("elements", []):
            text = element.get("text")
            if text is not None:
                parts.append(text if isinstance(text, str) else text["text"])
    return seen("\n".join(parts))


def button_labels(blocks: list[dict[str, Any]] | None) -> tuple[str, ...]:
    return tuple(
        element["text"]["text"]
        for block in blocks or []
        for element in block.get("elements", [])
        if element.get("type") == "button"
    )


def initial_answer(element: dict[str, Any]) -> Any:
    """What an input sends when the person leaves it as shown."""
    if "initial_option" in element:
        return element["initial_option"]["value"]
    if "initial_options" in element:
        return [o["value"] for o in element["initial_options"]]
    if "initial_date_time" in element:
        return datetime.fromtimestamp(element["initial_date_time"], UTC)
    for key in ("initial_value", "initial_date", "initial_user"):
        if key in element:
            return element[key]
    return None


WAITING = "safekeep.waiting"  # the view shown while a slow answer is on its way


class SlackChat:
    platform = "slack"

    def __init__(self, slack: SlackBot) -> None:
        self.slack = slack
        self.email = TEACHER

    def as_person(self, email: str) -> None:
        self.email = email

    def command(self, text: str) -> str:
        name, _, rest = text.partition(" ")
        shown = len(self.slack.fake.shown)
        reply = self.slack.command(name, rest, as_=self.email)
        assert reply.status == 200, reply.text
        if reply.json and "text" in reply.json:
            return seen(str(reply.json["text"]))
        return self._shown_since(shown)

    def fill(self, answers: Mapping[str, Any]) -> str:
        view = self.slack.open_view(as_=self.email)
        inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
        assert "submit" in view, "no dialog is open"
        unknown = set(answers) - set(inputs)
        assert not unknown, f"{view['callback_id']} has no fields {unknown}"
        filled = {name: initial_answer(element) for name, element in inputs.items()}
        filled.update({k: None if v == "" else v for k, v in answers.items()})
        shown = len(self.slack.fake.shown)
        reply = self.slack.submit(view, filled, as_=self.email)
        assert reply.status == 200, reply.text
        body = reply.json or {}
        if body.get("response_action") == "errors":
            return seen("\n".join(body["errors"].values()))
        if body.get("view", {}).get("callback_id") == WAITING:
            # Slower than Slack's window (a busy machine): the answer replaced the "working on
            # it" view once the handler was done, as a person would see it.
            return self._shown_since(shown)
        return view_text(body["view"]) if "view" in body else ""

    def press(self, button: str) -> str:
        user_id = self.slack.user_id(self.email)
        for message in reversed(self.slack.fake.dm_history(user_id)):
            for block in message.get("blocks") or []:
                for element in block.get("elements", []):
                    action = element.get("action_id", "").split(":")[0]
                    if element.get("type") == "button" and button in (
                        element["text"]["text"],
                        action,
                    ):
                        shown = len(self.slack.fake.shown)
                        self.slack.press(action, element["value"], as_=self.email, where="dm")
                        return self._shown_since(shown)
        raise AssertionError(f"{self.email} has no {button!r} button in a DM")

    def dms(self, email: str) -> list[Dm]:
        fake = self.slack.fake
        return [
            Dm(
                seen(str(message.get("text") or "")),
                button_labels(message.get("blocks")),
                tuple((f["name"], fake.file_bytes[f["id"]]) for f in message.get("files", [])),
            )
            for message in fake.dm_history(self.slack.user_id(email))
        ]

    def deliver(self) -> None:
        self.slack.deliver()

    def _shown_since(self, count: int) -> str:
        user_id = self.slack.user_id(self.email)
        mine = [view for user, view in self.slack.fake.shown[count:] if user == user_id]
        return view_text(mine[-1]) if mine else ""
