"""Every view and message a Slack test sends is checked against slack_sdk.models and Slack's limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.slack.blockkit import check_everything_sent


@pytest.fixture(autouse=True)
def block_kit_is_valid(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test that used Slack, validate everything the app sent to it."""
    yield
    bot = getattr(request.node, "funcargs", {}).get("slack")
    if bot is not None:
        check_everything_sent(bot.fake)
