"""Shared fixtures: a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL), a frozen
clock, the demo school with every role filled, a console test bot, the Slack driver and `chat`,
which runs a journey through every adapter."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, inspect, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from bot.demo import demo_config
from handlers import admin, people
from handlers.clock import FrozenClock
from handlers.context import Context
from storage import crypto
from storage.database import make_engine, session_factory, transaction, upgrade
from storage.models import Base, Person, School
from tests.drivers.console import ConsoleBot
from tests.drivers.slack import slack  # noqa: F401  (the `slack` fixture)
from tests.drivers.teams import teams  # noqa: F401  (the `teams` fixture)
from tests.journeys.chat import chat  # noqa: F401  (the `chat` fixture: every adapter)

# A developer's own `.env` in the repository folder must not change what in-process commands do.
os.environ["SAFEKEEP_ENV_FILE"] = os.devnull

LONDON = ZoneInfo("Europe/London")
TEST_KEYS = crypto.KeyRing.parse(crypto.new_key_spec("test"))
DEMO_MADE = date(2025, 9, 1)
PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
if PG_URL and os.environ.get("PYTEST_XDIST_WORKER"):
    # Each pytest-xdist worker has a database of its own beside TEST_DATABASE_URL's (made on
    # first use), so workers never empty each other's tables or share advisory locks.
    PG_URL = (
        make_url(PG_URL)
        .set(database=f"{make_url(PG_URL).database}_{os.environ['PYTEST_XDIST_WORKER']}")
        .render_as_string(hide_password=False)
    )


def london(*args: int) -> datetime:
    """A London wall-clock time as an aware datetime: london(2026, 11, 24, 10, 0)."""
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


@pytest.fixture(autouse=True, scope="session")
def data_keys() -> crypto.KeyRing:
    crypto.use_keys(TEST_KEYS)
    return TEST_KEYS


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database made once per run: a SQLite file to copy, or the PostgreSQL URL."""
    if PG_URL:
        _create_database(PG_URL)
        engine = make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade(engine)
        engine.dispose()
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return str(path)


def _create_database(url: str) -> None:
    """Create the test database if it does not exist (a worker's own, under pytest-xdist)."""
    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
        # A throwaway database: its commits need not wait for the disk (about 3 ms each on the
        # development machine, against 0.1 ms without), which made the PostgreSQL run far slower
        # than SQLite's. Every connection to it, the tests' subprocesses' included, gets this.
        conn.execute(text(f'ALTER DATABASE "{target.database}" SET synchronous_commit TO off'))
    server.dispose()


@pytest.fixture(scope="session")
def empty_postgres(migrated_template: str) -> Iterator[Callable[[], None]]:
    """Empties the PostgreSQL test database between tests (DELETE is far quicker than TRUNCATE
    for small tables) and restarts every id sequence, so each test starts from #1."""
    engine = make_engine(migrated_template)
    ours = [t.name for t in reversed(Base.metadata.sorted_tables)]
    extra = [n for n in inspect(engine).get_table_names() if n not in {*ours, "alembic_version"}]
    statements = [text(f'DELETE FROM "{name}"') for name in (*extra, *ours)]
    restart = text("SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'")

    def empty() -> None:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(statement)
            conn.execute(restart)

    yield empty
    engine.dispose()


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, migrated, empty database for one test."""
    if PG_URL:
        request.getfixturevalue("empty_postgres")()
        return PG_URL
    path = tmp_path / "safekeep.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def clock() -> FrozenClock:
    """Tuesday 24 November 2026, 10:00 in London: a school day in the Autumn term."""
    return FrozenClock(london(2026, 11, 24, 10, 0))


@pytest.fixture
def school(factory: sessionmaker[Session], clock: FrozenClock) -> School:
    """The demo school: eleven fictional staff at example.org with every role filled."""
    with transaction(factory) as session:
        row = admin.create_school(session, "Demo Primary School", "console", clock())
        # The demo as made on its first school day of 2025/26: the fixed clock is then in the
        # second of its two years, so tests can also look back at the 2025/26 terms.
        admin.apply_school_config(Context(session, row, None, clock), demo_config(DEMO_MADE))
    return row


def _person(factory: sessionmaker[Session], school: School, email: str) -> Person:
    with factory() as session:
        found = people.find_by_email(session, school.id, email)
        assert found is not None, email
        return found


@pytest.fixture
def staff(factory: sessionmaker[Session], school: School) -> Person:
    """A class teacher with no special role."""
    return _person(factory, school, "teacher@example.org")


@pytest.fixture
def dsl(factory: sessionmaker[Session], school: School) -> Person:
    return _person(factory, school, "dsl@example.org")


@pytest.fixture
def head(factory: sessionmaker[Session], school: School) -> Person:
    return _person(factory, school, "head@example.org")


@pytest.fixture
def dpo(factory: sessionmaker[Session], school: School) -> Person:
    return _person(factory, school, "dpo@example.org")


@pytest.fixture
def console(factory: sessionmaker[Session], clock: FrozenClock, school: School) -> ConsoleBot:
    """The console adapter with scripted typing, acting as the class teacher."""
    return ConsoleBot(factory, clock, school.id, "teacher@example.org")
