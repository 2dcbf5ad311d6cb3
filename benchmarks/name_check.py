"""False positives of the probable-name check on the words Safekeep itself shows staff.

Runs ``handlers.screening.probable_names`` over every string a person can read in handlers/
(form titles, labels, help texts, choice labels and every message: the string literals of
each module, docstrings left out) and over a small set of ordinary staff descriptions, and
prints each string it takes for a name. None of these holds a name, so every hit is a false
positive. tests/handlers/test_screening_names.py asserts there are none.

Run ``python benchmarks/name_check.py`` (see benchmarks/README.md).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from handlers.screening import probable_names  # noqa: E402

# What staff write when nothing names anyone: capitalised places, products, days and stages.
ORDINARY_DESCRIPTIONS = (
    "Left the Year 4 marking folder on the train",
    "Laptop taken from the car at the Leisure Centre",
    "Parents Evening slides",
    "Friday, Monday",
    "Lost on Friday after the trip, noticed on Monday morning",
    "Google Drive",
    "Microsoft Teams",
    "Key Stage 2",
    "Key Stage 2 SATs results left on the printer",
    "Shared the Google Drive folder with the wrong Microsoft Teams group",
    "Bag stolen at Victoria Station on the way to a Local Authority meeting",
    "Reported to Thames Valley Police and Action Fraud",
    "Took the Reception class list to the Christmas Fair",
    "Left in the Staff Room on Tuesday",
    "Email sent to the whole of Year 6 instead of the Year 6 team",
    "USB stick lost between the Main Office and the Sports Hall",
    "iPad left on the coach after the Science Museum trip in March",
    "Printed the SEND register for the Annual Review meeting in May half term",
    "Paper copies went to the Open Evening by mistake",
    "Phone with the Class Dojo app stolen outside the school in September",
    "The Pupil Premium spreadsheet was attached to the newsletter",
    "Forwarded to the Governing Body by mistake",
    "The Early Help plan was left at the Family Centre",
    "Lost at the Sixth Form College open day",
    "Emailed the wrong Headteacher at another school",
    "Laptop stolen from the car park at Albert Road",
    "Met Police 5201234/26",
)

# The same kind of sentences with a name in them (made-up names): how many the check catches.
NAMED_DESCRIPTIONS = (
    "Marking for Emily Smith in Y4",
    "Emily left her reading folder on the bus",
    "Reading records for Mrs Patel's class",
    "Handed to Mr. Jones at the gate",
    "Gave the file to Zainab Okonkwo by mistake",
    "Grace Okafor's book was in the bag",
    "The list had Oliver on it",
    "Notes about Mohammed in the Year 6 file",
    "Sent to Amelia's mum by mistake",
    "Jack Turner's report was attached",
    "PC Jones took a statement",
    "Left the folder with Priya Sharma",
    "Report for Harry and Isla left in the car",
    "Letter for the parents of Noah Williams",
    "Kacper Nowak's EHCP was on the USB stick",
    "emailed to sarah by mistake",
)


def handler_strings(root: Path = ROOT / "handlers") -> Iterator[tuple[str, str]]:
    """(where, text) for every string literal in handlers/, docstrings left out."""
    for path in sorted(root.rglob("*.py")):
        if path.name == "screening.py":
            continue  # its own word lists and messages
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and " " in node.value.strip()
            ):
                yield f"{path.relative_to(ROOT)}:{node.lineno}", node.value


def false_positives(strings: Iterator[tuple[str, str]]) -> list[tuple[str, str, list[str]]]:
    return [(where, text, found) for where, text in strings if (found := probable_names(text))]


def main() -> int:
    own = list(handler_strings())
    fixture = [(f"ordinary:{n}", text) for n, text in enumerate(ORDINARY_DESCRIPTIONS, 1)]
    failed = 0
    for name, strings in (("handlers' own words", own), ("ordinary descriptions", fixture)):
        hits = false_positives(iter(strings))
        failed += len(hits)
        print(f"{name}: {len(strings)} strings, {len(hits)} taken for a name")
        for where, text, found in hits:
            print(f"  {where}: {found} in {text!r}")
    caught = [text for text in NAMED_DESCRIPTIONS if probable_names(text)]
    print(f"descriptions with a name: {len(caught)} of {len(NAMED_DESCRIPTIONS)} caught")
    for text in NAMED_DESCRIPTIONS:
        if text not in caught:
            print(f"  missed: {text!r}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
