"""The AUP journey through Slack: command, modal, submission, confirmation, and the record
(with the submission's trigger id as Slack's own id for the agreement)."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AupAcknowledgement, PlatformIdentity


def test_aup_opens_a_modal_and_a_submission_records_the_agreement(slack, factory, staff, clock):
    response = slack.command("/aup")
    assert response.status == 200
    view = slack.open_view()
    assert view["callback_id"] == "aup.agree"
    assert view["submit"]["text"] == "Send"
    assert "Staff Acceptable Use Policy" in view["blocks"][0]["text"]["text"]

    done = slack.submit(view, {"response": "agree"})
    assert done.status == 200
    assert done.json["response_action"] == "update"
    assert "was recorded on Tue 24 Nov 10:00" in done.json["view"]["blocks"][0]["text"]["text"]

    with factory() as session:
        ack = session.scalars(select(AupAcknowledgement)).one()
        identity = session.scalars(
            select(PlatformIdentity).where(PlatformIdentity.platform == "slack")
        ).one()
    assert ack.person_id == staff.id
    assert ack.platform == "slack"
    assert ack.platform_user_id == slack.user_id("teacher@example.org")
    assert ack.question is None
    # Slack's own id for the submission that agreed: its trigger id (the driver's, per request)
    assert ack.interaction_id is not None and ack.interaction_id.endswith(".trigger")
    assert ack.interaction_id.split(".")[1] == ack.platform_user_id
    assert identity.person_id == staff.id

    again = slack.command("/aup")
    assert again.json["response_type"] == "ephemeral"
    assert "Nothing more to do" in again.json["text"]
