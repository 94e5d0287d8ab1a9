"""What each metric source holds: its columns, its time column, what it can be broken down by.

A metric reads one of two tables: ``events`` (one row per product event; the export's other
columns are JSON properties, read as ``properties['name']``) or ``kpis`` (the business-KPI
exports, one value per date, metric and segment).
"""

from __future__ import annotations

from sqlglot import exp

SOURCE_COLUMNS: dict[str, frozenset[str]] = {
    "events": frozenset({"event_time", "user_id", "account_id", "event_name", "properties"}),
    "kpis": frozenset({"date", "metric", "segment", "value"}),
}
# The columns a metric's periods can be read from; the first is the default timestamp.
TIME_COLUMNS: dict[str, tuple[str, ...]] = {"events": ("event_time",), "kpis": ("date",)}
# Columns a metric can be broken down by. An events metric can also use any event property,
# by its name, since an export's extra columns (plan, platform, …) are its natural dimensions.
DIMENSION_COLUMNS: dict[str, tuple[str, ...]] = {
    "events": ("user_id", "account_id", "event_name"),
    "kpis": ("segment",),
}
PROPERTIES = "properties"


def is_dimension(source: str, name: str) -> bool:
    """Whether source can be broken down by name: a dimension column or an event property.

    Example:
        >>> is_dimension("events", "plan"), is_dimension("events", "event_time")
        (True, False)
        >>> is_dimension("kpis", "segment"), is_dimension("kpis", "plan")
        (True, False)
    """
    if name in DIMENSION_COLUMNS[source]:
        return True
    return source == "events" and name not in SOURCE_COLUMNS[source]


def dimensions_in_words(source: str) -> str:
    """What source can be broken down by, for a message."""
    columns = ", ".join(DIMENSION_COLUMNS[source])
    return columns + (" or an event property by name, e.g. plan" if source == "events" else "")


def dimension_value(source: str, name: str) -> exp.Expr:
    """The tree of dimension name's value in a row of source: its column or the event property."""
    if name in DIMENSION_COLUMNS[source]:
        return exp.column(name, quoted=True)
    return property_value(exp.column(PROPERTIES, quoted=True), name)


def property_value(properties: exp.Expr, key: str) -> exp.Expr:
    """properties['key'] as a JSON text lookup, so it compares like any string column.

    The key is a node of the tree, never SQL text: the renderer quotes it for each engine.
    """
    return exp.JSONExtractScalar(
        this=properties,
        expression=exp.JSONPath(expressions=[exp.JSONPathRoot(), exp.JSONPathKey(this=key)]),
    )
