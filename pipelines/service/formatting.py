"""Numbers as people read them, on pages and in printed reports."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from pipelines.markdown import markdown_text

__all__ = ["CURRENCY", "cell_text", "markdown_text", "percent_text", "table_cell", "value_text"]

CURRENCY = {"USD": "$", "$": "$", "EUR": "€", "€": "€", "GBP": "£", "£": "£"}


def value_text(value: float | None, unit: str = "") -> str:
    """value with its unit: 92.9% for percent metrics stored as fractions, $459,896, 3.9 hours.

    Example:
        >>> value_text(0.929, "%"), value_text(459896.0, "USD"), value_text(3.9, "hours")
        ('92.9%', '$459,896', '3.9 hours')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if value == 0:
        value = 0.0  # -0.0 (a zero change, a zero product of a negative) reads as 0, not -0
    if unit == "%":
        return f"{value * 100:.3g}%"
    number = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    if unit in CURRENCY:
        return CURRENCY[unit] + number
    return f"{number} {unit}".strip()


def change_text(value: float, unit: str = "") -> str:
    """A signed change in the metric's unit: percent metrics move in points.

    Example:
        >>> change_text(5017.4, "USD"), change_text(-0.021, "%"), change_text(0.05)
        ('+$5,017', '-2.1 pts', '+0.05')
    """
    if unit == "%":
        return f"{value * 100:+.1f} pts"
    sign = "-" if value < 0 and value_text(abs(value)) != "0" else "+"
    return sign + value_text(abs(value), unit)


# Columns of score and forecast frames, by how their values read.
PERCENT_COLUMNS = frozenset({"progress", "progress_clamped", "expected_progress", "confidence"})
VALUE_COLUMNS = frozenset({"baseline", "target", "current", "value", "median_end", "lo80", "hi80"})
STATUS_WORDS = {"on_track": "on track", "at_risk": "at risk", "off_track": "off track"}
# Columns of measured links: correlations to two decimals, p-values as a statistician writes them.
CORRELATION_COLUMNS = frozenset(
    {"correlation", "rank_correlation", "ci_low", "ci_high", "strength"}
)
SHARE_COLUMNS = frozenset({"stability"})  # fractions of windows, read as percentages


def cell_text(column: str, value: Any, unit: str = "") -> str:
    """One table cell as people read it, the same in the CLI and on pages.

    Progress columns as percentages, values with their unit, statuses in words, whole dates
    as ISO dates, other numbers with thousands separators and three significant digits.

    Example:
        >>> cell_text("current", 0.6567, "%"), cell_text("status", "on_track"), cell_text("n", 1234.5)
        ('65.7%', 'on track', '1,234')
    """
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column in PERCENT_COLUMNS | SHARE_COLUMNS and isinstance(value, int | float):
        return percent_text(float(value))
    if column in CORRELATION_COLUMNS and isinstance(value, int | float):
        return f"{value:.2f}"
    if column in ("p_value", "q_value") and isinstance(value, int | float):
        return "<0.001" if value < 0.001 else f"{value:.3f}"
    if column in VALUE_COLUMNS and isinstance(value, int | float):
        return value_text(float(value), unit)
    if column == "status" and isinstance(value, str):
        return STATUS_WORDS.get(value, value.replace("_", " "))
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"
    if isinstance(value, int) and abs(value) >= 10_000:  # counts, not years or small ids
        return f"{value:,}"
    if isinstance(value, dt.datetime):
        midnight = value.time() == dt.time(0)
        return value.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M")
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def percent_text(value: float | None) -> str:
    """value (1.0 = 100 %) as a whole percentage, or a dash.

    Example:
        >>> percent_text(0.4983), percent_text(-0.004)
        ('50%', '0%')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:.0%}"
    # A small negative share rounds to zero: "-0%" would read as a loss that is not there.
    return "0%" if text == "-0%" else text


def table_cell(text: object) -> str:
    """text for a cell of a Markdown table: markdown_text, with the cell separator escaped too."""
    return markdown_text(text).replace("|", "\\|")


def readable(frame: pd.DataFrame, unit: str = "") -> pd.DataFrame:
    """frame with every cell as cell_text reads it (values in unit), column names in words."""
    shown = pd.DataFrame(
        {column: [cell_text(str(column), v, unit) for v in frame[column]] for column in frame}
    )
    shown.columns = [str(c).replace("_", " ") for c in frame.columns]
    return shown
