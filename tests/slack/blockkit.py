"""Block Kit checks: what the app sends parses and validates with slack_sdk.models, round-trips
unchanged and keeps Slack's limits."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

VIEW_METHODS = ("views.open", "views.update", "views.push", "views.publish")
MESSAGE_METHODS = ("chat.postMessage", "chat.update")


def check_blocks(blocks: list[dict[str, Any]]) -> None:
    """Blocks parse, validate, round-trip unchanged, and keep Slack's limits."""
    assert 0 < len(blocks) <= 100
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(ids) == len(set(ids)), f"repeated block ids: {ids}"
    for block, model in zip(blocks, Block.parse_all(blocks), strict=True):
        assert model is not None, block
        model.validate_json()
        assert model.to_dict() == block
        element = block.get("element") or {}
        for option in element.get("options", []):
            assert len(option["text"]["text"]) <= 75
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000


def check_view(view: dict[str, Any]) -> None:
    sent = {k: v for k, v in view.items() if k != "id"}
    model = View(**sent)
    model.validate_json()
    assert model.to_dict() == sent
    if sent["type"] == "modal":
        assert len(sent["title"]["text"]) <= 24
        assert len(sent.get("private_metadata", "")) <= 3000
    check_blocks(sent["blocks"])


def check_everything_sent(fake: Any) -> int:
    checked = 0
    for call in fake.calls:
        if call["method"] in VIEW_METHODS:
            check_view(call["args"]["view"])
            checked += 1
        elif call["method"] in MESSAGE_METHODS and call["args"].get("blocks"):
            check_blocks(call["args"]["blocks"])
            checked += 1
    for _user, view in fake.shown:
        check_view(view)
        checked += 1
    return checked
