"""A DM that carries files (the governors' report) is shared in the person's DM through Slack's
external upload, once, and a refused upload is tried again later."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.context import Context
from handlers.replies import Notice
from storage.database import transaction
from storage.models import OutboxMessage, School


@pytest.fixture
def slack(slack, clock):
    slack.fake.clock = clock
    return slack


def queue_files(factory, school, person, clock) -> None:
    with transaction(factory) as session:
        ctx = Context(session, session.get_one(School, school.id), None, clock)
        files = (
            ctx.attach("report.pdf", "application/pdf", b"%PDF-1.7 counts only"),
            ctx.attach("report.csv", "text/csv", b"section,measure\n"),
        )
        ctx.notify([person], Notice("The termly report is attached.", files=files))


def test_the_files_are_uploaded_and_shared_in_the_dm_with_the_text(
    slack, factory, school, head, clock
):
    queue_files(factory, school, head, clock)
    assert slack.deliver() == 1
    [dm] = slack.fake.dm_history(slack.user_id(head.email))
    assert dm["text"] == "The termly report is attached."
    assert [f["name"] for f in dm["files"]] == ["report.pdf", "report.csv"]
    assert [slack.fake.file_bytes[f["id"]] for f in dm["files"]] == [
        b"%PDF-1.7 counts only",
        b"section,measure\n",
    ]
    assert [c["filename"] for c in slack.calls("files.getUploadURLExternal")] == [
        "report.pdf",
        "report.csv",
    ]
    assert len(slack.calls("files.completeUploadExternal")) == 1
    assert slack.calls("chat.postMessage") == []
    with factory() as session:
        row = session.scalars(select(OutboxMessage)).one()
    assert row.status == "sent" and row.platform_ref.startswith(dm_channel(slack, head))


def dm_channel(slack, person) -> str:
    return "D" + slack.user_id(person.email)[1:]


def test_a_refused_upload_is_tried_again_after_the_wait_and_shared_once(
    slack, factory, school, head, clock
):
    queue_files(factory, school, head, clock)
    slack.fail_next("files.getUploadURLExternal", status=429, retry_after=3)
    assert slack.deliver() == 0
    assert slack.fake.dm_history(slack.user_id(head.email)) == []
    clock.advance(seconds=3)
    assert slack.deliver() == 1
    [dm] = slack.fake.dm_history(slack.user_id(head.email))
    assert len(dm["files"]) == 2
