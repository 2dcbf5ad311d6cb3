"""Registers as files: CSV for a spreadsheet, JSON for other systems."""

from __future__ import annotations

import csv
import io
import json

from handlers.registers import Register


def format_register(register: Register, fmt: str) -> str:
    """A register as CSV (nested values as JSON) or as a JSON list of rows."""
    if fmt == "json":
        return json.dumps(register.as_dicts(), indent=2, default=str) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(register.columns)
    for row in register.rows:
        writer.writerow([json.dumps(v) if isinstance(v, (dict, list)) else v for v in row])
    return buffer.getvalue()
