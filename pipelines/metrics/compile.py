"""Metric definitions compiled to SQL syntax trees: the one place metric SQL is built.

A query is a sqlglot tree (sqltree.py), never text: identifiers are quoted identifier nodes,
user fragments arrive as checked trees (expressions.py), values are bound parameters. Only
``render`` names an engine.

Event metrics of one grain are computed in a single scan of the events table (one aggregate per
metric, each with its own FILTER), so adding a metric does not add a scan. KPI metrics read the
small KPI table. A query may break its metrics down by one dimension (a column dimension_value,
one row per period and value) and keep only slices (dimension = bound value).

Spark (``render(tree, "spark")``, not yet run on a cluster): sqlglot renders every construct
used here, DuckDB's own included: generate_series/unnest become SEQUENCE/EXPLODE, arg_max
MAX_BY, date_trunc DATE_TRUNC, date arithmetic DATE_ADD/ADD_MONTHS/DATEDIFF, ->> GET_JSON_OBJECT
and $name :name. What it cannot translate is noted where it arises.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlglot import exp

from pipelines.metrics.expressions import checked_expression
from pipelines.metrics.grains import GRAINS
from pipelines.metrics.sources import dimension_value
from pipelines.metrics.spec import Metric
from pipelines.metrics.sqltree import (
    column,
    cross_join,
    date,
    later,
    left_join,
    named,
    select,
    subquery,
    table,
)

# Counts and sums over a period with no matching event are zero, not unknown.
ZERO_FILLED = frozenset({"count", "count_distinct", "sum"})
DIMENSION = "dimension_value"
_AGGREGATES: dict[str, type[exp.AggFunc]] = {
    "sum": exp.Sum,
    "avg": exp.Avg,
    "min": exp.Min,
    "max": exp.Max,
}


@dataclass(frozen=True)
class Cut:
    """Which rows of its metrics a query computes: broken down by a dimension, sliced, or all."""

    by: str | None = None
    where: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Query:
    """A metric query: its syntax tree and the values bound to its named parameters."""

    tree: exp.Select
    params: dict[str, str] = field(default_factory=dict)


def _period_start(time: exp.Expr, grain: str) -> exp.Expr:
    """The first day of the grain period holding time."""
    return date(exp.TimestampTrunc(this=time, unit=exp.var(grain.upper())))


def _period_end(start: exp.Expr, grain: str) -> exp.Expr:
    """The first day after the grain period starting at start."""
    count, unit = GRAINS[grain].step
    return later(start, count, unit)


def _period_columns(start: exp.Column, grain: str) -> list[exp.Expr]:
    """period_start and period_end of start; whether a period is complete is coverage's call."""
    return [start, named(_period_end(start.copy(), grain), "period_end")]


def _fragment(metric: Metric, text: str, source: str, role: str) -> exp.Expr:
    """The checked tree of one of metric's SQL fragments (its filter or column)."""
    return checked_expression(text, source, where=f"metric {metric.name}: {role}")


def _slices(cut: Cut, source: str) -> tuple[list[exp.Expr], dict[str, str]]:
    """The conditions keeping cut's slices of source, and the values they bind."""
    names = [f"slice_{i}" for i in range(len(cut.where))]
    conditions: list[exp.Expr] = [
        exp.EQ(this=dimension_value(source, dim), expression=exp.Placeholder(this=name))
        for name, (dim, _) in zip(names, cut.where, strict=True)
    ]
    return conditions, {name: value for name, (_, value) in zip(names, cut.where, strict=True)}


def _filtered(call: exp.Expr, condition: exp.Expr) -> exp.Expr:
    """The aggregate call over the rows condition keeps."""
    return exp.Filter(this=call, expression=exp.Where(this=condition))


def event_aggregate(metric: Metric) -> exp.Expr:
    """The aggregate computing metric over events, with its filter."""
    agg = str(metric.aggregation)
    if agg == "count":
        call: exp.Expr = exp.Count(this=exp.Star())
    elif agg == "count_distinct":
        value = _fragment(metric, str(metric.column), "events", "column")
        call = exp.Count(this=exp.Distinct(expressions=[value]))
    else:
        value = _fragment(metric, str(metric.column), "events", "column")
        # safe: without it sqlglot writes Spark's plain CAST, which fails on bad text in ANSI
        # mode (Spark 4's default) where DuckDB's TRY_CAST gives NULL.
        double = exp.DataType(this=exp.DataType.Type.DOUBLE)
        number = exp.TryCast(this=value, to=double, safe=True)
        if agg == "last":
            call = exp.ArgMax(this=number, expression=column(metric.time_column))
        else:
            call = _AGGREGATES[agg](this=number)
    if not metric.filter:
        return call
    return _filtered(call, _fragment(metric, metric.filter, "events", "filter"))


def _calendar(grain: str) -> exp.Select:
    """Every period_start from the bounds' first period to their last."""
    count, unit = GRAINS[grain].step
    steps = exp.GenerateSeries(
        start=column("first_period"),
        end=column("last_period"),
        step=exp.Interval(this=exp.Literal.string(str(count)), unit=exp.var(unit)),
    )
    # The cast sits outside the series' own query: Spark refuses a generator (EXPLODE) nested
    # in an expression, and DuckDB's series of dates is one of timestamps.
    periods = select(
        [named(exp.Explode(this=steps), "period")],
        table("bounds"),
        where=[exp.not_(exp.Is(this=column("first_period"), expression=exp.Null()))],
    )
    return select([named(date(column("period")), "period_start")], subquery(periods, "periods"))


