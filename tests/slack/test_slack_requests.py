"""What only the Slack adapter does, over real HTTP: signatures, ephemeral replies, buttons in DMs,
App Home, shortcuts, slow answers, Slack's own retries and rate-limited DMs. The journeys every
adapter shares are in tests/journeys/."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import urllib.request

import aiohttp
from sqlalchemy import select

from handlers.replies import Button, Notice
from storage import outbox
from storage.database import transaction
from storage.models import AuditEvent, AupAcknowledgement, OutboxMessage, PlatformIdentity
from storage.outbox import LedgerKey
from tests.drivers.signing import sign


def queue_notice(factory, school, person, notice, clock, key="test") -> None:
    with transaction(factory) as session:
        outbox.enqueue(
            session,
            school.id,
            [person.id],
            notice.to_json(),
            now=clock(),
            key=LedgerKey(key, "test"),
        )


def test_a_request_with_a_bad_or_stale_signature_is_refused_and_changes_nothing(slack, factory):
    body = "command=%2Faup&text=&team_id=T0DEMO&user_id=U001DEMO&trigger_id=1.U001DEMO.x"
    wrong = slack.post(
        body, "application/x-www-form-urlencoded", {"X-Slack-Signature": "v0=" + "0" * 64}
    )
    stale = slack.post(
        body, "application/x-www-form-urlencoded", sign(body, timestamp=int(time.time()) - 600)
    )
    other_secret = slack.post(
        body, "application/x-www-form-urlencoded", sign(body, secret="not-ours")
    )
    assert (wrong.status, stale.status, other_secret.status) == (401, 401, 401)
    assert slack.fake.calls == []
    with factory() as session:
        assert session.scalars(select(PlatformIdentity)).all() == []


def test_an_unknown_subcommand_gets_help_as_an_ephemeral_reply(slack):
    reply = slack.command("/safekeep", "frobnicate")
    assert reply.json["response_type"] == "ephemeral"
    assert "I don't know `/safekeep frobnicate`" in reply.json["text"]
    assert "/breach" in reply.json["text"]
    usage = slack.command("/aup", "nonsense")
    assert "Use `/aup` to read and agree" in usage.json["text"]
    assert slack.calls("views.open") == []


def test_someone_not_on_the_staff_list_is_told_so_and_nothing_is_recorded(slack, factory):
    slack.add_user("visitor@example.org", "Pat Visitor")
    reply = slack.command("/aup", as_="visitor@example.org")
    assert reply.json["response_type"] == "ephemeral"
    assert "not on Safekeep's staff list for Demo Primary School" in reply.json["text"]
    assert slack.calls("views.open") == []
    with factory() as session:
        assert session.scalars(select(PlatformIdentity)).all() == []


def test_a_question_with_personal_data_is_shown_next_to_the_field(slack, factory):
    slack.command("/aup")
    answer = slack.submit(
        slack.open_view(),
        {"response": "question", "question": "Can I email jo.bloggs@example.org?"},
    )
    assert answer.json["response_action"] == "errors"
    assert "email address" in answer.json["errors"]["question"]
    with factory() as session:
        assert session.scalars(select(AupAcknowledgement)).all() == []


def test_a_dm_button_opens_the_dialog_and_the_dm_is_updated_when_it_is_done(
    slack, factory, school, staff, clock
):
    notice = Notice(
        "Please read and agree to the AUP by Fri 27 Nov.", (Button("Read and agree", "aup.start"),)
    )
    queue_notice(factory, school, staff, notice, clock)
    assert slack.deliver() == 1
    [dm] = slack.dms_to("teacher@example.org")
    assert dm["blocks"][-1]["elements"][0]["action_id"] == "aup.start"

    slack.press("aup.start")
    form = slack.open_view()
    assert form["callback_id"] == "aup.agree"
    done = slack.submit(form, {"response": "agree"})
    assert "was recorded" in done.json["view"]["blocks"][0]["text"]["text"]

    [update] = slack.calls("chat.update")
    assert update["channel"].startswith("D") and update["ts"]
    assert "Read and agree" in update["blocks"][-1]["elements"][0]["text"]
    assert all(block["type"] != "actions" for block in update["blocks"])


def test_the_dsl_dm_survives_a_429_and_arrives_exactly_once(slack, factory, school, dsl, clock):
    queue_notice(factory, school, dsl, Notice("Breach #1 · safeguarding data: yes"), clock)
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    assert slack.deliver() == 0
    assert slack.deliver() == 0  # Slack asked us to wait a second; the clock has not moved
    clock.advance(seconds=2)
    assert slack.deliver() == 1
    assert slack.deliver() == 0
    attempts = slack.calls("chat.postMessage")
    assert [a["_refused"] for a in attempts] == [429, None]
    assert len(slack.dms_to("dsl@example.org")) == 1
    with factory() as session:
        row = session.scalars(select(OutboxMessage)).one()
    assert (row.status, row.attempts) == ("sent", 2)


def test_app_home_shows_what_is_outstanding_and_leads_get_an_overview(slack):
    slack.open_home()
    home = slack.home()
    text = json.dumps(home)
    assert "Staff Acceptable Use Policy" in text and "aup.start" in text
    assert "breach.start" in text and "offsite.start" in text
    assert "School overview" not in text

    slack.open_home(as_="head@example.org")
    assert "School overview" in json.dumps(slack.home(as_="head@example.org"))


def test_pressing_read_and_agree_on_app_home_opens_the_agreement(slack):
    slack.press("aup.start", where="home")
    assert slack.open_view()["callback_id"] == "aup.agree"


def test_slacks_retry_of_an_event_already_handled_is_not_processed_twice(slack):
    slack.open_home(event_id="Ev0001")
    again = slack.open_home(
        event_id="Ev0001", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    )
    late = slack.open_home(
        event_id="Ev0002",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert again.status == 200 and late.status == 200
    assert len(slack.calls("views.publish")) == 1


def test_the_breach_shortcut_opens_a_modal_for_the_person_who_used_it(slack):
    assert slack.shortcut("report_breach").status == 200
    [opened] = slack.calls("views.open")
    assert opened["trigger_id"].split(".")[1] == slack.user_id("teacher@example.org")
    assert opened["view"]["type"] == "modal"


def test_the_concern_shortcut_opens_the_concern_report(slack):
    assert slack.shortcut("report_concern").status == 200
    [opened] = slack.calls("views.open")
    assert opened["view"]["callback_id"] == "concern.report"


def test_a_slow_answer_opens_a_waiting_modal_first_and_fills_it_in_after(slack):
    slack.adapter.trigger_budget = 0.0  # as if the database took longer than Slack's window
    reply = slack.command("/aup")
    assert reply.status == 200 and reply.text == ""
    [opened] = slack.calls("views.open")
    [updated] = slack.calls("views.update")
    assert opened["view"]["callback_id"] == "safekeep.waiting"
    assert updated["view_id"] == slack.fake.calls_to("views.open")[0]["view_id"]
    assert updated["view"]["callback_id"] == "aup.agree"


def starved(slack, seconds: float) -> None:
    """The adapter's clock as a busy event loop sees it: each look finds it ``seconds`` later than
    the one before, so a request's listener begins ``seconds`` after the request arrived."""
    ticks = itertools.count(0.0, seconds)
    slack.adapter.monotonic = lambda: next(ticks)


