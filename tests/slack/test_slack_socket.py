"""The same listeners in Socket Mode: envelopes over a WebSocket, acks carrying the reply."""

from __future__ import annotations

import json
import urllib.request

from sqlalchemy import select

from bot.slack.app import build
from bot.slack.socket import socket_handler
from storage.models import AupAcknowledgement


def connect_socket(slack):
    """A Socket Mode connection from a second adapter (as `python -m bot socket` builds it)."""
    fake, server = slack.fake, slack.server
    api_port = slack.adapter.rt.settings.slack_api_url.split(":")[2].split("/")[0]
    fake.socket_url = f"ws://127.0.0.1:{api_port}/socket"
    adapter = build(slack.adapter.rt, slack.adapter.dispatcher, socket_mode=True)

    async def connect():
        handler = socket_handler(adapter, "xapp-1-test")
        await handler.connect_async()
        return handler

    handler = server.call(connect())
    server.baseline = server.call(server._tasks())
    return handler


def test_the_aup_journey_works_over_socket_mode(slack, factory, staff):
    fake, server = slack.fake, slack.server
    handler = connect_socket(slack)
    try:
        ack = server.call(fake.send_envelope("slash_commands", slack.command_form("/aup")))
        server.settle()
        assert ack == {}
        view = slack.open_view()
        assert view["callback_id"] == "aup.agree"

        ack = server.call(
            fake.send_envelope("interactive", slack.submission(view, {"response": "agree"}))
        )
        server.settle()
        assert ack["response_action"] == "update"
        assert "was recorded" in ack["view"]["blocks"][0]["text"]["text"]

        refused = server.call(
            fake.send_envelope("slash_commands", slack.command_form("/safekeep", "nope"))
        )
        assert "I don't know `/safekeep nope`" in refused["text"]
    finally:
        server.call(handler.close_async())
    with factory() as session:
        assert session.scalars(select(AupAcknowledgement)).one().person_id == staff.id
    # The HTTP app kept running beside the socket.
    with urllib.request.urlopen(f"{slack.app_url}/healthz", timeout=10) as answer:
        assert answer.status == 200 and json.loads(answer.read())["database"] is True


def test_slacks_retry_of_an_event_over_socket_mode_is_not_processed_twice(slack):
    """In Socket Mode the retry count and reason come in the envelope, not in headers."""
    fake, server = slack.fake, slack.server
    handler = connect_socket(slack)
    home = slack.event_body(slack.home_opened(), "Ev0101")
    try:
        server.call(fake.send_envelope("events_api", home, retry_attempt=0, retry_reason=""))
        server.settle()
        again = dict(home, event_time=home["event_time"] + 60)
        server.call(
            fake.send_envelope("events_api", again, retry_attempt=1, retry_reason="http_error")
        )
        server.settle()
        assert len(slack.calls("views.publish")) == 1
        fresh = slack.event_body(slack.home_opened(), "Ev0102")
        server.call(fake.send_envelope("events_api", fresh, retry_attempt=0, retry_reason=""))
        server.settle()
    finally:
        server.call(handler.close_async())
    assert len(slack.calls("views.publish")) == 2