def events_query(
    metrics: Sequence[Metric], cut: Cut = Cut(), covered_through: str | None = None
) -> Query:
    """The query giving one row per period over the whole event range, one column per metric.

    metrics share one grain and timestamp. Columns: period_start, period_end (exclusive),
    dimension_value when broken down, then each metric's value, zero-filled for counts and sums.
    A breakdown has a row for every period and every value seen in the (sliced) events. The
    periods run on to covered_through (an ISO day the exports cover past their last event), so
    a quiet week the data covers counts zero rather than going missing.
    """
    grain, time = metrics[0].grain, metrics[0].time_column
    last: exp.Expr = exp.Max(this=column(time))
    if covered_through is not None:
        stated = exp.Cast(
            this=exp.Placeholder(this="covered_through"),
            to=exp.DataType(this=exp.DataType.Type.TIMESTAMP),
        )
        last = exp.Greatest(this=last, expressions=[stated])
    bounds = select(
        [
            named(_period_start(exp.Min(this=column(time)), grain), "first_period"),
            named(_period_start(last, grain), "last_period"),
        ],
        table("events"),
    )
    keys = [named(_period_start(column(time), grain), "period_start")]
    keys += [named(dimension_value("events", cut.by), DIMENSION)] if cut.by else []
    conditions, params = _slices(cut, "events")
    if covered_through is not None:
        params["covered_through"] = covered_through
    ctes = {
        "bounds": bounds,
        "calendar": _calendar(grain),
        "agg": select(
            [*keys, *(named(event_aggregate(m), m.name) for m in metrics)],
            table("events"),
            where=conditions,
            group=[exp.Literal.number(i + 1) for i in range(len(keys))],
        ),
    }
    matched: exp.Expr = exp.EQ(
        this=column("period_start", "a"), expression=column("period_start", "c")
    )
    joins: list[exp.Join] = []
    if cut.by:
        # Every period gets a row for every value, so a value's quiet weeks read as zero.
        ctes["dimension_values"] = select([column(DIMENSION)], table("agg"), distinct=True)
        joins.append(cross_join(table("dimension_values", "v")))
        same_value = exp.NullSafeEQ(this=column(DIMENSION, "a"), expression=column(DIMENSION, "v"))
        matched = exp.and_(matched, same_value, copy=False)
    joins.append(left_join(table("agg", "a"), matched))
    values = [
        named(exp.Coalesce(this=column(m.name, "a"), expressions=[exp.Literal.number(0)]), m.name)
        if m.aggregation in ZERO_FILLED
        else column(m.name, "a")
        for m in metrics
    ]
    breakdown = [column(DIMENSION, "v")] if cut.by else []
    query = select(
        [
            *_period_columns(column("period_start", "c"), grain),
            *breakdown,
            *values,
        ],
        table("calendar", "c"),
        joins=joins,
        order=[column("period_start", "c"), *(c.copy() for c in breakdown)],
        ctes=ctes,
    )
    return Query(query, params)


def _kpi_aggregate(aggregation: str) -> exp.Expr:
    """The aggregate computing a KPI metric over its rows."""
    if aggregation == "last":
        # The period's latest snapshot, summed over segments: MRR per plan adds up to MRR.
        return _filtered(exp.Sum(this=column("value")), column("is_last"))
    if aggregation == "count":
        return exp.Count(this=exp.Star())
    return _AGGREGATES[aggregation](this=column("value"))


def kpi_query(metric: Metric, cut: Cut = Cut()) -> Query:
    """The query giving metric's periods with data: period_start, period_end, value.

    Binds the KPI's stored name (and any slice values). Broken down, dimension_value comes
    before value, and a snapshot (last) is each value's own latest.
    """
    keys = ["period_start", *([DIMENSION] if cut.by else [])]
    conditions, params = _slices(cut, "kpis")
    if metric.filter:
        conditions.insert(0, _fragment(metric, metric.filter, "kpis", "filter"))
    src = select(
        [
            named(column(metric.time_column), "date"),
            column("value"),
            named(_period_start(column(metric.time_column), metric.grain), "period_start"),
            *([named(dimension_value("kpis", cut.by), DIMENSION)] if cut.by else []),
        ],
        table("kpis"),
        where=[exp.EQ(this=column("metric"), expression=exp.Placeholder(this="kpi")), *conditions],
    )
    latest = exp.Window(this=exp.Max(this=column("date")), partition_by=[column(k) for k in keys])
    is_last = named(exp.EQ(this=column("date"), expression=latest), "is_last")
    query = select(
        [
            *_period_columns(column("period_start"), metric.grain),
            *([column(DIMENSION)] if cut.by else []),
            named(_kpi_aggregate(str(metric.aggregation)), "value"),
        ],
        table("marked"),
        group=[column(k) for k in keys],
        order=[column(k) for k in keys],
        ctes={
            "src": src,
            "marked": select([exp.Star(), is_last], table("src")),
        },
    )
    return Query(query, {"kpi": metric.kpi_name} | params)
