"""What a handler answers; each adapter renders these in its own way.

- ``Say``: a message to the person (Slack ephemeral or a closing modal, a card, console text).
  ``done`` says the action a button asked for took effect, so the adapter may show the message
  the button came from as done; a refusal, a lapsed request or someone else's earlier answer
  is never done.
- ``Ask``: show a form (the first step, or the next step of a multi-step dialog).
- ``Invalid``: the submitted answers have problems, shown next to each field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handlers.forms import Form


@dataclass(frozen=True)
class Button:
    """An action a person can take; ``action`` routes it (e.g. "breach.acknowledge")."""

    label: str
    action: str
    value: str = ""
    style: str | None = None  # "primary" or "danger"

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "action": self.action,
            "value": self.value,
            "style": self.style,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Button:
        return cls(data["label"], data["action"], data.get("value", ""), data.get("style"))


@dataclass(frozen=True)
class Say:
    text: str
    buttons: tuple[Button, ...] = ()
    title: str = "Safekeep"
    done: bool = False  # the pressed button's action (or the dialog it opened) took effect


@dataclass(frozen=True)
class Ask:
    form: Form


@dataclass(frozen=True)
class Invalid:
    errors: dict[str, str] = field(default_factory=dict)


Reply = Say | Ask | Invalid


def listed(items: Iterable[str], last: str = "and") -> str:
    """Items as a sentence lists them: "A", "A and B", "A, B or C" (``last`` joins the end)."""
    words = list(items)
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {last} " + words[-1]


def download_label(name: str) -> str:
    """The button that downloads a file a DM carries (Teams links to it)."""
    return f"Download {name}"


def link_until(at: datetime) -> str:
    """Under a file's download button: how long its link works (it may be forwarded)."""
    return f"The download links work until {at.strftime('%a %-d %b %Y')}; they may be forwarded."


@dataclass(frozen=True)
class FileRef:
    """A file a DM carries, kept in the outbox's file store (``Context.attach``)."""

    file_id: int
    name: str  # the file name the person sees: "governors-report-autumn-2026.pdf"
    media_type: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.file_id, "name": self.name, "media_type": self.media_type}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileRef:
        return cls(int(data["id"]), str(data["name"]), str(data["media_type"]))


@dataclass(frozen=True)
class Notice:
    """A direct message: a reference, categories, flags and deadlines, never personal data;
    sometimes a file with no personal data in it (the governors' report)."""

    text: str
    buttons: tuple[Button, ...] = ()
    files: tuple[FileRef, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text, "buttons": [b.to_json() for b in self.buttons]}
        if self.files:
            data["files"] = [f.to_json() for f in self.files]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Notice:
        return cls(
            data["text"],
            tuple(Button.from_json(b) for b in data.get("buttons", [])),
            tuple(FileRef.from_json(f) for f in data.get("files", [])),
        )


def done_note(label: str, at: datetime) -> str:
    """What a DM says once its button's action is done: the button's label (or "Done") and the
    local time it was done."""
    return f"{label or 'Done'} · {at.strftime('%a %-d %b %H:%M')}"
