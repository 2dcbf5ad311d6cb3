"""Signed Slack payloads of any shape, for every dialog and every button the app registers:
random, oversized, wrongly typed, Unicode-heavy (lone surrogates, right-to-left and zero-width
marks) and injection-like values. None may get a 5xx or leave a traceback in the logs, and the
audit chain must still verify afterwards."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers import routes
from storage import audit
from tests.drivers.slack import APP_ID

WEIRD_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "\ud800",
            "a\udfffb",
            "\u202eevil\u202c",
            "\u200b\u200d\ufeff",
            "'; DROP TABLE people; --",
            "<script>alert(1)</script>",
            "${jndi:ldap://x}",
            "{{7*7}}",
            "../../etc/passwd",
            "x" * 5000,
            "2026-02-30",
            "-1",
            "1e400",
        ]
    ),
)
NUMBERS = st.one_of(
    st.integers(), st.sampled_from([10**20, -(10**20), 2**63, 0]), st.floats(allow_nan=True)
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, WEIRD_TEXT)
ANY_JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(WEIRD_TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)
ELEMENT_TYPES = [
    "plain_text_input",
    "email_text_input",
    "url_text_input",
    "number_input",
    "static_select",
    "radio_buttons",
    "checkboxes",
    "multi_static_select",
    "datepicker",
    "datetimepicker",
    "users_select",
]


@st.composite
def element_values(draw: st.DrawFn) -> Any:
    """What one input could send: the right keys with wrong values, or wrong shapes."""
    kind = draw(st.sampled_from(ELEMENT_TYPES))
    value = {
        "type": kind,
        "value": draw(ANY_JSON),
        "selected_option": draw(st.one_of(ANY_JSON, st.fixed_dictionaries({"value": ANY_JSON}))),
        "selected_options": draw(
            st.one_of(ANY_JSON, st.lists(st.fixed_dictionaries({"value": ANY_JSON}), max_size=3))
        ),
        "selected_date": draw(ANY_JSON),
        "selected_date_time": draw(st.one_of(NUMBERS, WEIRD_TEXT, st.none())),
        "selected_user": draw(ANY_JSON),
    }
    return draw(st.one_of(st.just(value), ANY_JSON))


@st.composite
def submissions(draw: st.DrawFn, team: str, user: dict[str, str]) -> dict[str, Any]:
    form_id = draw(st.sampled_from(sorted(routes.FORMS)))
    metadata = draw(
        st.one_of(
            st.builds(
                lambda s: json.dumps({"f": form_id, "s": s}),
                st.one_of(ANY_JSON, st.dictionaries(st.sampled_from(_STATE_KEYS), ANY_JSON)),
            ),
            WEIRD_TEXT,
        )
    )
    blocks = draw(
        st.dictionaries(
            st.one_of(WEIRD_TEXT, st.sampled_from(_FIELD_NAMES)),
            st.one_of(st.dictionaries(WEIRD_TEXT, element_values(), max_size=2), ANY_JSON),
            max_size=5,
        )
    )
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "demo"},
        "user": user,
        "api_app_id": APP_ID,
        "trigger_id": draw(st.one_of(WEIRD_TEXT, st.just("1.U.t"))),
        "view": {
            "id": draw(st.one_of(WEIRD_TEXT, st.just("V00042"))),
            "type": "modal",
            "callback_id": form_id,
            "private_metadata": metadata,
            "state": {"values": blocks},
            "hash": "1.abc",
            "blocks": [],
        },
    }


@st.composite
def well_typed_value(draw: st.DrawFn) -> dict[str, Any]:
    """One input's value with the types Slack sends and hostile contents."""
    kind = draw(st.sampled_from(ELEMENT_TYPES))
    text = draw(WEIRD_TEXT)
    if kind in ("static_select", "radio_buttons"):
        return {"type": kind, "selected_option": {"value": text}}
    if kind in ("checkboxes", "multi_static_select"):
        return {
            "type": kind,
            "selected_options": [{"value": t} for t in draw(st.lists(WEIRD_TEXT, max_size=3))],
        }
    if kind == "datepicker":
        return {"type": kind, "selected_date": text}
    if kind == "datetimepicker":
        return {"type": kind, "selected_date_time": draw(st.integers(-(2**62), 2**62))}
    if kind == "users_select":
        return {"type": kind, "selected_user": text}
    return {"type": kind, "value": text}


