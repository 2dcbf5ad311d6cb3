"""The report's charts as PNG bytes: matplotlib's Agg backend, readable in greyscale.

The two terms differ by fill and hatching (solid dark grey, white with diagonal lines), every bar
carries its value as text, and a suppressed count is drawn as no bar with '<3' written where it
would be: colour never carries meaning, and no chart shows more than the table.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display: render straight to bytes (before pyplot is imported)

import matplotlib.pyplot as plt  # noqa: E402

from handlers.governors_report import messages as msg  # noqa: E402
from handlers.governors_report.figures import Row, SectionPair, charted  # noqa: E402

# (fill, hatching) of each series: solid dark grey, then white with diagonal lines.
STYLES = (("0.35", ""), ("white", "///"))
SUPPRESSED = "<3"
DPI = 200


def section_chart(section: SectionPair, this_term: str, last_term: str | None) -> bytes | None:
    """A horizontal bar chart of the section's counts or percentages; None if it has none."""
    rows = charted(section)
    if not rows:
        return None
    series: list[tuple[str, list[str], list[float | None]]] = [
        (this_term, [r.this.shown for r in rows], [r.this.chartable for r in rows])
    ]
    if last_term is not None and any(
        r.last and (r.last.chartable is not None or r.last.shown == msg.FEWER_THAN_3) for r in rows
    ):
        series.append(
            (
                last_term,
                [r.last.shown if r.last else "" for r in rows],
                [r.last.chartable if r.last else None for r in rows],
            )
        )
    # Bars a little thicker than a line of the table beside them, so the page stays one page.
    fig, ax = plt.subplots(figsize=(3.3, 0.45 + 0.22 * len(rows) * len(series)), dpi=DPI)
    try:
        _draw(ax, rows, series, section.unit)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(fig)


def _draw(
    ax: plt.Axes,
    rows: tuple[Row, ...],
    series: list[tuple[str, list[str], list[float | None]]],
    unit: str,
) -> None:
    height = 0.8 / len(series)
    top = max((v for _, _, values in series for v in values if v is not None), default=0.0)
    limit = 100.0 if unit == "percent" else max(top * 1.25, 5.0)
    for n, (name, shown, values) in enumerate(series):
        positions = [i + n * height for i in range(len(rows))]
        drawn = [v or 0.0 for v in values]
        fill, hatch = STYLES[n]
        ax.barh(
            positions,
            drawn,
            height=height * 0.9,
            label=name,
            linewidth=0.6,
            color=fill,
            edgecolor="black",
            hatch=hatch,
        )
        for y, value, words in zip(positions, values, shown, strict=True):
            text = _bar_text(value, words, unit)
            ax.text((value or 0.0) + limit * 0.01, y, text, va="center", fontsize=7)
    ax.set_yticks([i + height * (len(series) - 1) / 2 for i in range(len(rows))])
    ax.set_yticklabels([_wrap(r.label) for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, limit * 1.15)
    ax.tick_params(axis="x", labelsize=7)
    if unit == "percent":
        ax.set_xlabel("% signed", fontsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0, 1), ncol=2)


def _bar_text(value: float | None, words: str, unit: str) -> str:
    if value is None:
        return SUPPRESSED if words == msg.FEWER_THAN_3 else ("n/a" if words else "")
    return f"{value:g}%" if unit == "percent" else f"{value:g}"


def _wrap(label: str, width: int = 26) -> str:
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)
