"""The staff-list CSV: people who are not in chat (governors, volunteers), one a row.

A header row names the columns ``email,name`` and optionally ``group`` (one of the role groups:
teaching, support, governor, volunteer, contractor, visitor); other columns are ignored. Every problem is
one line naming the file's line, so the person who keeps the spreadsheet can fix it.
"""

from __future__ import annotations

import csv
import io
import re

from handlers.errors import UserError
from handlers.people import Member
from storage.models.school import ROLE_GROUPS

REQUIRED = ("email", "name")
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
HEADER = "email,name,group"


def read_staff_csv(text: str) -> list[Member]:
    """The people in a staff-list CSV; UserError on the first bad line."""
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None or not any(cell.strip() for cell in header):
        raise UserError(f"the CSV file is empty: its first line must be a header, {HEADER}")
    columns = {cell.strip().lower(): index for index, cell in enumerate(header)}
    for name in REQUIRED:
        if name not in columns:
            raise UserError(
                f"line 1: the CSV file has no '{name}' column; its first line must be a header "
                f"such as {HEADER}"
            )
    members = []
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines are allowed

        def cell(name: str, row: list[str] = row) -> str:
            index = columns.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        email = cell("email")
        if not EMAIL.match(email):
            shown = f"'{email}'" if email else "nothing"
            raise UserError(f"line {line}: the email column holds {shown}, not an email address")
        members.append(Member("", email, cell("name"), group=_group(cell("group"), line)))
    return members


def _group(text: str, line: int) -> str | None:
    if not text:
        return None
    word = text.lower()
    if word not in ROLE_GROUPS and word.endswith("s") and word[:-1] in ROLE_GROUPS:
        word = word[:-1]  # "governors"
    if word not in ROLE_GROUPS:
        raise UserError(
            f"line {line}: '{text}' is not a group; groups are: {', '.join(ROLE_GROUPS)}"
        )
    return word
