"""Free text and tokens are encrypted at rest; rotation keeps old rows readable."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from storage import crypto, rotation
from storage.crypto import KeyConfigError, KeyRing, MissingKeyError
from storage.database import transaction
from storage.models import AupAcknowledgement, Person, School

SECRET = "Question about the visitor Wi-Fi policy zebra-7731"


def _store_question(factory: sessionmaker[Session], school: School, person: Person) -> int:
    from handlers.aup import roster
    from handlers.context import Context
    from tests.conftest import TEST_KEYS  # noqa: F401  (the session key ring is active)

    with transaction(factory) as session:
        ctx = Context(
            session,
            session.get_one(School, school.id),
            session.get_one(Person, person.id),
            lambda: school.created_at,
        )
        version = roster.versions_in_force(ctx)[0]
        assert version is not None
        row = AupAcknowledgement(
            school_id=school.id,
            person_id=person.id,
            aup_version_id=version.id,
            version=version.version,
            text_hash=version.text_hash,
            cycle="",
            acknowledged_at=school.created_at,
            platform="console",
            question=SECRET,
        )
        session.add(row)
        session.flush()
        return row.id


def test_free_text_is_not_in_the_database_in_plaintext(factory, school, staff, database_url):
    row_id = _store_question(factory, school, staff)
    with factory() as session:
        raw = session.execute(
            text("SELECT question FROM aup_acknowledgements WHERE id = :id"), {"id": row_id}
        ).scalar_one()
        assert SECRET not in raw and raw.startswith("sk1:test:")
        assert session.get_one(AupAcknowledgement, row_id).question == SECRET
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        sqlite3.connect(path).execute("PRAGMA wal_checkpoint(FULL)").close()
        for file in path.parent.glob(path.name + "*"):
            assert b"zebra-7731" not in file.read_bytes()


def test_rotation_reseals_old_rows_under_the_newest_key_and_keeps_them_readable(
    factory, school, staff
):
    row_id = _store_question(factory, school, staff)
    old = crypto.active_keys()
    new_ring = KeyRing([crypto.KeyRing.parse(crypto.new_key_spec("k2")).keys[0], *old.keys])
    crypto.use_keys(new_ring)
    try:
        with factory() as session:  # before rotation: the old key still opens the row
            assert session.get_one(AupAcknowledgement, row_id).question == SECRET
        with transaction(factory) as session:
            assert rotation.rotate(session, new_ring) >= 1
        with transaction(factory) as session:
            assert rotation.rotate(session, new_ring) == 0
        with factory() as session:
            raw = session.execute(text("SELECT question FROM aup_acknowledgements")).scalar_one()
            assert raw.startswith("sk1:k2:")
        crypto.use_keys(KeyRing([new_ring.keys[0]]))  # the old key can now be retired
        with factory() as session:
            assert session.scalars(select(AupAcknowledgement.question)).one() == SECRET
    finally:
        crypto.use_keys(old)


def test_a_value_sealed_with_a_removed_key_names_the_missing_key():
    ring = KeyRing.parse(crypto.new_key_spec("old"))
    sealed = ring.seal("x")
    with pytest.raises(MissingKeyError, match="'old'"):
        KeyRing.parse(crypto.new_key_spec("new")).open(sealed)


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("", "No data keys"),
        ("nokey", "id:base64key"),
        ("k1:not-base64!", "not valid base64"),
        ("k1:c2hvcnQ=", "32 bytes"),
        ("k1:" + "A" * 43 + "=,k1:" + "A" * 43 + "=", "same key id twice"),
    ],
)
def test_bad_key_settings_are_refused_with_a_clear_message(spec, problem):
    with pytest.raises(KeyConfigError, match=problem):
        KeyRing.parse(spec)
