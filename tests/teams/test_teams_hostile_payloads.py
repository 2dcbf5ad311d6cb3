"""Teams activities of any shape from an authenticated caller, for every card form and every
button: garbage bodies get a 400, well-formed activities with hostile values get a clear answer;
never a 5xx, never a traceback in the logs, and the audit chain still verifies."""

from __future__ import annotations

import json
import logging
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.teams.render import KIND, PRESS, SUBMIT
from handlers import routes
from storage import audit
from tests.slack.test_slack_hostile_payloads import (
    _FIELD_NAMES,
    _STATE_KEYS,
    ANY_JSON,
    HOSTILE,
    SCALARS,
    WEIRD_TEXT,
)


@st.composite
def card_values(draw: st.DrawFn) -> dict[str, Any]:
    """The ``value`` of a message activity: a card submit or press, with hostile contents."""
    if draw(st.booleans()):
        return {
            KIND: PRESS,
            "a": draw(st.sampled_from(sorted(routes.ACTIONS))),
            "v": draw(st.one_of(WEIRD_TEXT, st.just(str(10**30)), st.just("1"))),
            "l": draw(WEIRD_TEXT),
            "t": draw(WEIRD_TEXT),
        }
    value: dict[str, Any] = {
        KIND: SUBMIT,
        "f": draw(st.sampled_from(sorted(routes.FORMS))),
        "s": draw(st.one_of(st.dictionaries(st.sampled_from(_STATE_KEYS), SCALARS), ANY_JSON)),
        "o": draw(st.one_of(st.none(), ANY_JSON)),
    }
    value.update(draw(st.dictionaries(st.sampled_from(_FIELD_NAMES), SCALARS, max_size=6)))
    return value


def _no_server_errors(teams, caplog, factory, activity=None, raw=None) -> int:
    caplog.clear()
    answer = teams.post(activity or {}, raw=raw)
    assert answer.status < 500, (answer.status, answer.text[:200])
    assert "Traceback" not in caplog.text
    with factory() as session:
        assert audit.verify(session) == []
    return answer.status


@HOSTILE
@given(value=card_values())
def test_any_card_submit_or_press_gets_a_clear_answer_never_a_500(
    teams, school, factory, caplog, value
):
    caplog.set_level(logging.INFO)
    activity = teams.activity("message", "teacher@example.org", value=value)
    try:
        json.dumps(activity, ensure_ascii=False).encode("utf-8")
        unicode = True
    except UnicodeEncodeError:
        unicode = False
    status = _no_server_errors(teams, caplog, factory, activity)
    assert status == (200 if unicode else 400) or (unicode and status in (200, 201, 202))


@HOSTILE
@given(raw=st.one_of(st.text(max_size=200), st.just("[1, 2]"), st.just('"text"')))
def test_garbage_bodies_from_an_authenticated_caller_get_400(teams, school, factory, caplog, raw):
    caplog.set_level(logging.INFO)
    try:
        is_object = isinstance(json.loads(raw), dict)
    except ValueError:
        is_object = False
    status = _no_server_errors(teams, caplog, factory, raw=raw)
    if not is_object:
        assert status == 400
