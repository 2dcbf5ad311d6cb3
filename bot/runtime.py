"""Start-up wiring shared by every command: settings, keys, engine, schema check, the school."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from handlers import admin
from handlers.clock import Clock
from handlers.context import Context
from handlers.errors import UserError
from handlers.school_config import SchoolConfig
from storage import crypto, rotation
from storage.database import check_schema, make_engine, session_factory, transaction
from storage.models import School

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    clock: Clock


def start(settings: Settings, *, allow_local_key: bool, clock: Clock) -> Runtime:
    """Load keys, connect, and refuse to run on an out-of-date schema."""
    engine = make_engine(settings.database_url)
    crypto.use_keys(
        settings.key_ring(
            allow_local_key=allow_local_key, keys_in_use=lambda: rotation.key_ids_in_use(engine)
        )
    )
    check_schema(engine)
    check_keys_open_the_data(engine, crypto.active_keys())
    return Runtime(settings, engine, session_factory(engine), clock)


def check_keys_open_the_data(engine: Engine, ring: crypto.KeyRing) -> None:
    """Refuse to start when the stored data needs a key this process lacks: a key id that is
    not configured, or a different key under the same id (one stored value of each encrypted
    column is opened). Raises MissingKeyError, whose message names the key id and where keys
    come from, so nobody meets the problem later in the middle of a report."""
    for key_id in sorted(rotation.key_ids_in_use(engine)):
        ring.require(key_id)
    for values in rotation.samples(engine, per_column=1).values():
        for value in values:
            ring.open(value)


def configure_school(rt: Runtime, school_id: int, config: SchoolConfig) -> None:
    with transaction(rt.factory) as session:
        school = session.get_one(School, school_id)
        admin.apply_school_config(Context(session, school, None, rt.clock), config)


CONSOLE = "console"
NOT_FOR_THE_CONSOLE = (
    "this database holds the {platform} school '{name}' (id {id}). The console runs only on a "
    "school of its own, so it has changed nothing (it would have put its demo staff and roles, "
    "or your school.toml, into '{name}'). To try the console, give it a database of its own: "
    "DATABASE_URL=sqlite:///console.db python -m bot migrate, then "
    "DATABASE_URL=sqlite:///console.db python -m bot console"
)


def ensure_console_school(rt: Runtime, config: SchoolConfig) -> int:
    """The console's school, with ``config`` applied: the database's console school, or a new one
    when the database has no school at all.

    A Slack or Teams school is never the console's: applying the demo (or a school.toml) to it
    would rename it and hand its roles to example.org people, and the console would hold up its
    DMs. So a database with only such schools is refused, with a way forward."""
    with transaction(rt.factory) as session:
        school = session.scalar(
            select(School).where(School.platform == CONSOLE).order_by(School.id).limit(1)
        )
        if school is None:
            other = session.scalar(select(School).order_by(School.id).limit(1))
            if other is not None:
                platform = {"slack": "Slack", "teams": "Microsoft Teams"}.get(
                    other.platform, other.platform
                )
                raise UserError(
                    NOT_FOR_THE_CONSOLE.format(platform=platform, name=other.name, id=other.id)
                )
            school = admin.create_school(session, config.name, CONSOLE, rt.clock())
            log.info("created school %s for the console", school.id)
        school_id = school.id
    configure_school(rt, school_id, config)
    return school_id
