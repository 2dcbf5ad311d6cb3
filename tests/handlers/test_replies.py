"""What a DM says once its button's action is done, and how lists read in a sentence."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.replies import done_note, listed

LONDON = ZoneInfo("Europe/London")


def test_a_done_dm_names_the_button_and_the_local_time_it_was_done():
    at = datetime(2026, 11, 26, 14, 5, tzinfo=LONDON)
    assert done_note("Acknowledge", at) == "Acknowledge · Thu 26 Nov 14:05"
    assert done_note("", at) == "Done · Thu 26 Nov 14:05"


@pytest.mark.parametrize(
    ("items", "last", "sentence"),
    [
        ([], "and", ""),
        (["the DPO"], "or", "the DPO"),
        (["DPO", "DSL"], "or", "DPO or DSL"),
        (["DPO", "Headteacher", "DSL"], "or", "DPO, Headteacher or DSL"),
        (["DPO", "Headteacher", "DSL"], "and", "DPO, Headteacher and DSL"),
    ],
)
def test_a_list_reads_as_a_sentence_with_its_last_word(items, last, sentence):
    assert listed(items, last) == sentence


def test_every_refusal_joins_its_roles_with_or():
    from handlers.access import PERMISSIONS, ROLE_LABELS, require
    from handlers.errors import Refused

    class Nobody:
        role_names: frozenset[str] = frozenset()

    class Ctx:
        actor = Nobody()

        def audit(self, *args, **kwargs):
            pass

    for permission, roles in PERMISSIONS.items():
        with pytest.raises(Refused) as refused:
            require(Ctx(), permission)  # type: ignore[arg-type]
        labels = sorted(ROLE_LABELS[r] for r in roles)
        names = f"{', '.join(labels[:-1])} or {labels[-1]}" if len(labels) > 1 else labels[0]
        expected = f"only the {names} can do that."
        assert expected in refused.value.message
