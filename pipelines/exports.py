"""Frames made safe and plain for export: spreadsheet formula escaping, JSON-ready records."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pandas as pd

_FORMULA_START = tuple("=+-@|%\t\r＝＋－＠")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def escape_for_spreadsheet(text: str) -> str:
    """text prefixed with an apostrophe when a spreadsheet would evaluate it as a formula.

    Plain negative numbers are left alone, so exported data stays data (Grafana's regression).

    Example:
        >>> escape_for_spreadsheet("=HYPERLINK(1)"), escape_for_spreadsheet("-12.5")
        ("'=HYPERLINK(1)", '-12.5')
    """
    core = text.lstrip(" ")
    if core.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(core):
        return "'" + text
    return text


def _plain_cell(value: Any) -> Any:
    """A cell as a spreadsheet should hold it: lists as "a; b", text escaped, the rest as is."""
    if isinstance(value, list | tuple):
        value = "; ".join(str(_plain(v)) for v in value)
    return escape_for_spreadsheet(value) if isinstance(value, str) else value


def _plain_float(value: float) -> float:
    """value without binary noise: 0.49826949999999975 is 0.4982695 (12 significant digits)."""
    return float(f"{value:.12g}") if math.isfinite(value) else value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """frame with headers and text cells escaped, lists joined, floats without binary noise."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].map(_plain_float)
        elif not (
            pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(out[column])
        ):
            out[column] = out[column].map(_plain_cell)
    out.columns = [escape_for_spreadsheet(str(c)) for c in out.columns]
    return out


def _plain(value: Any) -> Any:
    """value as a JSON-native Python value: dates as ISO text, NaN and NaT as None."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):  # pandas Timestamps included
        midnight = value.time() == dt.time(0) and value.tzinfo is None
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """frame as a list of JSON-ready dicts."""
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
