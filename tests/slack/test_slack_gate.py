"""The door of /slack/events: unsigned, stale, malformed or foreign requests are refused with
4xx before anything parses them, change nothing, and never put what they carried in a log."""

from __future__ import annotations

import json
import logging
import time
import urllib.parse

import pytest
from sqlalchemy import func, select

from storage.models import AuditEvent, PlatformIdentity, School
from tests.drivers.signing import sign
from tests.handlers.breach_steps import LOST_LAPTOP

FORM = "application/x-www-form-urlencoded"
SECRET_WORDS = "Poppy Example-Child lost laptop"


@pytest.fixture
def logs(caplog):
    """Every logger at DEBUG, as the worst-configured host would have it."""
    caplog.set_level(logging.DEBUG)
    return caplog


def nothing_stored(factory) -> None:
    with factory() as session:
        assert session.scalars(select(PlatformIdentity)).all() == []
        assert session.scalar(select(func.count(School.id))) == 1


UNSIGNED = [
    ("payload=x", {}),
    ("payload=" + urllib.parse.quote(json.dumps({"text": SECRET_WORDS})), {}),
    ("", {}),
    ("command=%2Fbreach", {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=1"}),
    ("command=%2Fbreach", {"X-Slack-Request-Timestamp": str(10**20)}),
]


@pytest.mark.parametrize(("body", "headers"), UNSIGNED)
def test_unsigned_or_badly_signed_bodies_get_401_before_parsing(
    slack, factory, school, logs, body, headers
):
    sent = {"X-Slack-Signature": "", **headers}
    answer = slack.post(body, FORM, sent)
    assert answer.status == 401
    assert "Traceback" not in logs.text and SECRET_WORDS not in logs.text
    assert slack.fake.calls == []
    nothing_stored(factory)


def test_a_stale_signature_is_401_and_its_body_is_never_logged(slack, factory, school, logs):
    body = "command=%2Fbreach&text=" + urllib.parse.quote(SECRET_WORDS) + "&team_id=T0DEMO"
    answer = slack.post(body, FORM, sign(body, timestamp=int(time.time()) - 600))
    assert answer.status == 401
    assert SECRET_WORDS not in logs.text and urllib.parse.quote(SECRET_WORDS) not in logs.text
    nothing_stored(factory)


SIGNED_GARBAGE = [
    ("payload=x", FORM),
    ("payload=" + urllib.parse.quote("[1, 2]"), FORM),
    ("payload=" + urllib.parse.quote("[" * 5000 + "]" * 5000), FORM),
    ("payload=a&payload=b", FORM),
    ("just words", FORM),
    ('"a json string"', "application/json"),
    ("{not json", "application/json"),
    ("<xml/>", "text/xml"),
]


@pytest.mark.parametrize(("body", "content_type"), SIGNED_GARBAGE)
def test_signed_bodies_not_shaped_like_slack_requests_get_400(
    slack, factory, school, logs, body, content_type
):
    answer = slack.post(body, content_type)
    assert answer.status == 400
    assert "Traceback" not in logs.text
    assert slack.fake.calls == []
    nothing_stored(factory)


def test_an_oversized_body_gets_413(slack, factory, school):
    body = "command=%2Fbreach&text=" + "a" * (600 * 1024)
    assert slack.post(body, FORM).status == 413
    nothing_stored(factory)


def test_a_signed_request_from_another_workspace_is_refused_audited_and_creates_nothing(
    slack, factory, school, logs
):
    slack.command("/aup")  # the real workspace's school exists from its first use
    with factory() as session:
        schools = session.scalars(select(School.id)).all()
    form = slack.command_form("/breach", as_="teacher@example.org")
    form["team_id"] = "T0FOREIGN"
    answer = slack.post(urllib.parse.urlencode(form), FORM)
    assert answer.status == 403
    assert "Demo" not in answer.text
    with factory() as session:
        assert session.scalars(select(School.id)).all() == schools
        refused = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.foreign_workspace")
        ).one()
    assert refused.subject == "workspace:T0FOREIGN"
    assert len(slack.calls("views.open")) == 1  # /aup's, not the foreign /breach


def test_a_signed_request_is_parsed_once_and_bolt_reads_the_gates_result(slack, monkeypatch):
    """A form submission is kilobytes of percent-encoded JSON: the gate parses it (strictly)
    and bolt is handed the result, never the text to parse again (issue #15)."""
    import slack_bolt.request.async_request as bolt_request

    parsed: list[str] = []
    real = urllib.parse.parse_qs

    def counted(body, *args, **kwargs):
        parsed.append(body)
        return real(body, *args, **kwargs)

    def never(body, *_args):
        if body:
            raise AssertionError("bolt parsed the body again")
        return {}

    monkeypatch.setattr("bot.slack.gate.parse_qs", counted)
    monkeypatch.setattr(bolt_request, "parse_body", never)
    slack.command("/breach")
    reply = slack.submit(slack.open_view(), LOST_LAPTOP)
    assert reply.status == 200 and reply.json["response_action"] == "update"
    assert len(parsed) == 2  # the command, then the submission: each once


@pytest.mark.parametrize(
    "body",
    [
        "command=%2Foffsite&text=&team_id=T0DEMO&user_id=U001DEMO",
        "command=%2Faup&text=status+now&trigger_id=1.2.abc",
        "payload="
        + urllib.parse.quote(
            json.dumps(
                {
                    "type": "block_actions",
                    "actions": [{"action_id": "a", "value": "caf\u00e9 \u00bd"}],
                }
            )
        ),
    ],
)
def test_the_gates_body_is_the_one_bolt_would_have_read(body):
    from slack_bolt.request.internals import parse_body

    from bot.slack import gate

    assert gate.well_formed(body, FORM) == parse_body(body, FORM)
