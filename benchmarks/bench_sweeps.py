"""One day's scheduler sweeps at trust scale, on SQLite and (optionally) PostgreSQL.

Builds a trust (by default 500 schools of 100 staff, 200,000 off-site declarations of which
10,000 are due today or overdue, the yearly AUP round open and nobody signed, and an open
breach in one school in ten) with bulk inserts, freezes the clock in a morning reminder window
inside the AUP round, and runs ``schedules.sweeps.run_all`` twice: the first sweep queues the
day's messages, the second must queue none. The same runs at a tenth of the size show whether
the number of statements grows with the data. Fake names ("Staff 123") and example.org emails.

Run ``python benchmarks/bench_sweeps.py --help``; see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, event, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_handlers import fresh_database  # noqa: E402
from bot.demo import DEMO_TERMS  # noqa: E402
from handlers.clock import FrozenClock  # noqa: E402
from handlers.settings import SchoolSettings  # noqa: E402
from schedules.sweeps import run_all  # noqa: E402
from storage import crypto  # noqa: E402
from storage.database import session_factory  # noqa: E402
from storage.models import (  # noqa: E402
    AupCampaign,
    AupVersion,
    Incident,
    OffsiteDeclaration,
    OffsiteItem,
    Person,
    RoleAssignment,
    School,
)
from storage.models.school import ROLE_GROUPS  # noqa: E402

LONDON = ZoneInfo("Europe/London")
# Monday 25 January 2027, 08:10 in London: a school day in the morning reminder window, the
# +14 school days reminder of the 2026/27 Spring AUP round (open Tue 5 Jan, due Fri 12 Feb).
SWEEP_AT = datetime(2027, 1, 25, 8, 10, tzinfo=LONDON)
TODAY = SWEEP_AT.date()
ROUND_OPENS, ROUND_DUE = date(2027, 1, 5), date(2027, 2, 12)
# Record categories a declaration's item may name.
CATEGORIES = ("planning", "marking", "attendance", "send")
# The roles every school fills, on its first few people.
ROLES = ("headteacher", "dpo", "online_safety_lead", "dsl", "deputy_dsl", "it_lead")


@dataclass(frozen=True)
class Scale:
    """The size of one trust."""

    label: str
    schools: int
    staff: int  # per school
    declarations: int  # in all
    due: int  # of them, due today or overdue

    def __str__(self) -> str:
        return (
            f"{self.label}: {self.schools} schools × {self.staff} staff, "
            f"{self.declarations:,} declarations ({self.due:,} due)"
        )


FULL = Scale("full", 500, 100, 200_000, 10_000)
TENTH = Scale("1/10", 50, 100, 20_000, 1_000)
HUNDREDTH = Scale("1/100", 5, 100, 2_000, 100)


@dataclass
class Run:
    """One call of run_all: how long it took, how many statements, how many messages."""

    seconds: float
    statements: int
    queued: int


class StatementCounter:
    """Counts every statement sent to the database (a SQLAlchemy cursor event)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


def sweep(factory: sessionmaker[Session], counter: StatementCounter) -> Run:
    gc.collect()  # not the garbage left by building the trust
    before = counter.count
    started = time.perf_counter()
    queued = run_all(factory, FrozenClock(SWEEP_AT))
    return Run(time.perf_counter() - started, counter.count - before, queued)


