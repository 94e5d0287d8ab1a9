"""Frames printed for people (aligned tables) and for programs (JSON, CSV)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import pandas as pd

from pipelines.service import records, spreadsheet_safe


class Format(StrEnum):
    """How a command prints its result."""

    table = "table"
    json = "json"
    csv = "csv"


PERCENT_COLUMNS = frozenset({"progress", "progress_clamped", "expected_progress", "confidence"})


def _cell(column: str, value: Any) -> str:
    """One table cell as text: percentages for progress columns, thousands separators for numbers."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return "–"
    if column in PERCENT_COLUMNS and isinstance(value, int | float):
        return f"{value:.0%}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"
    if isinstance(value, pd.Timestamp):
        return (
            value.strftime("%Y-%m-%d")
            if value == value.normalize()
            else value.strftime("%Y-%m-%d %H:%M")
        )
    return str(value)


def table(frame: pd.DataFrame, max_width: int = 48) -> str:
    """frame as an aligned text table, long cells shortened to max_width."""
    if frame.empty:
        return "(no rows)"
    cells = [
        [_cell(str(c), v) for c, v in zip(frame.columns, row, strict=True)]
        for row in frame.itertuples(index=False)
    ]
    cells = [[v if len(v) <= max_width else v[: max_width - 1] + "…" for v in row] for row in cells]
    header = [str(c) for c in frame.columns]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in cells)])


def render(frame: pd.DataFrame, fmt: Format) -> str:
    """frame in the requested format: aligned table, JSON list of objects, or spreadsheet-safe CSV."""
    if fmt is Format.json:
        return json.dumps(records(frame), indent=2, ensure_ascii=False)
    if fmt is Format.csv:
        return spreadsheet_safe(frame).to_csv(index=False).rstrip("\n")
    return table(frame)
