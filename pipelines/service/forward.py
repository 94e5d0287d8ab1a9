"""The overview as a page a leader can forward: one self-contained HTML file, no script.

It carries what a reader needs without the dashboard: the title, the period, the as-of date and
when it was made, every objective with its key results in words and band colours, and the
meaning of the counts. Every piece of text is escaped; the file loads nothing from elsewhere.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from pipelines.okrs.bands import BandPreset
from pipelines.service.glance import Glance, Row

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; color: #222; margin: 2rem auto; max-width: 72rem; }
h1 { font-size: 1.5rem; margin: 0 } p.meta { color: #555; margin: .25rem 0 1rem }
table { border-collapse: collapse; width: 100% } th, td { text-align: left; padding: .35rem .5rem;
  border-bottom: 1px solid #ddd; vertical-align: top } th { font-size: .85rem; color: #555 }
tr.objective td { font-weight: 600; background: #f4f4f4 }
.band { padding: 0 .4rem; border-radius: .3rem; color: #fff; white-space: nowrap }
.counts span { margin-right: 1rem }
/* Print (or "Save as PDF"): a quarter on one landscape page, band colours kept. */
@page { size: A4 landscape; margin: 10mm }
@media print {
  body { font-size: 10px; margin: 0; max-width: none } .screen { display: none }
  .band { print-color-adjust: exact; -webkit-print-color-adjust: exact }
  tr { break-inside: avoid } th, td { padding: .15rem .4rem }
}
"""
_GREY = "#777777"


def _badge(band: str, colors: dict[str, str]) -> str:
    """A band as a coloured label that still reads in black and white."""
    return f'<span class="band" style="background:{colors.get(band, _GREY)}">{escape(band)}</span>'


def _row(row: Row, colors: dict[str, str]) -> str:
    """One key result as a table row."""
    cells = [
        escape(row.title),
        f"{_badge(row.band, colors)} {escape(row.status)}",
        escape(f"{row.now} · {row.progress}" + (" (stale)" if row.stale else "")),
        escape(row.heading),
        escape(row.change),
        escape(row.why),
    ]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def overview_html(glance: Glance, preset: BandPreset, who: str, made: dt.datetime) -> str:
    """The glance of who's OKRs (a team, or the company) as a standalone HTML document."""
    colors = preset.colors
    title = f"{who} OKRs · {glance.period} · as of {glance.as_of:%d %b %Y}"
    counts = " ".join(
        f"<span>{n} {_badge(band, colors)}</span>" for band, n in glance.band_counts if n
    ) + " ".join(f"<span>{n} {escape(status)}</span>" for status, n in glance.status_counts if n)
    rows = []
    for objective in glance.objectives:
        rolls_up = f" ↳ rolls up into {escape(objective.parent)}" if objective.parent else ""
        rows.append(
            f'<tr class="objective"><td>{escape(objective.title)}{rolls_up}</td>'
            f"<td>{_badge(objective.band, colors)} {escape(objective.progress)}</td>"
            f'<td colspan="4">{escape(objective.team)}</td></tr>'
        )
        rows += [_row(row, colors) for row in objective.rows]
    headings = ["Key result", f"{glance.band_heading} · status", "Now", "Heading for"]
    header = "".join(f"<th>{h}</th>" for h in [*headings, "Since last week", "Why"])
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
            f"<h1>{escape(title)}</h1>",
            f'<p class="meta">Made by okrlens on {made:%d %b %Y %H:%M} UTC. Band: progress to '
            f"the target ({escape(preset.title)}). Status: progress against the {glance.elapsed} "
            "of the period gone by. Heading for: the forecast's likeliest band at its end.</p>",
            f'<p class="counts">{counts}</p>',
            '<p class="meta screen">For a PDF, print this page: it fits one landscape page.</p>',
            f"<table><thead><tr>{header}</tr></thead><tbody>",
            *rows,
            "</tbody></table></body></html>",
        ]
    )
