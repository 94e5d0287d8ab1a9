"""Metric SQL rendered for Spark: the renderer is the only engine-specific part."""

from __future__ import annotations

from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from pipelines.metrics.compile import Cut, Query, events_query, kpi_query
from pipelines.metrics.spec import Metric, MetricCatalog, load_metrics
from pipelines.metrics.sqltree import render
from pipelines.sample import SAMPLE_DIR

SAMPLE = load_metrics(SAMPLE_DIR / "metrics.yaml")
SIMPLE = [m for m in SAMPLE.metrics if m.type == "simple"]
# What each aggregation must become in Spark SQL, written out by hand.
SPARK_AGGREGATES = {
    ("events", "count"): "COUNT(*)",
    ("events", "count_distinct"): "COUNT(DISTINCT {column})",
    ("kpis", "last"): "SUM(`value`) FILTER(WHERE `is_last`)",
    ("kpis", "sum"): "SUM(`value`)",
    ("kpis", "avg"): "AVG(`value`)",
}
# DuckDB spellings that Spark does not read: none may survive the rendering.
DUCKDB_ONLY = ("GENERATE_SERIES", "UNNEST", "ARG_MAX", "->>", "$kpi", "$slice", "INTERVAL (", '"')


def _sample_query(metric: Metric, cut: Cut) -> Query:
    """The query computing metric as the series code runs it: events of a grain share one."""
    if metric.source == "kpis":
        return kpi_query(metric, cut)
    return events_query(
        [m for m in SIMPLE if m.source == "events" and m.grain == metric.grain], cut
    )


def _select_of(tree: exp.Expr, cte: str | None) -> exp.Select:
    """The SELECT of the CTE called cte, or the outermost one."""
    if cte is None:
        assert isinstance(tree, exp.Select)
        return tree
    return next(c.this for c in tree.find_all(exp.CTE) if c.alias == cte)


def test_every_sample_ratio_combines_sample_metrics_that_have_sql() -> None:
    combined = [m for m in SAMPLE.metrics if m.type != "simple"]
    assert combined and all(SAMPLE.get(p) in SIMPLE for m in combined for p in m.parts)


@pytest.mark.parametrize("metric", SIMPLE, ids=lambda m: m.name)
def test_every_sample_metric_renders_as_spark_sql_that_spark_sql_parses(metric: Metric) -> None:
    sql = render(_sample_query(metric, Cut()).tree, "spark")
    statements = sqlglot.parse(sql, read="spark")
    assert len(statements) == 1 and statements[0] is not None
    assert not [s for s in DUCKDB_ONLY if s in sql]
    events = metric.source == "events"
    select = _select_of(statements[0], "agg" if events else None)
    alias = metric.name if events else "value"
    aggregate = next(a.this for a in select.expressions if a.alias_or_name == alias)
    expected = SPARK_AGGREGATES[(str(metric.source), str(metric.aggregation))]
    expected = expected.format(column=metric.column)
    if metric.filter:
        spark_filter = sqlglot.transpile(metric.filter, read="duckdb", write="spark")[0]
        expected += f" FILTER(WHERE {spark_filter})"
    assert aggregate.sql("spark") == expected
    if events:
        # One scan of the events per grain, whatever the number of metrics (plus its bounds).
        assert len([t for t in statements[0].find_all(exp.Table) if t.name == "events"]) == 2
    else:
        assert "`metric` = :kpi" in sql


def test_a_breakdown_and_slice_render_for_spark_with_the_slice_bound() -> None:
    metric = SAMPLE.get("signups")
    query = _sample_query(metric, Cut(by="plan", where=(("platform", "web' OR '1'='1"),)))
    sql = render(query.tree, "spark")
    assert len(sqlglot.parse(sql, read="spark")) == 1
    assert "GET_JSON_OBJECT(`properties`, '$.plan') AS `dimension_value`" in sql
    assert "GET_JSON_OBJECT(`properties`, '$.platform') = :slice_0" in sql
    assert "`a`.`dimension_value` IS NOT DISTINCT FROM `v`.`dimension_value`" in sql
    assert "web" not in sql and query.params == {"slice_0": "web' OR '1'='1"}


def test_a_kpi_breakdown_renders_for_spark() -> None:
    query = kpi_query(SAMPLE.get("mrr"), Cut(by="segment", where=(("segment", "campus"),)))
    sql = render(query.tree, "spark")
    assert len(sqlglot.parse(sql, read="spark")) == 1
    assert "PARTITION BY `period_start`, `dimension_value`" in sql
    assert "`segment` = :slice_0" in sql and "`metric` = :kpi" in sql
    assert query.params == {"kpi": "mrr", "slice_0": "campus"}


@pytest.mark.parametrize(
    ("fields", "spark"),
    [
        pytest.param(
            {"aggregation": "last", "column": "properties['seats']"},
            "MAX_BY(TRY_CAST(GET_JSON_OBJECT(properties, '$.seats') AS DOUBLE), `event_time`)",
            id="last-is-max-by-time",
        ),
        pytest.param(
            {"aggregation": "sum", "column": "properties['seats']", "filter": "user_id <> 'bot'"},
            "SUM(TRY_CAST(GET_JSON_OBJECT(properties, '$.seats') AS DOUBLE)) "
            "FILTER(WHERE user_id <> 'bot')",
            id="sum-of-a-property-with-a-filter",
        ),
        pytest.param(
            {"aggregation": "min", "column": "CAST(event_time AS DATE)"},
            "MIN(TRY_CAST(CAST(event_time AS DATE) AS DOUBLE))",
            id="min-of-an-expression",
        ),
    ],
)
def test_event_aggregations_beyond_the_sample_render_for_spark(
    fields: dict[str, Any], spark: str
) -> None:
    declared = {"name": "m", "kind": "leading", "source": "events", **fields}
    metric = MetricCatalog.model_validate({"metrics": [declared]}).get("m")
    tree = sqlglot.parse_one(render(events_query([metric]).tree, "spark"), read="spark")
    aggregate = next(a.this for a in _select_of(tree, "agg").expressions if a.alias == "m")
    assert aggregate.sql("spark") == spark
