"""Data keys: no new key for a database that already holds encrypted data, a key id of its own
for every generated key, and a clear message (never a traceback) when data needs a missing key.
"""

from __future__ import annotations

import sqlite3

import pytest

from bot.cli import main
from storage import crypto
from tests.conftest import PG_URL, TEST_KEYS
from tests.drivers.program import ROOT, program_env, run_bot, strip_own_settings
from tests.e2e.test_console_offsite import DETAILS, PLANNING_AND_MARKING_ON_PAPER

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="key files are for SQLite only")


@pytest.fixture
def restore_keys():
    yield
    crypto.use_keys(TEST_KEYS)


def _run(capsys, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    return code, capsys.readouterr().err


@sqlite_only
def test_a_database_copied_without_its_key_file_is_refused_and_no_key_is_made(
    console, database_url, monkeypatch, capsys, restore_keys, tmp_path
):
    console.say(
        "/aup", "question", "May I use the visitor Wi-Fi on my phone?"
    )  # sealed with key 'test'
    copy = tmp_path / "copied" / "safekeep.db"
    copy.parent.mkdir()
    source, target = sqlite3.connect(database_url.removeprefix("sqlite:///")), sqlite3.connect(copy)
    source.backup(target)  # a consistent copy of the database file, WAL included
    source.close()
    target.close()
    strip_own_settings(monkeypatch, DATABASE_URL=f"sqlite:///{copy}")
    for argv in (("export", "aup"), ("audit", "verify"), ("roles", "list")):
        code, err = _run(capsys, *argv)
        assert code == 2, argv
        assert "already holds data encrypted with key 'test'" in err
        assert "SAFEKEEP_DATA_KEYS" in err and "key file" in err
        assert "Traceback" not in err
    assert not (copy.parent / "safekeep.key").exists()


@sqlite_only
def test_an_empty_database_gets_a_key_file_with_an_id_of_its_own(monkeypatch, capsys, tmp_path):
    strip_own_settings(monkeypatch, DATABASE_URL=f"sqlite:///{tmp_path / 'safekeep.db'}")
    assert _run(capsys, "migrate")[0] == 0
    assert _run(capsys, "audit", "verify")[0] == 0
    key_id = (tmp_path / "safekeep.key").read_text().split(":")[0]
    assert key_id.startswith("local-") and len(key_id) > len("local-")
    crypto.use_keys(TEST_KEYS)


@sqlite_only
def test_an_export_that_needs_a_different_key_says_which_and_where_keys_come_from(
    console, database_url, monkeypatch, capsys, restore_keys, tmp_path
):
    """The old way to lose data: a key file made anew under the same id ('local')."""
    old = crypto.new_key_spec("local")
    crypto.use_keys(crypto.KeyRing.parse(old))
    console.say("/offsite", *PLANNING_AND_MARKING_ON_PAPER, *DETAILS)  # sealed with the old key
    db = database_url.removeprefix("sqlite:///")
    (tmp_path / "safekeep.key").write_text(crypto.new_key_spec("local") + "\n")  # not the same
    strip_own_settings(monkeypatch, DATABASE_URL=f"sqlite:///{db}")
    code, err = _run(capsys, "export", "offsite")
    assert code == 2
    assert err.startswith("safekeep: Stored data was encrypted with key 'local', but the key ")
    assert "is a different one" in err and "SAFEKEEP_DATA_KEYS" in err
    assert "Traceback" not in err and "InvalidTag" not in err


def test_an_export_that_needs_a_missing_key_id_names_it(
    console, database_url, monkeypatch, capsys, restore_keys
):
    console.say("/offsite", *PLANNING_AND_MARKING_ON_PAPER, *DETAILS)  # sealed with key 'test'
    other = crypto.new_key_spec("k2")
    strip_own_settings(monkeypatch, DATABASE_URL=database_url, SAFEKEEP_DATA_KEYS=other)
    code, err = _run(capsys, "export", "offsite")
    assert code == 2
    assert "encrypted with key 'test', which SAFEKEEP_DATA_KEYS does not hold (it holds k2)" in err


def test_a_register_in_chat_that_needs_a_missing_key_says_which_key_is_needed(
    chat, console, restore_keys
):
    console.say("/offsite", *PLANNING_AND_MARKING_ON_PAPER, *DETAILS)  # sealed with key 'test'
    crypto.use_keys(crypto.KeyRing.parse(crypto.new_key_spec("test")))  # same id, other key
    chat.as_person("head@example.org")
    seen = chat.command("/offsite register")
    assert "they need the data key 'test', which this server does not have" in seen
    assert "SAFEKEEP_DATA_KEYS" in seen and "python -m bot doctor" in seen
    assert "Sorry, Safekeep could not do that" not in seen


@pytest.mark.parametrize("keys", ["k2", "test"], ids=["missing id", "other key, same id"])
def test_servers_refuse_to_start_when_the_keys_cannot_open_the_stored_data(
    console, database_url, keys
):
    """Found at start-up, before anyone meets it in the middle of a report."""
    console.say(
        "/aup", "question", "May I use the visitor Wi-Fi on my phone?"
    )  # sealed with key 'test'
    env = program_env(DATABASE_URL=database_url, SAFEKEEP_DATA_KEYS=crypto.new_key_spec(keys))
    done = run_bot("worker", cwd=ROOT, env=env, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "safekeep: Stored data was encrypted with key 'test'" in done.stderr
    assert "Traceback" not in done.stderr and "worker started" not in done.stderr
