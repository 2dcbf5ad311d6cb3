"""The termly report as a one-page PDF (fpdf2): each section's table beside its chart.

Text is set in DejaVu Sans, the font matplotlib ships (so the page and its charts match and any
character prints); every chart carries its text alternative as the image's alt text in the PDF's
structure tree. Nothing here decides a figure: it lays out what figures.py built.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, time
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from handlers.governors_report import messages as msg
from handlers.governors_report.charts import section_chart
from handlers.governors_report.figures import SectionPair, TermReport, chart_alt_text

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
MARGIN = 12.0
TABLE_WIDTH = 112.0
CHART_X = MARGIN + TABLE_WIDTH + 4.0
CHART_WIDTH = 210.0 - CHART_X - MARGIN


def render_pdf(report: TermReport) -> bytes:
    """The report's one page, as PDF bytes."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", FONT_DIR / "DejaVuSans-Bold.ttf")
    pdf.set_lang("en-GB")
    pdf.set_title(f"{msg.TITLE}: {report.term.name}")
    pdf.set_creator("Safekeep")
    # The report's own date, not the machine's: the same figures on the same day, the same file.
    pdf.set_creation_date(datetime.combine(report.made_on, time(), tzinfo=UTC))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 8, msg.TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 4.5, report.subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 7)
    pdf.multi_cell(0, 3.5, msg.COUNTS_ONLY, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for section in report.sections:
        _section(pdf, report, section)
    pdf.set_font("DejaVu", "", 6.5)
    pdf.set_y(-MARGIN - 8)
    pdf.multi_cell(
        0,
        3.2,
        f"{msg.CHART_NOTE} {msg.MADE_ON.format(day=f'{report.made_on:%-d %B %Y}')}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())


def _section(pdf: FPDF, report: TermReport, section: SectionPair) -> None:
    pdf.set_font("DejaVu", "B", 10.5)
    pdf.cell(0, 6, section.title, new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y()
    pdf.set_font("DejaVu", "", 7.5)
    if section.note:
        pdf.multi_cell(TABLE_WIDTH, 4, section.note, new_x="LMARGIN", new_y="NEXT")
    if section.rows:
        header = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
        with pdf.table(
            width=TABLE_WIDTH,
            col_widths=(56, 28, 28),
            align="LEFT",
            headings_style=header,
            line_height=4,
            text_align=("LEFT", "RIGHT", "RIGHT"),
        ) as table:
            table.row((" ", report.term.name, report.last_label))
            for row in section.rows:
                table.row((row.label, row.this.shown, row.last.shown if row.last else "-"))
    bottom = pdf.get_y()
    image = section_chart(
        section, report.term.name, report.last_year.name if report.last_year else None
    )
    if image is not None:
        placed = pdf.image(
            io.BytesIO(image),
            x=CHART_X,
            y=top,
            w=CHART_WIDTH,
            alt_text=chart_alt_text(report, section),
        )
        bottom = max(bottom, top + placed.rendered_height)
    pdf.set_y(bottom + 3)
