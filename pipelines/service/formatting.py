"""Numbers as people read them, on pages and in printed reports."""

from __future__ import annotations

import math

CURRENCY = {"USD": "$", "$": "$", "EUR": "€", "€": "€", "GBP": "£", "£": "£"}


def value_text(value: float | None, unit: str = "") -> str:
    """value with its unit: 92.9 % for percent metrics stored as fractions, $459,896, 3.9 hours.

    Example:
        >>> value_text(0.929, "%"), value_text(459896.0, "USD"), value_text(3.9, "hours")
        ('92.9 %', '$459,896', '3.9 hours')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "%":
        return f"{value * 100:.3g} %"
    number = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
    if unit in CURRENCY:
        return CURRENCY[unit] + number
    return f"{number} {unit}".strip()


def percent_text(value: float | None) -> str:
    """value (1.0 = 100 %) as a whole percentage, or a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.0%}"


# Every character Markdown (and Streamlit's extensions: `:material/icon:`, `:red[text]`, `$math$`)
# gives a meaning to. A backslash makes each one literal.
_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]<>()#+-.!|~:$=\"'&")


def markdown_text(text: object) -> str:
    """text that Markdown shows exactly as written: no link, image, heading or icon in it.

    Example:
        >>> markdown_text("![x](http://evil/) **hi**")
        '\\\\!\\\\[x\\\\]\\\\(http\\\\://evil/\\\\) \\\\*\\\\*hi\\\\*\\\\*'
    """
    line = " ".join(str(text).split())  # a newline could start a heading or a list
    return "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in line)
