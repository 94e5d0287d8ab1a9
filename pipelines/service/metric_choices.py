"""What the store holds to define a metric from, and the check of a draft against it.

A filter, column or dimension that names a column, property, event or KPI the store does not
hold is refused, naming it and its close matches, never computed as a silent zero.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
from sqlglot import exp

from pipelines import db
from pipelines.errors import OkrlensError
from pipelines.metrics.sources import DIMENSION_COLUMNS, PROPERTIES, SOURCE_COLUMNS
from pipelines.metrics.vocabulary import property_keys
from pipelines.service.metric_forms import fragment_tree
from pipelines.workspace import Workspace

# Event names offered to pick from, most frequent first: a list longer than this is not read
# by a person, and the names it leaves out are still accepted (checked in the store one by one).
MAX_EVENT_NAMES = 500
# Property keys and KPIs are a handful per export; the bound only guards against a pathological one.
MAX_KEYS = 500
_EVENT_COLUMNS = ("event_time", "user_id", "account_id", "event_name")

_EVENT_NAMES = (
    "SELECT event_name FROM events GROUP BY event_name ORDER BY count(*) DESC, event_name LIMIT ?"
)
_KPIS = """
SELECT k.metric, coalesce(any_value(l.label), k.metric) AS label,
       coalesce(list(DISTINCT k.segment ORDER BY k.segment) FILTER (WHERE k.segment <> ''), [])
           AS segments
