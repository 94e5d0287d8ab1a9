"""Numbers as people read them, on pages and in printed reports."""

from __future__ import annotations

import math
import re

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


# The characters that let text become something else in Streamlit's Markdown: emphasis (* _ ~),
# code (`), links and images ([ ] !), HTML (< >), headings (#), math ($) and escapes (\).
# Newlines are folded, so block syntax (lists, tables, quotes) can only start the text.
_MARKDOWN_SPECIAL = frozenset("\\`*_~[]!<>#$")
# Streamlit's directives (:red[text], :material/icon:, :smile:) start with a colon and a letter.
_DIRECTIVE = re.compile(r":(?=[A-Za-z])")
_BLOCK_MARK = re.compile(r"^(\s*)([-+>|=])")
_ORDERED_MARK = re.compile(r"^(\s*\d+)([.)])")


def markdown_text(text: object) -> str:
    """text that Markdown shows exactly as written: no link, image, heading, HTML or icon.

    Example:
        >>> markdown_text("![x](http://evil/) **hi** :red[x]")
        '\\\\!\\\\[x\\\\](http://evil/) \\\\*\\\\*hi\\\\*\\\\* \\\\:red\\\\[x\\\\]'
        >>> markdown_text("1. first - then 2: done")
        '1\\\\. first - then 2: done'
    """
    line = " ".join(str(text).split())  # a newline could start a heading, list or quote
    line = "".join("\\" + c if c in _MARKDOWN_SPECIAL else c for c in line)
    line = _DIRECTIVE.sub(r"\\:", line)
    line = _BLOCK_MARK.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
    return _ORDERED_MARK.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
