"""Re-encrypt every encrypted column under the newest data key."""

from __future__ import annotations

from sqlalchemy import Text, column, select, table, update
from sqlalchemy.orm import Session

from storage.crypto import EncryptedText, KeyRing
from storage.models import Base


def encrypted_columns() -> list[tuple[str, str]]:
    """(table, column) for every encrypted column in the schema."""
    found = []
    for tbl in Base.metadata.sorted_tables:
        for col in tbl.columns:
            if isinstance(col.type, EncryptedText):
                found.append((tbl.name, col.name))
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
