"""Engines, sessions and schema checks for SQLite (default) and PostgreSQL (production).

Alembic is imported only to migrate: the schema check every server makes at start-up reads the
version table and the migration files itself, so a server never loads Alembic (and Mako).
"""

from __future__ import annotations

import ast
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default, which migrations/env.py keeps


class SchemaOutOfDate(Exception):
    """The database is behind the code; the message says to run migrate."""


def normalise_url(url: str) -> str:
    """Accept the URLs hosting platforms hand out and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with Safekeep's connection settings (WAL and write-locking on SQLite)."""
    url = normalise_url(url)
    # Error messages must never carry bound values into logs: they can be free text.
    kwargs.setdefault("hide_parameters", True)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT}, **kwargs)
        _configure_sqlite(engine)
        return engine
    # Keepalives let a dropped network path fail in about a minute instead of hanging, which
    # matters most for the worker's long-held leader-election connection.
    keepalives = {
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }
    return create_engine(url, pool_pre_ping=True, connect_args=keepalives, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    # Writers of this process take turns here before asking SQLite for its write lock: a
    # waiting writer is woken the moment the one before it finishes, where SQLite's own busy
    # handler polls with growing sleeps (up to 100 ms), which made twenty reports at once take
    # twice as long as one after another. Other processes still meet SQLite's busy timeout.
    turn = threading.Lock()

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event start transactions (pysqlite's own is lazy).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT * 1000:.0f}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Any) -> None:
        # Take the write lock up front: a transaction that read and then writes can never
        # fail half-way with SQLITE_BUSY, and audit-chain appends are serialised. Work that
        # usually only reads (opening a form) asks for no lock: see ``without_write_lock``.
        if conn.get_execution_options().get(READ_FIRST):
            conn.exec_driver_sql("BEGIN")
            return
        # A turn is waited for only briefly: a long transaction (a trust's sweep) or anything
        # unforeseen holding it leaves the others to SQLite's busy timeout, never stuck here.
        conn.info[_HAS_TURN] = turn.acquire(timeout=TURN_WAIT)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _end_turn(conn.info)
            raise

    def _end_turn(info: dict[str, Any]) -> None:
        if info.pop(_HAS_TURN, False):
            turn.release()

    # SQLAlchemy announces a commit or rollback before it makes it, so a turn given back then
    # let the next writer's BEGIN IMMEDIATE meet the write lock still held (the COMMIT and its
    # fsync not yet done) and fall into SQLite's busy handler, which sleeps 1, 2, 5 ms... before
    # looking again: every report of twenty at once waited so for the one before. So a writer
    # ends its transaction itself here, then gives the turn back; SQLAlchemy's own COMMIT or
    # ROLLBACK after this event finds no transaction and does nothing.
    @event.listens_for(engine, "commit")
    def on_commit(conn: Any) -> None:
        _end_first(conn, "COMMIT")

    @event.listens_for(engine, "rollback")
    def on_rollback(conn: Any) -> None:
        _end_first(conn, "ROLLBACK")

    def _end_first(conn: Any, end: str) -> None:
        try:
            dbapi_connection = conn.connection.dbapi_connection
            if conn.info.get(_HAS_TURN) and dbapi_connection.in_transaction:
                try:
                    dbapi_connection.execute(end)
                except sqlite3.Error as exc:
                    raise DBAPIError.instance(
                        end, None, exc, sqlite3.Error, hide_parameters=True, dialect=engine.dialect
                    ) from exc
        finally:
            _end_turn(conn.info)

    @event.listens_for(engine.pool, "checkin")
    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        _end_turn(record.info)  # a connection given back mid-transaction (an error, a close)


BUSY_TIMEOUT = 30.0  # seconds a SQLite writer waits for another's write lock
TURN_WAIT = 1.0  # seconds a writer waits for its turn in this process before asking SQLite
_HAS_TURN = "safekeep_write_turn"  # set in a connection's info while it holds this process's turn


# The execution option that starts a SQLite transaction without the write lock.
READ_FIRST = "safekeep_read_first"
# SQLite's "database is locked" (SQLITE_BUSY) and its WAL form: a transaction that began
# reading without the write lock cannot write once another transaction has written since.
# And SQLITE_READONLY: a connection that may only read was asked to write (bot/turn.py, Quick).
_WRITE_REFUSED = frozenset({5, 517, 8})


def without_write_lock(session: Session) -> None:
    """Begin ``session``'s transaction without SQLite's write lock (no effect on PostgreSQL).

    Call it before the session's first statement. Readers never wait for writers then, but a
    write may fail with ``is_write_conflict`` if another transaction wrote after this one began
    reading: the caller runs its work again in a transaction that takes the lock."""
    session.connection(execution_options={READ_FIRST: True})


def is_write_conflict(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) is SQLite refusing a write for another's write lock
    (or on a connection that may only read)."""
    chain: list[BaseException] = [exc]
    while chain:
        seen = chain.pop()
        if getattr(seen, "sqlite_errorcode", None) in _WRITE_REFUSED:
            return True
        wrapped = getattr(seen, "orig", None)
        chain.extend(e for e in (wrapped, seen.__cause__) if isinstance(e, BaseException))
    return False


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit if the block succeeds, roll back if it raises."""
    with factory() as session, session.begin():
        yield session


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


@dataclass(frozen=True)
class Upgraded:
    """What an upgrade did: the schema revision before (None: an empty database) and after."""

    before: str | None
    after: str | None

    @property
    def created(self) -> bool:
        return self.before is None and self.after is not None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def upgrade(engine: Engine, revision: str = "head") -> Upgraded:
    """Bring the schema up to date (the only way the schema changes); says what it did."""
    from alembic import command

    before = current_revision(engine)
    command.upgrade(alembic_config(engine), revision)
    return Upgraded(before, current_revision(engine))


def head_revision() -> str | None:
    """The newest schema revision this code has: the one no migration revises (None: none).

    Read from each migration file's ``revision`` and ``down_revision`` lines without running
    it, as Alembic would find it (tests/storage/test_migrations.py compares the two)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        lines = _revision_lines(path)
        if "revision" not in lines:  # an __init__.py, say: not a migration
            continue
        revisions.add(lines["revision"])
        down = lines.get("down_revision")
        revised.update([down] if isinstance(down, str) else down or ())
    heads = sorted(revisions - revised)
    if len(heads) > 1:
        raise RuntimeError(f"the migrations have more than one head: {', '.join(heads)}")
    return heads[0] if heads else None


def _revision_lines(path: Path) -> dict[str, Any]:
    """A migration file's top-level ``revision`` and ``down_revision`` values."""
    found: dict[str, Any] = {}
    for node in ast.parse(path.read_text(encoding="utf-8"), str(path)).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
            found[target.id] = ast.literal_eval(value)
    return found


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, from Alembic's version table (None: empty)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        # More than one row would be a branched history, which Alembic refuses too: so do we.
        version: str | None = conn.execute(
            text(f"SELECT version_num FROM {VERSION_TABLE}")
        ).scalar_one_or_none()
        return version


def check_schema(engine: Engine) -> None:
    """Refuse to run on a database whose schema is behind (or ahead of) this code."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        where = "is empty" if current is None else f"is at revision {current}"
        raise SchemaOutOfDate(
            f"The database {where}, but this version of Safekeep needs revision {head}. "
            "Run: python -m bot migrate"
        )
