"""Metric definitions compiled to SQL: the one place metric SQL is generated.

Event metrics of one grain are computed in a single scan of the events table (one aggregate per
metric, each with its own FILTER), so adding a metric does not add a scan. KPI metrics read the
small KPI table. User fragments arrive as checked syntax trees (see expressions.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipelines.db import quote_ident
from pipelines.metrics.expressions import checked_expression, render
from pipelines.metrics.spec import Metric

GRAIN_INTERVALS = {"day": "1 DAY", "week": "1 WEEK", "month": "1 MONTH", "quarter": "3 MONTH"}
# Counts and sums over a period with no matching event are zero, not unknown.
ZERO_FILLED = frozenset({"count", "count_distinct", "sum"})


def _where(metric: Metric, source: str) -> str:
    """The metric's filter rendered as SQL, or TRUE."""
    if not metric.filter:
        return "TRUE"
    return render(checked_expression(metric.filter, source, where=f"metric {metric.name}: filter"))


def _column(metric: Metric, source: str, numeric: bool) -> str:
    """The metric's column expression rendered as SQL, cast to DOUBLE when numeric."""
    assert metric.column is not None
    sql = render(checked_expression(metric.column, source, where=f"metric {metric.name}: column"))
    return f"TRY_CAST({sql} AS DOUBLE)" if numeric else sql


def event_aggregate(metric: Metric) -> str:
    """The aggregate expression computing metric over events, with its filter."""
    agg = metric.aggregation
    if agg == "count":
        call = "count(*)"
    elif agg == "count_distinct":
        call = f"count(DISTINCT {_column(metric, 'events', numeric=False)})"
    elif agg == "last":
        call = f"arg_max({_column(metric, 'events', numeric=True)}, event_time)"
    else:
        call = f"{agg}({_column(metric, 'events', numeric=True)})"
    return f"{call} FILTER (WHERE {_where(metric, 'events')})"


def events_sql(metrics: Sequence[Metric], grain: str) -> str:
    """SQL giving one row per grain period over the whole event range, one column per metric.

    Columns: period_start, period_end (exclusive), complete (the period ended within the data),
    then each metric's value, zero-filled for counts and sums.
    """
    interval = GRAIN_INTERVALS[grain]
    aggregates = ",\n        ".join(
        f"{event_aggregate(m)} AS {quote_ident(m.name)}" for m in metrics
    )
    values = ",\n    ".join(
        f"coalesce(a.{quote_ident(m.name)}, 0) AS {quote_ident(m.name)}"
        if m.aggregation in ZERO_FILLED
        else f"a.{quote_ident(m.name)}"
        for m in metrics
    )
    return f"""
WITH bounds AS (
    SELECT CAST(date_trunc('{grain}', min(event_time)) AS DATE) AS first_period,
           CAST(date_trunc('{grain}', max(event_time)) AS DATE) AS last_period,
           CAST(date_trunc('day', max(event_time)) + INTERVAL 1 DAY AS DATE) AS data_end
    FROM events
),
calendar AS (
    SELECT CAST(unnest(generate_series(first_period, last_period, INTERVAL {interval})) AS DATE)
        AS period_start
    FROM bounds
    WHERE first_period IS NOT NULL
),
agg AS (
    SELECT CAST(date_trunc('{grain}', event_time) AS DATE) AS period_start,
        {aggregates}
    FROM events
    GROUP BY 1
)
SELECT c.period_start,
    CAST(c.period_start + INTERVAL {interval} AS DATE) AS period_end,
    CAST(c.period_start + INTERVAL {interval} AS DATE) <= b.data_end AS complete,
    {values}
FROM calendar c CROSS JOIN bounds b LEFT JOIN agg a USING (period_start)
ORDER BY c.period_start
"""  # noqa: S608 - identifiers quoted, user fragments parsed and re-rendered, grain from a closed set


_KPI_AGGREGATES = {
    "count": "count(*)",
    "sum": "sum(value)",
    "avg": "avg(value)",
    "min": "min(value)",
    "max": "max(value)",
    # The period's latest snapshot, summed over segments: MRR per plan adds up to MRR.
    "last": "sum(value) FILTER (WHERE is_last)",
}


def kpi_sql(metric: Metric, grain: str) -> str:
    """SQL giving metric's periods with data (period_start, period_end, complete, value).

    Takes one bound parameter: the KPI's stored name. A period is complete when the KPI's rows,
    at their usual spacing, reach its end.
    """
    assert metric.aggregation is not None
    interval = GRAIN_INTERVALS[grain]
    return f"""
WITH src AS (
    SELECT date, value, CAST(date_trunc('{grain}', date) AS DATE) AS period_start
    FROM kpis WHERE metric = ? AND ({_where(metric, "kpis")})
),
marked AS (
    SELECT *, date = max(date) OVER (PARTITION BY period_start) AS is_last FROM src
),
spacing AS (
    SELECT coalesce(CAST(median(gap) AS INTEGER), 1) AS days
    FROM (SELECT date - lag(date) OVER (ORDER BY date) AS gap FROM (SELECT DISTINCT date FROM src))
),
data_end AS (
    SELECT max(date) + (SELECT days FROM spacing) AS day FROM src
)
SELECT period_start,
    CAST(period_start + INTERVAL {interval} AS DATE) AS period_end,
    CAST(period_start + INTERVAL {interval} AS DATE) <= (SELECT day FROM data_end) AS complete,
    {_KPI_AGGREGATES[metric.aggregation]} AS value
FROM marked
GROUP BY period_start
ORDER BY period_start
"""  # noqa: S608 - identifiers quoted, user fragments parsed and re-rendered, grain from a closed set