@st.composite
def well_shaped_submissions(draw: st.DrawFn, team: str, user: dict[str, str]) -> dict[str, Any]:
    """A view submission shaped exactly like Slack's, for a real form, with hostile values in
    its inputs and in the state the form carries."""
    form_id = draw(st.sampled_from(sorted(routes.FORMS)))
    state = draw(st.dictionaries(st.sampled_from(_STATE_KEYS), SCALARS, max_size=4))
    blocks = draw(
        st.dictionaries(
            st.sampled_from(_FIELD_NAMES),
            st.builds(lambda v: {"input": v}, well_typed_value()),
            max_size=6,
        )
    )
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "demo"},
        "user": user,
        "api_app_id": APP_ID,
        "trigger_id": "1.U.t",
        "view": {
            "id": "V00042",
            "type": "modal",
            "callback_id": form_id,
            "private_metadata": json.dumps({"f": form_id, "s": state}),
            "state": {"values": blocks},
            "hash": "1.abc",
            "blocks": [],
        },
    }


@st.composite
def button_presses(draw: st.DrawFn, team: str, user: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": team, "domain": "demo"},
        "user": user,
        "api_app_id": APP_ID,
        "trigger_id": "1.U.t",
        "container": draw(st.one_of(ANY_JSON, st.just({"type": "view", "view_id": "VH1"}))),
        "actions": [
            {
                "action_id": draw(st.sampled_from(sorted(routes.ACTIONS))),
                "block_id": "buttons0",
                "value": draw(
                    st.one_of(
                        WEIRD_TEXT,
                        st.integers().map(str),
                        st.just(str(10**30)),
                        st.just("-1"),
                        st.just("1"),
                    )
                ),
                "type": "button",
                "action_ts": draw(st.one_of(WEIRD_TEXT, st.just("1.0"))),
            }
        ],
    }


# Names that forms really use, so some generated values land on real fields and states.
_FIELD_NAMES = [
    "response",
    "kind",
    "sub_kind",
    "categories",
    "tier",
    "people",
    "effective",
    "groups",
    "version",
    "title",
    "text",
    "url",
    "method",
    "signed_on",
    "evidence_ref",
    "training_completed_on",
    "answer",
    "question",
    "description",
    "categories",
    "expected_return",
    "device",
    "kind",
    "when",
    "reference",
    "email",
    "reason",
    "until",
    "outcomes",
]
_STATE_KEYS = ["version_id", "text_hash", "incident_id", "declaration_id", "step", "answers", "id"]

# SAFEKEEP_FUZZ_EXAMPLES=500 runs a longer search than the suite's (which stays quick).
HOSTILE = settings(
    max_examples=int(os.environ.get("SAFEKEEP_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize="SAFEKEEP_FUZZ_EXAMPLES" not in os.environ,
)


def _no_server_errors(slack, caplog, factory, payload: dict[str, Any]) -> None:
    caplog.clear()
    answer = slack.post_payload(payload)
    assert answer.status < 500, (answer.status, answer.text[:200])
    assert "Traceback" not in caplog.text
    with factory() as session:
        assert audit.verify(session) == []


def _lone_surrogate(payload: dict[str, Any]) -> bool:
    try:
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


@pytest.fixture
def teacher(slack, school) -> dict[str, str]:
    return slack._user("teacher@example.org")


@HOSTILE
@given(data=st.data())
def test_any_signed_view_submission_gets_a_clear_answer_never_a_500(
    slack, school, teacher, factory, caplog, data
):
    caplog.set_level(logging.INFO)
    payload = data.draw(submissions(slack.team_id, teacher))
    _no_server_errors(slack, caplog, factory, payload)


@HOSTILE
@given(data=st.data())
def test_a_well_shaped_submission_with_hostile_values_gets_a_clear_answer(
    slack, school, teacher, factory, caplog, data
):
    caplog.set_level(logging.INFO)
    payload = data.draw(well_shaped_submissions(slack.team_id, teacher))
    caplog.clear()
    answer = slack.post_payload(payload)
    # Only a lone surrogate, which is not Unicode at all, makes a well-shaped payload a 400.
    expected = 400 if _lone_surrogate(payload) else 200
    assert answer.status == expected, (answer.status, answer.text[:200])
    assert "Traceback" not in caplog.text
    with factory() as session:
        assert audit.verify(session) == []


@HOSTILE
@given(data=st.data())
def test_any_signed_button_press_gets_a_clear_answer_never_a_500(
    slack, school, teacher, factory, caplog, data
):
    caplog.set_level(logging.INFO)
    payload = data.draw(button_presses(slack.team_id, teacher))
    _no_server_errors(slack, caplog, factory, payload)
