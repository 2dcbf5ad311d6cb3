"""school.toml's [aup]: the groups a document applies to, several documents with
[[aup.documents]] (the single [aup] table still works), and the training-date setting."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from handlers import admin
from handlers.context import Context
from handlers.school_config import ConfigError, load_school_config
from storage.database import transaction
from storage.models import AupVersion
from storage.models.school import ROLE_GROUPS
from tests.bot.test_config import MINIMAL, write_toml

SEVERAL = (
    MINIMAL
    + """
[aup]
version = "2026.1"
title = "Staff AUP"
text = "Staff wording."
groups = ["teaching", "support"]
effective = 2026-09-01
training_date = true

[[aup.documents]]
version = "2026.V1"
title = "Volunteers' and visitors' AUP"
text = "Volunteer wording."
groups = ["volunteer", "visitor"]
effective = 2026-09-01

[[aup.documents]]
version = "2026.G1"
title = "Governors' AUP"
url = "https://www.example.org/governors-aup"
groups = ["governor"]
"""
)


def test_several_documents_each_with_its_groups_are_read(tmp_path):
    config = load_school_config(write_toml(tmp_path, SEVERAL))
    assert config.aup is not None and config.aup.groups == ("teaching", "support")
    assert [(d.version, d.groups) for d in config.aup_documents] == [
        ("2026.1", ("teaching", "support")),
        ("2026.V1", ("volunteer", "visitor")),
        ("2026.G1", ("governor",)),
    ]
    assert config.aup_documents[2].url == "https://www.example.org/governors-aup"
    assert config.settings.aup_training_date is True


def test_a_single_aup_table_without_groups_still_applies_to_everyone(tmp_path):
    path = write_toml(tmp_path, MINIMAL + '[aup]\nversion = "1"\ntitle = "AUP"\ntext = "Hi."\n')
    config = load_school_config(path)
    assert [d.groups for d in config.aup_documents] == [ROLE_GROUPS]
    assert config.settings.aup_training_date is False


def test_every_document_is_published_for_its_groups(tmp_path, factory, clock):
    config = load_school_config(write_toml(tmp_path, SEVERAL))
    with transaction(factory) as session:
        school = admin.create_school(session, "Test Primary", "console", clock())
        admin.apply_school_config(Context(session, school, None, clock), config)
    with factory() as session:
        published = session.scalars(select(AupVersion).order_by(AupVersion.id)).all()
    assert [(v.version, v.groups) for v in published] == [
        ("2026.1", ["teaching", "support"]),
        ("2026.V1", ["volunteer", "visitor"]),
        ("2026.G1", ["governor"]),
    ]
    assert published[2].effective_date == date(2000, 1, 1)


@pytest.mark.parametrize(
    ("body", "key", "problem"),
    [
        ('[aup]\nversion = "1"\ntitle = "A"\ntext = "T"\ngroups = ["pupils"]\n', "aup.groups", ""),
        ('[aup]\nversion = "1"\ntitle = "A"\ntext = "T"\ngroups = []\n', "aup.groups", ""),
        ("[aup]\ntraining_date = 1\n", "aup.training_date", "must be true or false"),
        (
            '[[aup.documents]]\nversion = "1"\ntitle = "A"\ntext = "T"\ncolour = "red"\n',
            "aup.documents[0].colour",
            "is not a document setting",
        ),
        ('[[aup.documents]]\ntitle = "A"\ntext = "T"\n', "aup.documents[0].version", "required"),
        (
            '[aup]\nversion = "1"\ntitle = "A"\ntext = "T"\n'
            '[[aup.documents]]\nversion = "1"\ntitle = "B"\ntext = "U"\n',
            "aup.documents",
            "its own version (1 twice)",
        ),
    ],
)
def test_a_mistake_in_the_aup_documents_names_the_key(tmp_path, body, key, problem):
    path = write_toml(tmp_path, MINIMAL + body)
    with pytest.raises(ConfigError) as caught:
        load_school_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: '{key}' "), message
    assert problem in message
    if key.endswith("groups"):
        assert "must list some of teaching, support, governor" in message
