"""The chat protocol over Teams: signed activities to the real app over HTTP, against the local
fake Bot Connector (the `teams` fixture). What a person sees is the card the bot posted or
updated for them; their DMs are the proactive messages in their personal chat, as Teams shows
them now (updated in place once their action is done)."""

from __future__ import annotations

import urllib.request
from collections.abc import Mapping
from typing import Any

from tests.drivers.fake_bot_connector import Posted
from tests.drivers.teams import TeamsBot, card_of
from tests.journeys.chat import Dm

TEACHER = "teacher@example.org"
DATE, TIME = "__date", "__time"


def seen(markdown: str) -> str:
    return markdown.replace("**", "")


def card_text(card: dict[str, Any]) -> str:
    """The words a card shows: text, input labels and action titles, one a line."""
    parts = []
    for element in card.get("body", []):
        for key in ("text", "label"):
            if key in element:
                parts.append(element[key])
    parts.extend(a["title"] for a in card.get("actions", []))
    return seen("\n".join(parts))


def submit_data(card: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [
        a["data"]
        for a in card.get("actions", [])
        if a["type"] == "Action.Submit" and a.get("data", {}).get("safekeep") == kind
    ]


class TeamsChat:
    platform = "teams"

    def __init__(self, teams: TeamsBot) -> None:
        self.teams = teams
        self.email = TEACHER

    def as_person(self, email: str) -> None:
        self.email = email

    def command(self, text: str) -> str:
        before = len(self.teams.chat(self.email))
        reply = self.teams.message(text, as_=self.email)
        assert reply.status in (200, 202), reply.text
        return self._shown_since(before)

    def fill(self, answers: Mapping[str, Any]) -> str:
        posted, card = self._open_form()
        inputs = {e["id"]: e for e in card["body"] if str(e.get("type", "")).startswith("Input.")}
        names = {i.removesuffix(DATE).removesuffix(TIME) for i in inputs}
        unknown = set(answers) - names
        assert not unknown, f"the card has no fields {unknown}"
        values = {i: e["value"] for i, e in inputs.items() if e.get("value")}
        for name, answer in answers.items():
            for key in (name, name + DATE, name + TIME):
                values.pop(key, None)
            if answer in (None, ""):
                continue
            if name + DATE in inputs:
                day, _, time = str(answer).replace("T", " ").partition(" ")
                values[name + DATE], values[name + TIME] = day, time[:5]
            elif isinstance(answer, list | tuple):
                values[name] = ",".join(answer)
            else:
                values[name] = str(answer)
        (data,) = submit_data(card, "submit")
        before = len(self.teams.chat(self.email))
        reply = self.teams.submit_card(posted, {**data, **values}, as_=self.email)
        assert reply.status in (200, 202), reply.text
        updated = self.teams.fake.find(posted.id)
        assert updated is not None
        shown = card_text(card_of(updated.current) or {})
        return "\n".join([shown, self._shown_since(before)]).strip()

    def press(self, button: str) -> str:
        for posted in reversed(self.teams.chat(self.email)):
            card = card_of(posted.current) or {}
            for action in card.get("actions", []):
                data = action.get("data") or {}
                if data.get("safekeep") == "press" and button in (action["title"], data["a"]):
                    before = len(self.teams.chat(self.email))
                    self.teams.submit_card(posted, data, as_=self.email)
                    return self._shown_since(before)
        raise AssertionError(f"{self.email} has no {button!r} button in Teams")

    def dms(self, email: str) -> list[Dm]:
        found = []
        for posted in self.teams.proactive(email):
            card = card_of(posted.current) or {}
            text = "\n".join(seen(b["text"]) for b in card.get("body", []) if "text" in b)
            actions = card.get("actions", [])
            files = tuple(
                (a["title"].removeprefix("Download "), _download(a["url"]))
                for a in actions
                if a.get("type") == "Action.OpenUrl"
            )
            found.append(Dm(text, tuple(a["title"] for a in actions), files))
        return found

    def deliver(self) -> None:
        self.teams.deliver()

    def _open_form(self) -> tuple[Posted, dict[str, Any]]:
        for posted in reversed(self.teams.chat(self.email)):
            card = card_of(posted.current) or {}
            if submit_data(card, "submit"):
                return posted, card
        raise AssertionError("no dialog is open")

    def _shown_since(self, count: int) -> str:
        new = self.teams.chat(self.email)[count:]
        return "\n".join(card_text(card_of(p.current) or {}) for p in new)


def _download(url: str) -> bytes:
    """What a person gets by pressing a download button: the file from Safekeep's server."""
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (a local test server)
        return bytes(answer.read())