def test_a_command_s_budget_counts_from_its_arrival_not_from_when_its_listener_began(slack):
    slack.command("/aup")  # the school and person are looked up once, before the clock stalls
    starved(slack, 30.0)
    slack.adapter.trigger_budget = 30.0  # a whole budget, if it counted from the listener's start
    reply = slack.command("/aup")
    assert reply.status == 200 and reply.text == ""
    waiting, shown = slack.calls("views.open")[1], slack.calls("views.update")[-1]
    assert waiting["view"]["callback_id"] == "safekeep.waiting"
    assert shown["view"]["callback_id"] == "aup.agree"


def test_a_submission_s_budget_counts_from_its_arrival_not_from_when_its_listener_began(
    slack, factory
):
    slack.command("/aup")
    starved(slack, 30.0)
    slack.adapter.submit_budget = 30.0
    answer = slack.post_payload(slack.submission(slack.open_view(), {"response": "agree"}))
    assert answer.json["view"]["callback_id"] == "safekeep.waiting"
    assert "was recorded" in json.dumps(slack.calls("views.update")[-1]["view"])
    with factory() as session:
        assert len(session.scalars(select(AupAcknowledgement)).all()) == 1


def test_health_reports_the_database_and_the_outbox_backlog(slack, factory, school, staff, clock):
    queue_notice(factory, school, staff, Notice("Reminder"), clock)
    with urllib.request.urlopen(f"{slack.app_url}/healthz", timeout=10) as answer:
        report = json.loads(answer.read())
    assert report["database"] is True
    assert report["outbox_backlog"] == 1
    assert "scheduler_leader" in report


