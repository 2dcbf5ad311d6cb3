"""The bare slack-bolt reference for bench_slack.py: what Slack's own framework does with no
Safekeep in it, so Safekeep's timings can be read as a ratio to it.

One ``AsyncApp`` served by bolt's own aiohttp server (``app.start``), with one bot token:

- ``/offsite`` and ``/breach``: ack, then ``views.open`` a modal of about the size of
  Safekeep's first step;
- a submitted ``bench.breach`` modal: ack with ``response_action: update``, then one
  ``chat.postMessage`` to each of three people (the leads a breach alerts), one after the other.

It uses nothing from Safekeep. Settings come from the environment: ``SLACK_BOT_TOKEN``,
``SLACK_SIGNING_SECRET``, ``SLACK_API_URL``, ``PORT``, ``BENCH_ALERT_USERS`` (comma-separated
Slack user ids).
"""

from __future__ import annotations

import os
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

CALLBACK = "bench.breach"


def modal(callback_id: str) -> dict[str, Any]:
    """A modal with a few inputs of the kinds Safekeep's forms use."""
    choices = [
        {"text": {"type": "plain_text", "text": f"Choice {n}"}, "value": f"c{n}"} for n in range(6)
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Tell us what happened."}}
    ]
    for n in range(4):
        blocks.append(
            {
                "type": "input",
                "block_id": f"select{n}",
                "label": {"type": "plain_text", "text": f"Question {n}"},
                "element": {"type": "static_select", "action_id": "value", "options": choices},
            }
        )
    blocks.append(
        {
            "type": "input",
            "block_id": "words",
            "optional": True,
            "label": {"type": "plain_text", "text": "Anything else"},
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": True},
        }
    )
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": "Report"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


THANKS = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "Report"},
    "close": {"type": "plain_text", "text": "Close"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Thank you."}}],
}


def build(token: str, signing_secret: str, api_url: str, alert_users: list[str]) -> AsyncApp:
    app = AsyncApp(
        token=token,
        signing_secret=signing_secret,
        client=AsyncWebClient(token=token, base_url=api_url),
    )

    async def open_form(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=modal(CALLBACK))

    app.command("/offsite")(open_form)
    app.command("/breach")(open_form)

    @app.view(CALLBACK)
    async def submitted(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack(response_action="update", view=THANKS)
        number = body["view"].get("private_metadata") or "0"
        for user in alert_users:
            await client.chat_postMessage(channel=user, text=f"Breach #{number} · lost device")

    return app


def main() -> None:
    env = os.environ
    app = build(
        env["SLACK_BOT_TOKEN"],
        env["SLACK_SIGNING_SECRET"],
        env["SLACK_API_URL"],
        [u for u in env.get("BENCH_ALERT_USERS", "").split(",") if u],
    )
    app.start(port=int(env.get("PORT", "3000")), host="127.0.0.1")


if __name__ == "__main__":
    main()
