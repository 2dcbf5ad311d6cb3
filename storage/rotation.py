"""Which data keys the stored values need, and re-encryption under the newest one.

Every encrypted value starts ``sk1:<key id>:``, so the key ids in use can be read without any
key: that is how start-up refuses to make a new key for a database that already holds
encrypted data, and how ``doctor`` checks that every key needed is present.
"""

from __future__ import annotations

from sqlalchemy import Engine, Text, column, func, inspect, select, table, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from storage.crypto import PREFIX, EncryptedText, KeyRing
from storage.models import Base


def encrypted_columns() -> list[tuple[str, str]]:
    """(table, column) for every encrypted column in the schema."""
    found = []
    for tbl in Base.metadata.sorted_tables:
        for col in tbl.columns:
            if isinstance(col.type, EncryptedText):
                found.append((tbl.name, col.name))
    return found


def _key_id_expression(value: ColumnElement[str], dialect: str) -> ColumnElement[str]:
    """SQL for the key id inside ``sk1:<key id>:...``, so DISTINCT runs in the database."""
    if dialect == "postgresql":
        return func.split_part(value, ":", 2)
    rest = func.substr(value, len(PREFIX) + 2)  # SQLite: what follows "sk1:"
    return func.substr(rest, 1, func.instr(rest, ":") - 1)


def key_ids_in_use(engine: Engine) -> dict[str, set[str]]:
    """For each key id some stored value was sealed with, the ``table.column`` names using it.

    Tables not created yet (a database before ``migrate``) hold nothing; no key is needed."""
    existing = set(inspect(engine).get_table_names())
    found: dict[str, set[str]] = {}
    with engine.connect() as conn:
        for table_name, column_name in encrypted_columns():
            if table_name not in existing:
                continue
            raw = table(table_name, column(column_name, Text))
            key_id = _key_id_expression(raw.c[column_name], engine.dialect.name)
            query = select(key_id).where(raw.c[column_name].is_not(None)).distinct()
            for (used,) in conn.execute(query):
                found.setdefault(used, set()).add(f"{table_name}.{column_name}")
    return found


def samples(engine: Engine, per_column: int = 3) -> dict[str, list[str]]:
    """A few stored (still encrypted) values of each encrypted column, newest rows first."""
    existing = set(inspect(engine).get_table_names())
    found: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for table_name, column_name in encrypted_columns():
            if table_name not in existing:
                continue
            raw = table(table_name, column("id"), column(column_name, Text))
            query = (
                select(raw.c[column_name])
                .where(raw.c[column_name].is_not(None))
                .order_by(raw.c.id.desc())
                .limit(per_column)
            )
            found[f"{table_name}.{column_name}"] = list(conn.execute(query).scalars())
    return found


def rotate(session: Session, ring: KeyRing) -> int:
    """Reseal values not under the newest key; returns how many values were rewritten."""
    rewritten = 0
    for table_name, column_name in encrypted_columns():
        raw = table(table_name, column("id"), column(column_name, Text))
        rows = session.execute(
            select(raw.c.id, raw.c[column_name]).where(raw.c[column_name].is_not(None))
        )
        for row_id, stored in rows.all():
            if KeyRing.key_id_of(stored) == ring.newest_id:
                continue
            resealed = ring.seal(ring.open(stored))
            session.execute(update(raw).where(raw.c.id == row_id).values({column_name: resealed}))
            rewritten += 1
    return rewritten
