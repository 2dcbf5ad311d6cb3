"""`python -m bot report`: the termly report for governors, as a PDF and a CSV beside it."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot import runtime
from bot.cli.school import pick_school
from bot.settings import Settings
from handlers import governors_report
from handlers.clock import Clock
from handlers.context import Context
from storage.database import transaction


def report_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--term",
        default="",
        metavar="NAME",
        help="a term in school.toml, e.g. 'Autumn 2026' (default: the term just ended)",
    )
    p.add_argument(
        "--out",
        metavar="FILE.pdf",
        help="where to write the PDF (the CSV goes "
        "beside it, FILE.csv); default: the report's own name, here",
    )
    p.add_argument("--school", type=int, metavar="ID", help="needed when there are several")


def report_command(args: argparse.Namespace, settings: Settings, clock: Clock) -> int:
    """the termly report for governors: counts only, small numbers suppressed, charts; PDF
    plus CSV"""
    rt = runtime.start(settings, allow_local_key=True, clock=clock)
    with transaction(rt.factory) as session:
        school = pick_school(session, args.school)
        ctx = Context(session, school, None, rt.clock, platform="cli")
        report = governors_report.make(ctx, governors_report.term_for(ctx, args.term))
        made = governors_report.files(report)
        ctx.audit("report.made", f"report:{report.term.name}", on_demand=True)
    pdf = Path(args.out) if args.out else Path(made.pdf_name)
    csv = pdf.with_suffix(".csv")
    pdf.write_bytes(made.pdf)
    csv.write_bytes(made.csv)
    print(f"Wrote the report for {report.term.name} to {pdf} and its figures to {csv}.")
    return 0
