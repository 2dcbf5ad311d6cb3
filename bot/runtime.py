"""Start-up wiring shared by every command: settings, keys, engine, schema check, the school."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import SchoolConfig, Settings
from handlers import admin
from handlers.clock import Clock, system_clock
from handlers.context import Context
from storage import crypto
from storage.database import check_schema, make_engine, session_factory, transaction
from storage.models import School

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    clock: Clock


def start(settings: Settings, *, allow_local_key: bool, clock: Clock = system_clock) -> Runtime:
    """Load keys, connect, and refuse to run on an out-of-date schema."""
    crypto.use_keys(settings.key_ring(allow_local_key=allow_local_key))
    engine = make_engine(settings.database_url)
    check_schema(engine)
    return Runtime(settings, engine, session_factory(engine), clock)


def configure_school(rt: Runtime, school_id: int, config: SchoolConfig) -> None:
    with transaction(rt.factory) as session:
        school = session.get_one(School, school_id)
        admin.apply_school_config(Context(session, school, None, rt.clock), config)


def ensure_console_school(rt: Runtime, config: SchoolConfig) -> int:
    """The console's school: the first school in the database, created from config if none."""
    with transaction(rt.factory) as session:
        school = session.scalar(select(School).order_by(School.id).limit(1))
        if school is None:
            school = admin.create_school(session, config.name, "console", rt.clock())
            log.info("created school %s for the console", school.id)
        school_id = school.id
    configure_school(rt, school_id, config)
    return school_id
