"""The termly report's figures as CSV: one row per measure, as the page shows them."""

from __future__ import annotations

import csv
import io

from handlers.governors_report import messages as msg
from handlers.governors_report.figures import TermReport


def render_csv(report: TermReport) -> bytes:
    """Section, measure, this term, the same term last year: the words and numbers on the page."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([msg.CSV_SECTION, msg.CSV_MEASURE, report.term.name, report.last_label])
    for section in report.sections:
        for row in section.rows:
            writer.writerow(
                [section.title, row.label, row.this.shown, row.last.shown if row.last else ""]
            )
    return out.getvalue().encode("utf-8")