FROM kpis k LEFT JOIN kpi_labels l USING (metric)
GROUP BY k.metric ORDER BY k.metric LIMIT ?"""
_EVENT_NAMED = "SELECT count(*) FROM events WHERE event_name = ?"


@dataclass(frozen=True)
class MetricChoices:
    """What the store holds to define a metric from."""

    events: int  # events stored
    event_columns: tuple[str, ...]
    event_names: tuple[str, ...]  # most frequent first, at most MAX_EVENT_NAMES
    property_keys: tuple[str, ...]  # the stored events' properties (their exports' other columns)
    kpis: dict[str, str]  # stored KPI slug → its label
    segments: dict[str, tuple[str, ...]]  # KPI slug → its segments (none when not segmented)

    @property
    def value_columns(self) -> tuple[str, ...]:
        """What an events metric can aggregate: the id columns and every property."""
        return ("user_id", "account_id", "event_name", *map(property_column, self.property_keys))

    @property
    def event_dimensions(self) -> tuple[str, ...]:
        """What an events metric can be broken down by: the id columns and every property."""
        return (*DIMENSION_COLUMNS["events"], *self.property_keys)


def property_column(key: str) -> str:
    """How a filter or column reads event property key: properties['key'], quoted safely."""
    lookup = exp.Bracket(this=exp.column(PROPERTIES), expressions=[exp.Literal.string(key)])
    return lookup.sql(dialect="duckdb")


def choices_on(con: duckdb.DuckDBPyConnection) -> MetricChoices:
    """metric_choices read on con."""
    kpis = db.query(con, _KPIS, [MAX_KEYS])
    return MetricChoices(
        events=int(db.scalar(con, "SELECT count(*) FROM events")),
        event_columns=_EVENT_COLUMNS,
        event_names=tuple(db.query(con, _EVENT_NAMES, [MAX_EVENT_NAMES])["event_name"]),
        property_keys=tuple(sorted(property_keys(con, MAX_KEYS))),
        kpis=dict(zip(kpis["metric"], kpis["label"], strict=True)),
        segments={
            k: tuple(map(str, s)) for k, s in zip(kpis["metric"], kpis["segments"], strict=True)
        },
    )


def metric_choices(workspace: Workspace) -> MetricChoices:
    """What the store holds to pick from: event columns, names and properties; KPIs, segments."""
    with workspace.reading() as con:
        return choices_on(con)


def _unknown(
    role: str, what: str, name: str, known: list[str], fix: str, close: list[str] | None = None
) -> OkrlensError:
    """The refusal of a name the store does not hold, with its close matches."""
    close = close or difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    matches = f"; close matches: {', '.join(close)}" if close else ""
    return OkrlensError(
        f"the {role} names {what} {name!r}, which the store does not hold{matches}",
        where=role,
        fix=fix,
    )


def _compared(tree: exp.Expr, column: str) -> Iterator[str]:
    """The text values tree compares column with (=, <>, IN)."""
    for node in tree.find_all(exp.EQ, exp.NEQ, exp.In):
        sides = [node.this, *(node.expressions if isinstance(node, exp.In) else [node.expression])]
        if any(isinstance(s, exp.Column) and s.name == column for s in sides):
            yield from (s.this for s in sides if isinstance(s, exp.Literal) and s.is_string)


def _properties_read(tree: exp.Expr) -> Iterator[str]:
    """The property keys tree reads as properties['key']."""
    for node in tree.find_all(exp.Bracket):
        keys = node.expressions
        on_properties = isinstance(node.this, exp.Column) and node.this.name == PROPERTIES
        one_text = len(keys) == 1 and isinstance(keys[0], exp.Literal) and keys[0].is_string
        if on_properties and one_text:
            yield keys[0].this


def _check_columns(tree: exp.Expr, role: str, source: str, choices: MetricChoices) -> None:
    """OkrlensError for a column of tree that source does not have."""
    for column in tree.find_all(exp.Column):
        if column.name in SOURCE_COLUMNS[source] and not column.table:
            continue
        known = sorted(SOURCE_COLUMNS[source] - {PROPERTIES})
        close = None
        if source == "events":
            known += [property_column(k) for k in choices.property_keys]
            # An export's extra column is a property: plan is read as properties['plan'].
            if column.name in choices.property_keys:
                close = [property_column(column.name)]
        raise _unknown(
            role, "column", column.sql(), known, f"use one of: {', '.join(known)}", close
        )


def _check_event_names(
    con: duckdb.DuckDBPyConnection, fields: Mapping[str, Any], choices: MetricChoices
) -> None:
    """OkrlensError for an event name, property, column or dimension the stored events lack."""
    for role in ("filter", "column"):
        tree = fragment_tree(fields.get(role))
        if tree is None:
            continue
        _check_columns(tree, role, "events", choices)
        for key in _properties_read(tree):
            if key not in choices.property_keys:
                raise _unknown(
                    role,
                    "property",
                    key,
                    list(choices.property_keys),
                    fix="the stored events carry the properties "
                    + (", ".join(choices.property_keys) or "(none)"),
                )
        for name in _compared(tree, "event_name"):
            if name not in choices.event_names and not db.scalar(con, _EVENT_NAMED, [name]):
                raise _unknown(
                    role,
                    "event",
                    name,
                    list(choices.event_names),
                    fix="pick event names from those stored, or upload events that have it",
                )
    for dimension in fields.get("dimensions") or []:
        if dimension not in choices.event_dimensions:
            raise _unknown(
                "dimensions",
                "dimension",
                str(dimension),
                list(choices.event_dimensions),
                fix=f"break it down by one of: {', '.join(choices.event_dimensions)}",
            )


def _check_kpi_names(fields: Mapping[str, Any], choices: MetricChoices) -> None:
    """OkrlensError for a KPI, column or segment the stored KPI rows lack."""
    kpi = str(fields.get("kpi") or fields.get("name", ""))
    if kpi not in choices.kpis:
        raise _unknown(
            "kpi",
            "KPI",
            kpi,
            list(choices.kpis),
            fix="pick one of the stored KPIs, or upload its export first",
        )
    tree = fragment_tree(fields.get("filter"))
    if tree is None:
        return
    _check_columns(tree, "filter", "kpis", choices)
    segments = choices.segments.get(kpi, ())
    for segment in _compared(tree, "segment"):
        if segment not in segments:
            raise _unknown(
                "filter",
                "segment",
                segment,
                list(segments),
                fix=f"the KPI {kpi} has "
                + (f"the segments {', '.join(segments)}" if segments else "no segments"),
            )


def store_warnings(
    con: duckdb.DuckDBPyConnection, fields: Mapping[str, Any], choices: MetricChoices
) -> list[str]:
    """What the store cannot check yet, as warnings; OkrlensError naming what it does not hold."""
    source = fields.get("source")
    if source == "events":
        if not choices.events:
            return ["No events are stored yet, so the names it uses could not be checked."]
        _check_event_names(con, fields, choices)
    elif source == "kpis":
        if not choices.kpis:
            return ["No KPI exports are stored yet, so its KPI could not be checked."]
        _check_kpi_names(fields, choices)
    return []
