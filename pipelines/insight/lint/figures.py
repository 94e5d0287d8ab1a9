"""Numbers as lint messages show them: percentages for % metrics, thousands separated."""

from __future__ import annotations


def shown(x: float, unit: str = "") -> str:
    """x for a message: a percentage for % metrics, else a number with thousands separators."""
    if unit == "%":
        return f"{x * 100:.3g}%"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:,.1f}".removesuffix(".0")
    return f"{x:.3g}"


def shown_change(x: float, unit: str = "") -> str:
    """A signed change for a message; percentage points for % metrics."""
    sign = "+" if x >= 0 else "−"
    if unit == "%":
        return f"{sign}{abs(x) * 100:.3g} pts"
    return sign + shown(abs(x), unit)
