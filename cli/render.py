"""Frames printed for people (aligned tables) and for programs (JSON, CSV)."""

from __future__ import annotations

import json
from enum import StrEnum

import pandas as pd

from pipelines.service import records, spreadsheet_safe
from pipelines.service.formatting import cell_text


class Format(StrEnum):
    """How a command prints its result."""

    table = "table"
    json = "json"
    csv = "csv"


def table(frame: pd.DataFrame, max_width: int = 48, units: pd.Series | None = None) -> str:
    """frame as an aligned text table (cells as formatting.cell_text reads them, values in the
    row's unit of units), long cells shortened to max_width."""
    if frame.empty:
        return "(no rows)"
    row_units = [""] * len(frame) if units is None else [str(u or "") for u in units]
    cells = [
        [cell_text(str(c), v, unit) for c, v in zip(frame.columns, row, strict=True)]
        for row, unit in zip(frame.itertuples(index=False), row_units, strict=True)
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