def build_trust(engine: Engine, scale: Scale, seed: int = 15) -> None:
    """Write the trust with Core bulk inserts (ids are assigned here, not by the database)."""
    rng = random.Random(seed)
    made = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    settings = SchoolSettings(terms=DEMO_TERMS).to_json()
    schools, people, roles, versions, rounds, incidents = [], [], [], [], [], []
    person_ids: list[list[int]] = []
    for s in range(1, scale.schools + 1):
        schools.append(
            {"id": s, "name": f"School {s}", "platform": "slack", "timezone": "Europe/London",
             "settings": settings, "created_at": made, "audit_seq": 0, "audit_head": ""}
        )  # fmt: skip
        ids = []
        for n in range(scale.staff):
            pid = (s - 1) * scale.staff + n + 1
            ids.append(pid)
            people.append(
                {"id": pid, "school_id": s, "email": f"staff{pid}@example.org",
                 "display_name": f"Staff {pid}", "role_group": ROLE_GROUPS[n % 2],
                 "active": True, "sources": [], "created_at": made}
            )  # fmt: skip
            if n < len(ROLES):
                roles.append(
                    {"school_id": s, "person_id": pid, "role": ROLES[n], "granted_at": made}
                )
        person_ids.append(ids)
        versions.append(
            {"id": s, "school_id": s, "version": "2026.1", "title": "Staff Acceptable Use Policy",
             "text": "1. I keep personal data secure.", "text_hash": "0" * 64,
             "effective_date": date(2026, 9, 1), "published_at": made, "groups": list(ROLE_GROUPS)}
        )  # fmt: skip
        rounds.append(
            {"school_id": s, "cycle": "2026/27 Spring", "aup_version_id": s,
             "opens_on": ROUND_OPENS, "due_on": ROUND_DUE, "kind": "yearly",
             "created_at": datetime(2027, 1, 5, 7, 0, tzinfo=UTC)}
        )  # fmt: skip
        if s % 10 == 1:
            incidents.append(
                {"school_id": s, "number": 1, "reporter_id": ids[-1], "status": "open",
                 "reported_at": SWEEP_AT - timedelta(hours=30), "kind": "lost", "media": "device",
                 "encrypted": "yes", "categories": ["contact"], "special_data": "no",
                 "people_band": "1-10", "subject_types": ["pupils"], "child_at_risk": "no",
                 "cia": []}
            )  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(School), schools)
        conn.execute(insert(Person), people)
        conn.execute(insert(RoleAssignment), roles)
        conn.execute(insert(AupVersion), versions)
        conn.execute(insert(AupCampaign), rounds)
        conn.execute(insert(Incident), incidents)
        batch: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        for n in range(scale.declarations):
            if n < scale.due:  # due today or up to two school weeks ago
                status, back = "out", TODAY - timedelta(days=rng.randrange(0, 14))
            elif n < scale.due * 3:  # out, due later
                status, back = "out", TODAY + timedelta(days=rng.randrange(1, 10))
            else:
                status, back = "returned", TODAY - timedelta(days=rng.randrange(1, 300))
            taken = datetime.combine(back - timedelta(days=3), datetime.min.time(), UTC)
            school = n % scale.schools
            batch.append(
                {"id": n + 1, "school_id": school + 1, "person_id": rng.choice(person_ids[school]),
                 "tier": rng.choice((1, 2, 3)), "format": "paper", "encryption_confirmed": "n/a",
                 "people_band": "1-10", "purpose": "marking", "destination_type": "home",
                 "taken_at": taken, "expected_return": back, "permission_basis": "standing",
                 "attested": True, "status": status, "created_at": taken,
                 "returned_at": taken + timedelta(days=2) if status == "returned" else None}
            )  # fmt: skip
            items.append(
                {"declaration_id": n + 1, "category": rng.choice(CATEGORIES),
                 "status": "returned" if status == "returned" else "out"}
            )  # fmt: skip
            if len(batch) == 20_000:
                conn.execute(insert(OffsiteDeclaration), batch)
                conn.execute(insert(OffsiteItem), items)
                batch, items = [], []
        if batch:
            conn.execute(insert(OffsiteDeclaration), batch)
            conn.execute(insert(OffsiteItem), items)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("schools", "people", "aup_versions", "offsite_declarations"):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT max(id) FROM {table}))")
                )  # fmt: skip
            conn.execute(text("ANALYZE"))


def measure(url: str | None, scale: Scale) -> tuple[Run, Run]:
    """Build the trust at ``scale`` and sweep it twice."""
    with fresh_database(url) as (_, engine):
        build_trust(engine, scale)
        factory = session_factory(engine)
        counter = StatementCounter(engine)
        first = sweep(factory, counter)
        second = sweep(factory, counter)
        with factory() as session:
            assert session.scalar(select(School.id).limit(1)) is not None
        return first, second


HEADER = (
    "| trust | database | first sweep s | statements | queued "
    "| second sweep s | statements | queued | bolt reference |\n"
    "|---|---|---:|---:|---:|---:|---:|---:|---|"
)


def row(scale: Scale, database: str, first: Run, second: Run) -> str:
    return (
        f"| {scale} | {database} | {first.seconds:.2f} | {first.statements:,} | {first.queued:,} "
        f"| {second.seconds:.2f} | {second.statements:,} | {second.queued:,} | none (no sweeps) |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a tenth and a hundredth of the trust, not all of it"
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="a PostgreSQL database to use instead of a temporary SQLite file (its tables are "
        "dropped and made again)",
    )
    args = parser.parse_args()
    crypto.use_keys(crypto.KeyRing.parse(crypto.new_key_spec("bench")))
    scales = (TENTH, HUNDREDTH) if args.quick else (FULL, TENTH)
    database = "postgresql" if args.database else "sqlite"
    print(HEADER)
    for scale in scales:
        first, second = measure(args.database, scale)
        print(row(scale, database, first, second), flush=True)


if __name__ == "__main__":
    main()
