"""Metric time series: the tidy (metric, period_start, period_end, value, complete) frame.

Simple metrics come from SQL (compile.py); ratio and derived metrics are computed here from
their parts' series, period by period, so they need no SQL of their own on any engine.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping
from functools import reduce
from itertools import groupby

import duckdb
import pandas as pd
from sqlglot import exp

from pipelines import coverage, db
from pipelines.coverage import EVENTS_KEY, kpi_key
from pipelines.errors import OkrlensError
from pipelines.metrics.compile import DIMENSION, Cut, Query, events_query, kpi_query
from pipelines.metrics.spec import Metric, MetricCatalog
from pipelines.metrics.sqltree import render

SERIES_COLUMNS = ["metric", "period_start", "period_end", "value", "complete", "covered_through"]
_DTYPES = {
    "metric": "str",
    DIMENSION: "str",
    "period_start": "datetime64[us]",
    "period_end": "datetime64[us]",
    "value": "float64",
    "complete": "bool",
    "covered_through": "datetime64[us]",
}
Value = pd.Series | float
_ARITHMETIC: dict[type[exp.Expr], Callable[[Value, Value], Value]] = {
    exp.Add: operator.add,
    exp.Sub: operator.sub,
    exp.Mul: operator.mul,
}


def _columns(cut: Cut) -> list[str]:
    """The columns of a series frame: dimension_value after metric when broken down."""
    return ["metric", *_keys(cut), "value", "complete", "covered_through"]


def _keys(cut: Cut) -> list[str]:
    """The columns that tell a metric's rows apart: its period, and value when broken down."""
    return [*([DIMENSION] if cut.by else []), "period_start", "period_end"]


