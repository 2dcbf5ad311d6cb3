"""The same listeners in Socket Mode: envelopes over a WebSocket, acks carrying the reply."""

from __future__ import annotations

from sqlalchemy import select

from bot.slack.app import build
from bot.slack.socket import socket_handler
from storage.models import AupAcknowledgement


def test_the_aup_journey_works_over_socket_mode(slack, factory, staff):
    fake, server = slack.fake, slack.server
    port = slack.app_url.rsplit(":", 1)[1]
    api_port = slack.adapter.rt.settings.slack_api_url.split(":")[2].split("/")[0]
    fake.socket_url = f"ws://127.0.0.1:{api_port}/socket"
    adapter = build(slack.adapter.rt, slack.adapter.dispatcher, socket_mode=True)

    async def connect():
        handler = socket_handler(adapter, "xapp-1-test")
        await handler.connect_async()
        return handler

    handler = server.call(connect())
    server.baseline = server.call(server._tasks())
    try:
        ack = server.call(fake.send_envelope("slash_commands", slack.command_form("/aup")))
        server.settle()
        assert ack == {}
        view = slack.open_view()
        assert view["callback_id"] == "aup.agree"

        ack = server.call(fake.send_envelope("interactive", slack.submission(view, {})))
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
    assert port  # the HTTP app kept running beside the socket
