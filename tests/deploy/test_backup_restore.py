"""The README's backup and restore drill, command for command: back up the database *and* its
keys, restore both, and `doctor` passes; restore the database without its keys, and `doctor`
fails and names the key it needs. On SQLite always; on PostgreSQL when TEST_DATABASE_URL is set
and pg_dump and pg_restore are on the PATH."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from bot.cli import main
from storage import crypto
from storage.database import transaction
from storage.models import AupAcknowledgement
from tests.bot.test_doctor import TEST_KEY_SPEC
from tests.conftest import PG_URL, TEST_KEYS
from tests.drivers.program import strip_own_settings
from tests.storage.test_encryption import SECRET, _store_question


def _doctor(monkeypatch, capsys, clock, **settings: str) -> tuple[int, str]:
    strip_own_settings(monkeypatch, **settings)
    capsys.readouterr()
    try:
        code = main(["doctor"], clock=clock)
    finally:
        crypto.use_keys(TEST_KEYS)
    return code, capsys.readouterr().out


def _shell(script: str, cwd: Path) -> None:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(bool(PG_URL), reason="the SQLite drill")
@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="no sqlite3 command here")
def test_sqlite_backup_with_the_key_file_restores_and_passes_doctor(
    factory, school, staff, database_url, clock, monkeypatch, capsys, tmp_path
):
    live = Path(database_url.removeprefix("sqlite:///"))
    key_file = live.parent / "safekeep.key"
    key_file.write_text(TEST_KEY_SPEC + "\n")
    key_file.chmod(0o600)  # as the console makes it
    _store_question(factory, school, staff)  # encrypted data, still in the WAL
    backups, restored, keyless = (tmp_path / d for d in ("backups", "restored", "keyless"))
    for folder in (backups, restored, keyless):
        folder.mkdir()

    # README "Backups": a consistent copy of the live database, and the key file beside it.
    _shell(
        f"sqlite3 {live} \".backup '{backups}/safekeep.db'\"\n"
        f"cp -p {live.parent}/safekeep.key {backups}/safekeep.key\n",
        cwd=tmp_path,
    )
    # README "Restore": the old -wal and -shm files out of the way, both files back; then doctor.
    _shell(
        f"rm -f {restored}/safekeep.db-wal {restored}/safekeep.db-shm\n"
        f"cp -p {backups}/safekeep.db {backups}/safekeep.key {restored}/\n",
        cwd=tmp_path,
    )
    code, out = _doctor(
        monkeypatch, capsys, clock, DATABASE_URL=f"sqlite:///{restored}/safekeep.db"
    )
    assert code == 0, out
    assert "✓ encrypted data: a sample of 1 stored value(s) decrypts" in out

    # The database without its key: doctor fails and says which key, and where keys come from.
    _shell(f"cp -p {backups}/safekeep.db {keyless}/", cwd=tmp_path)
    code, out = _doctor(monkeypatch, capsys, clock, DATABASE_URL=f"sqlite:///{keyless}/safekeep.db")
    assert code == 1
    assert f"✗ data keys: The database {keyless}/safekeep.db already holds" in out
    assert "already holds data encrypted with key 'test'" in out and "SAFEKEEP_DATA_KEYS" in out
    assert not (keyless / "safekeep.key").exists()  # and no key was made for it


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")
@pytest.mark.skipif(
    shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
    reason="pg_dump and pg_restore are not on the PATH",
)
def test_postgresql_dump_and_restore_with_the_keys_passes_doctor(
    factory, school, staff, database_url, clock, monkeypatch, capsys, tmp_path
):
    _store_question(factory, school, staff)
    dump = tmp_path / "safekeep.dump"
    # README "Backups": a custom-format dump (the keys are backed up apart from it).
    _shell(f"pg_dump --format=custom --file={dump} '{database_url}'", cwd=tmp_path)
    with transaction(factory) as session:  # the disaster
        session.execute(delete(AupAcknowledgement))
    # README "Restore": into the (emptied or new) database, then doctor with the keys.
    _shell(
        f"pg_restore --clean --if-exists --no-owner --dbname='{database_url}' {dump}", cwd=tmp_path
    )
    with factory() as session:
        assert session.scalars(select(AupAcknowledgement.question)).all() == [SECRET]
    code, out = _doctor(
        monkeypatch, capsys, clock, DATABASE_URL=database_url, SAFEKEEP_DATA_KEYS=TEST_KEY_SPEC
    )
    assert code == 0, out
    # Restored without its keys (a new key in their place): doctor fails and names the key.
    code, out = _doctor(
        monkeypatch,
        capsys,
        clock,
        DATABASE_URL=database_url,
        SAFEKEEP_DATA_KEYS=crypto.new_key_spec("k2"),
    )
    assert code == 1
    assert "✗ data keys: the stored data needs key 'test'" in out
