"""SQLite: the writers of one process take turns on the write lock (storage/database.py), and a
writer gives its turn back only once its COMMIT or ROLLBACK is done, so the next one's BEGIN
IMMEDIATE finds the lock free instead of sleeping in SQLite's busy handler (issue #15: twenty
reports at once are saved one after another)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Connection, Engine

from storage.database import is_sqlite, make_engine


def _unpatient(conn: Connection) -> None:
    """No busy timeout: a BEGIN IMMEDIATE that meets another's write lock fails at once."""
    conn.connection.dbapi_connection.execute("PRAGMA busy_timeout = 0")  # type: ignore[union-attr]


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_the_next_writer_finds_the_write_lock_free(database_url: str, engine: Engine, end: str):
    if not is_sqlite(engine):
        pytest.skip("PostgreSQL locks rows, not the database")
    own = make_engine(database_url)  # its own turns, and connections nobody else gets
    failed: list[BaseException] = []
    try:
        for _ in range(10):
            first_writes = threading.Event()

            def first(first_writes: threading.Event = first_writes) -> None:
                with own.connect() as conn:
                    trans = conn.begin()
                    conn.exec_driver_sql("UPDATE schools SET name = name")
                    first_writes.set()
                    time.sleep(0.02)  # the second is waiting for its turn by now
                    if end == "commit":
                        trans.commit()
                    else:
                        trans.rollback()

            def second(first_writes: threading.Event = first_writes) -> None:
                first_writes.wait()
                try:
                    with own.connect() as conn:
                        _unpatient(conn)
                        with conn.begin():
                            conn.exec_driver_sql("UPDATE schools SET name = name")
                except BaseException as exc:
                    failed.append(exc)

            threads = [threading.Thread(target=first), threading.Thread(target=second)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(10)
    finally:
        own.dispose()
    assert failed == []