def _empty(cut: Cut) -> pd.DataFrame:
    """A series frame with no rows and the right dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=_DTYPES[c]) for c in _columns(cut)})


def _tidy(frame: pd.DataFrame, cut: Cut) -> pd.DataFrame:
    """frame with the series columns and dtypes, sorted by metric, value and period."""
    if frame.empty:
        return _empty(cut)
    columns = _columns(cut)
    dates = ("period_start", "period_end", "covered_through")
    out = frame[columns].astype({c: _DTYPES[c] for c in columns if c not in dates})
    for c in dates:
        out[c] = pd.to_datetime(out[c]).astype("datetime64[us]")
    order = [c for c in columns if c in ("metric", DIMENSION, "period_start")]
    return out.sort_values(order, ignore_index=True)


def _run(con: duckdb.DuckDBPyConnection, query: Query) -> pd.DataFrame:
    """The result of query, rendered for DuckDB with its bound parameters."""
    return db.query(con, render(query.tree, "duckdb"), query.params)


def _event_series(
    con: duckdb.DuckDBPyConnection, metrics: list[Metric], cut: Cut, covered: pd.DataFrame
) -> pd.DataFrame:
    """Series of event metrics: one scan of events per grain (and timestamp)."""
    frames = []
    scan = operator.attrgetter("grain", "time_column")
    for _, group in groupby(sorted(metrics, key=scan), key=scan):
        members = list(group)
        query = events_query(members, cut, coverage.last_covered(covered, EVENTS_KEY))
        wide = coverage.marked(_run(con, query), EVENTS_KEY, covered)
        long = wide.melt(
            id_vars=[*_keys(cut), "complete", "covered_through"],
            value_vars=[m.name for m in members],
            var_name="metric",
            value_name="value",
        )
        frames.append(long)
    return pd.concat(frames, ignore_index=True) if frames else _empty(cut)


def _kpi_series(
    con: duckdb.DuckDBPyConnection, metric: Metric, cut: Cut, covered: pd.DataFrame
) -> pd.DataFrame:
    """Series of one KPI metric."""
    rows = coverage.marked(_run(con, kpi_query(metric, cut)), kpi_key(metric.kpi_name), covered)
    return rows.assign(metric=metric.name)


def _undefined_at_zero(divisor: Value) -> Value:
    """divisor, NaN where it is zero: dividing by zero leaves a value undefined, not infinite."""
    if isinstance(divisor, pd.Series):
        return divisor.where(divisor != 0)
    return divisor if divisor != 0 else math.nan


def _formula_value(node: exp.Expr, values: Mapping[str, pd.Series]) -> Value:
    """The value of a checked formula tree (see expressions.formula), period by period."""
    if isinstance(node, exp.Column):
        return values[node.name]
    if isinstance(node, exp.Literal):
        return float(node.this)
    if isinstance(node, exp.Paren):
        return _formula_value(node.this, values)
    if isinstance(node, exp.Neg):
        return -_formula_value(node.this, values)
    assert isinstance(node, exp.Binary), f"{node.sql()!r} is not in a checked formula"
    left, right = _formula_value(node.left, values), _formula_value(node.right, values)
    if isinstance(node, exp.Div):
        return left / _undefined_at_zero(right)
    return _ARITHMETIC[type(node)](left, right)


def _part(bases: pd.DataFrame, name: str, keys: list[str]) -> pd.DataFrame:
    """The keys, value, complete and covered_through of part name, its columns named after it."""
    rows = bases[bases["metric"] == name]
    # A space never occurs in a metric name, so these columns cannot meet a key.
    return rows[keys].assign(
        **{
            f"value {name}": rows["value"],
            f"complete {name}": rows["complete"],
            f"covered_through {name}": rows["covered_through"],
        }
    )


def _combined_series(metric: Metric, bases: pd.DataFrame, cut: Cut) -> pd.DataFrame:
    """Series of a ratio or derived metric: its formula over its parts' series.

    Only periods (and dimension values) where every part has a row are kept; one is complete
    when every part's is, and covered as far as its least covered part.
    """
    keys = _keys(cut)
    joined = reduce(
        lambda left, right: left.merge(right, on=keys),
        (_part(bases, name, keys) for name in metric.parts),
    )
    values = {name: joined[f"value {name}"] for name in metric.parts}
    return joined[keys].assign(
        metric=metric.name,
        value=_formula_value(metric.formula(), values),
        complete=joined[[f"complete {name}" for name in metric.parts]].all(axis=1),
        covered_through=joined[[f"covered_through {name}" for name in metric.parts]].min(
            axis=1, skipna=False
        ),
    )


def _checked_cut(
    catalog: MetricCatalog,
    metrics: list[Metric],
    by: str | None,
    where: Mapping[str, str] | None,
) -> Cut:
    """The breakdown and slices asked for; OkrlensError unless every metric declares them."""
    for metric in metrics:
        declared = catalog.dimensions(metric)
        for dim in [*([by] if by is not None else []), *(where or {})]:
            if dim in declared:
                continue
            choices = f"use one of its dimensions ({', '.join(declared)}), or " if declared else ""
            raise OkrlensError(
                f"metric {metric.name} cannot be broken down by {dim!r}: it declares no such "
                "dimension",
                where=f"metrics.yaml, metric {metric.name}",
                fix=f"{choices}declare it under the metric's dimensions: (a ratio or derived "
                "metric has the dimensions all its parts declare)",
            )
    return Cut(by=by, where=tuple((where or {}).items()))


def metric_series(
    con: duckdb.DuckDBPyConnection,
    catalog: MetricCatalog,
    names: Iterable[str] | None = None,
    *,
    by: str | None = None,
    where: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The time series of the named metrics (all when None), computed in DuckDB.

    Columns: metric, period_start, period_end (exclusive), value, complete (the files behind
    the metric cover every day of the period: pipelines.coverage) and covered_through (the
    period's last covered day, NaT when none is). Ratio and derived metrics need their parts, which are computed
    alongside. by breaks every metric down by one dimension they all declare: a column
    dimension_value after metric, one row per period and value. where keeps one slice, e.g.
    {"plan": "pro"}; its values are bound as query parameters, never written into SQL.
    """
    wanted = [catalog.get(n) for n in names] if names is not None else list(catalog.metrics)
    cut = _checked_cut(catalog, wanted, by, where)
    wanted_names = {m.name for m in wanted}
    needed = wanted_names | {p for m in wanted for p in m.parts}
    simple = [m for m in catalog.metrics if m.type == "simple" and m.name in needed]
    covered = coverage.spans(con)
    bases = [_event_series(con, [m for m in simple if m.source == "events"], cut, covered)]
    bases += [_kpi_series(con, m, cut, covered) for m in simple if m.source == "kpis"]
    filled = [b for b in bases if not b.empty]
    base = pd.concat(filled, ignore_index=True) if filled else _empty(cut)
    combined = [_combined_series(m, base, cut) for m in wanted if m.type != "simple"]
    everything = pd.concat([base, *combined], ignore_index=True) if combined else base
    return _tidy(everything[everything["metric"].isin(wanted_names)], cut)
