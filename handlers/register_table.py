"""A register for governors, the DPO and the ICO: a name, a header and rows of plain values.

Each flow builds its own registers with this table; handlers/registers.py only collects them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Register:
    name: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]