def test_a_slow_submission_shows_working_then_the_outcome_or_the_problems(slack, factory):
    slack.adapter.submit_budget = 0.0  # as if saving took longer than Slack waits for an answer
    slack.command("/aup")
    form = slack.open_view()
    bad = slack.submit(
        form, {"response": "question", "question": "Is jo.bloggs@example.org allowed?"}
    )
    assert bad.json["view"]["callback_id"] == "safekeep.waiting"
    shown = slack.calls("views.update")[-1]
    assert shown["view_id"] == form["id"]
    assert any(
        "email address" in json.dumps(b) for b in shown["view"]["blocks"] if b["type"] == "context"
    )

    slack.submit(form, {"response": "agree"})
    assert "was recorded" in json.dumps(slack.calls("views.update")[-1]["view"])
    with factory() as session:
        assert len(session.scalars(select(AupAcknowledgement)).all()) == 1


def test_a_staff_member_first_seen_on_slack_is_matched_by_email_and_the_link_is_audited(
    slack, factory, staff
):
    slack.command("/aup", as_="teacher@example.org")
    slack.command("/aup", as_="teacher@example.org")
    assert len([c for c in slack.calls("users.info")]) == 1  # the link is remembered
    with factory() as session:
        (link,) = session.scalars(select(PlatformIdentity)).all()
        (event,) = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "identity.linked")
        ).all()
    assert (link.person_id, link.external_id) == (staff.id, slack.user_id("teacher@example.org"))
    assert (event.actor_id, event.details) == (staff.id, {"platform": "slack"})


def _submission_naming_a_colleague(slack) -> dict:
    """The AUP form submitted with a Slack person field (a users_select) naming the DSL."""
    slack.command("/aup")
    payload = slack.submission(slack.open_view(), {"response": "agree"})
    selected = {"type": "users_select", "selected_user": slack.user_id("dsl@example.org")}
    payload["view"]["state"]["values"]["colleague"] = {"colleague": selected}
    return payload


def test_a_slow_users_info_for_a_person_field_counts_against_the_submission_budget(
    slack, monkeypatch
):
    slack.adapter.submit_budget = 0.2
    directory = slack.adapter.directory
    find = directory.person_id

    async def slow_users_info(school_id, team_id, user_id, client):
        if user_id == slack.user_id("dsl@example.org"):
            await asyncio.sleep(1.0)  # users.info takes longer than the budget
        return await find(school_id, team_id, user_id, client)

    monkeypatch.setattr(directory, "person_id", slow_users_info)
    answer = slack.post_payload(_submission_naming_a_colleague(slack))
    assert answer.status == 200
    assert answer.json["view"]["callback_id"] == "safekeep.waiting"
    assert "was recorded" in json.dumps(slack.calls("views.update")[-1]["view"])


def test_a_failing_users_info_for_a_person_field_is_an_apology_not_an_error_page(
    slack, monkeypatch, factory
):
    directory = slack.adapter.directory
    find = directory.person_id

    async def broken_users_info(school_id, team_id, user_id, client):
        if user_id == slack.user_id("dsl@example.org"):
            raise aiohttp.ClientConnectionError("Slack went away")
        return await find(school_id, team_id, user_id, client)

    monkeypatch.setattr(directory, "person_id", broken_users_info)
    answer = slack.post_payload(_submission_naming_a_colleague(slack))
    assert answer.status == 200
    assert answer.json["response_action"] == "update"
    assert "nothing was saved" in json.dumps(answer.json["view"])
    with factory() as session:
        assert session.scalars(select(AupAcknowledgement)).all() == []
