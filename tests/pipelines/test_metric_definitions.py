"""Metric definitions: types as in dbt, grains, timestamps, dimensions and formulas."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pipelines.errors import OkrlensError
from pipelines.metrics.spec import Metric, MetricCatalog, load_metrics


def catalog(*metrics: dict[str, Any]) -> MetricCatalog:
    return MetricCatalog.model_validate({"metrics": list(metrics)})


# Written with dbt's spellings (agg, expr); test_metrics.py keeps the earlier ones.
WAU = {
    "name": "wau",
    "kind": "leading",
    "source": "events",
    "agg": "count_distinct",
    "expr": "user_id",
}
WORKFLOWS = {
    "name": "workflows",
    "kind": "leading",
    "source": "events",
    "agg": "count",
    "filter": "event_name = 'workflow_completed'",
}
MRR = {"name": "mrr", "kind": "lagging", "source": "kpis", "agg": "last"}
RATIO = {"ratio": {"numerator": "workflows", "denominator": "wau"}}


def defined(**fields: Any) -> Metric:
    """Metric m, declared with fields beside wau, workflows and mrr."""
    return catalog(WAU, WORKFLOWS, MRR, {"name": "m", "kind": "leading", **fields}).get("m")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param(
            {"source": "events", "aggregation": "count"},
            {"type": "simple", "aggregation": "count"},
            id="a-source-and-an-aggregation-make-a-simple-metric",
        ),
        pytest.param(
            {"source": "events", "agg": "count_distinct", "expr": "account_id"},
            {"type": "simple", "aggregation": "count_distinct", "column": "account_id"},
            id="dbt's-agg-and-expr-are-the-aggregation-and-the-column",
        ),
        pytest.param(
            {"type": "simple", "source": "kpis", "kpi": "mrr", "agg": "avg"},
            {"type": "simple", "aggregation": "avg", "kpi_name": "mrr"},
            id="an-explicit-simple-type",
        ),
        pytest.param(RATIO, {"type": "ratio", "parts": ["workflows", "wau"]}, id="a-ratio-block"),
        pytest.param(
            {"type": "ratio", **RATIO},
            {"type": "ratio", "aggregation": None, "source": None},
            id="an-explicit-ratio-type-reads-like-today's-ratios",
        ),
        pytest.param(
            {"expr": "workflows - wau"},
            {"type": "derived", "parts": ["workflows", "wau"], "column": None},
            id="an-expr-without-a-source-is-derived",
        ),
        pytest.param(
            {"type": "derived", "expr": "(workflows + workflows) / 2"},
            {"type": "derived", "parts": ["workflows"]},
            id="a-derived-metric's-parts-are-each-named-once",
        ),
    ],
)
def test_the_type_is_inferred_when_the_fields_make_it_plain(
    fields: dict[str, Any], expected: dict[str, Any]
) -> None:
    metric = defined(**fields)
    assert {key: getattr(metric, key) for key in expected} == expected


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param(
            {"type": "simple", "source": "events", "aggregation": "count", **RATIO},
            "a simple metric (one aggregation over a source) takes no ratio",
            id="a-simple-metric-with-a-ratio-block",
        ),
        pytest.param(
            {**RATIO, "source": "events", "filter": "user_id = 'u1'"},
            "a ratio metric (numerator metric / denominator metric) takes no source, filter",
            id="a-ratio-with-the-fields-of-a-simple-metric",
        ),
        pytest.param(
            {"type": "ratio"},
            "a ratio metric (numerator metric / denominator metric) needs ratio",
            id="a-ratio-without-its-parts",
        ),
        pytest.param(
            {"type": "derived"},
            "a derived metric (arithmetic over other metrics) needs expr",
            id="a-derived-metric-without-expr",
        ),
        pytest.param(
            {"type": "derived", "expr": "wau", "agg": "sum"},
            "a derived metric (arithmetic over other metrics) takes no aggregation",
            id="a-derived-metric-with-an-aggregation",
        ),
        pytest.param(
            {**RATIO, "dimensions": ["plan"]},
            "takes no dimensions",
            id="a-ratio-inherits-its-dimensions-rather-than-declaring-them",
        ),
        pytest.param(
            {"type": "ratio", "numerator": "workflows", "denominator": "wau"},
            "a metric takes no numerator: write ratio: {numerator: …, denominator: …}",
            id="dbt's-top-level-numerator",
        ),
        pytest.param(
            {"type": "derived", "type_params": {"expr": "wau * 2"}},
            "a metric takes no type_params: write its fields on the metric itself",
            id="dbt's-type-params",
        ),
        pytest.param(
            {"source": "events", "agg": "count", "aggregation": "count"},
            "give agg or aggregation, not both",
            id="both-spellings-of-the-aggregation",
        ),
        pytest.param(
            {"source": "events", "agg": "max", "expr": "user_id", "column": "user_id"},
            "give expr or column, not both",
            id="both-spellings-of-the-column",
        ),
        pytest.param(
            {"type": "cumulative", "source": "events", "aggregation": "count"},
            "Input should be 'simple', 'ratio' or 'derived'",
            id="an-unknown-type",
        ),
        pytest.param(
            {"source": "events"},
            "a simple metric (one aggregation over a source) needs source and aggregation",
            id="no-aggregation",
        ),
        pytest.param(
            {"source": "events", "aggregation": "sum"}, "needs a column", id="sum-without-column"
        ),
        pytest.param(
            {"ratio": {"numerator": "x", "denominator": "wau"}},
            "metric m: ratio refers to unknown metric 'x'",
            id="a-ratio-of-an-unknown-metric",
        ),
        pytest.param(
            {"expr": "wau - nope"},
            "metric m: derived refers to unknown metric 'nope'",
            id="a-derived-metric-of-an-unknown-metric",
        ),
        pytest.param(
            {"source": "events", "aggregation": "count", "kind": "other"},
            "Input should be 'leading' or 'lagging'",
            id="bad-kind",
        ),
    ],
)
def test_a_definition_that_does_not_fit_its_type_is_refused(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        defined(**fields)


def test_a_bad_metric_name_is_refused() -> None:
    with pytest.raises(ValueError, match="String should match pattern"):
        catalog({**WAU, "name": "Bad Name"})


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        pytest.param("sum(wau)", "uses 'SUM(wau)'", id="a-function-call"),
        pytest.param("wau || 'x'", "uses", id="a-string"),
        pytest.param("wau; DROP TABLE events", "uses", id="a-second-statement"),
        pytest.param("(SELECT 1) + wau", "uses", id="a-subquery"),
        pytest.param("e.wau + 1", "uses 'e.wau'", id="a-qualified-name"),
        pytest.param("wau % 2", "uses 'wau % 2'", id="an-operator-beyond-the-four"),
        pytest.param("CAST(wau AS INT)", "uses", id="a-cast"),
        pytest.param("1 + 1", "refers to no metric", id="no-metric-at-all"),
        pytest.param("wau -", "cannot parse expr 'wau -'", id="a-syntax-error"),
    ],
)
def test_a_derived_formula_is_only_arithmetic_over_metrics(expr: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        defined(expr=expr)


MONTHLY_WAU = {**WAU, "name": "mau", "grain": "month"}


@pytest.mark.parametrize(
    ("metrics", "message"),
    [
        pytest.param(
            [
                WORKFLOWS,
                MONTHLY_WAU,
                {
                    "name": "r",
                    "kind": "leading",
                    "ratio": {"numerator": "workflows", "denominator": "mau"},
                },
            ],
            "metric r: ratio combines parts of different grains (workflows per week, mau per "
            "month): it is computed period by period, so give its parts one grain",
            id="a-ratio-of-a-weekly-and-a-monthly-metric",
        ),
        pytest.param(
            [WAU, MONTHLY_WAU, {"name": "d", "kind": "leading", "expr": "wau - mau"}],
            "metric d: derived combines parts of different grains (wau per week, mau per month)",
            id="a-derived-metric-of-two-grains",
        ),
        pytest.param(
            [WAU, WORKFLOWS, {"name": "r", "kind": "leading", "grain": "month", **RATIO}],
            "metric r: ratio declares grain month, but its parts are per week: remove its grain "
            "(it inherits its parts') or give the parts grain month",
            id="a-ratio-declaring-another-grain-than-its-parts",
        ),
        pytest.param(
            [
                WAU,
                WORKFLOWS,
                {"name": "r", "kind": "leading", **RATIO},
                {"name": "d", "kind": "leading", "expr": "r * 100"},
            ],
            "metric d: derived of ratio metric 'r' is not supported: write it over the simple "
            "metrics that r combines",
            id="a-derived-metric-of-a-ratio",
        ),
        pytest.param(
            [
                WAU,
                WORKFLOWS,
                {"name": "r", "kind": "leading", **RATIO},
                {
                    "name": "rr",
                    "kind": "leading",
                    "ratio": {"numerator": "r", "denominator": "wau"},
                },
            ],
            "ratio of ratio metric 'r' is not supported",
            id="a-ratio-of-a-ratio",
        ),
    ],
)
def test_parts_that_do_not_combine_period_by_period_are_refused(
    metrics: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        catalog(*metrics)


def test_a_ratio_inherits_its_parts_grain_or_may_repeat_it() -> None:
    monthly = catalog(
        {**WORKFLOWS, "grain": "month"},
        {**WAU, "grain": "month"},
        {"name": "r", "kind": "leading", **RATIO},
        {"name": "same", "kind": "leading", "grain": "month", **RATIO},
        {"name": "d", "kind": "leading", "expr": "workflows * 2"},
    )
    assert [monthly.get(n).grain for n in ("r", "same", "d")] == ["month", "month", "month"]


def test_a_mixed_grain_ratio_in_metrics_yaml_says_where_and_how_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "metrics.yaml"
    path.write_text(
        "metrics:\n"
        "  - {name: wau, kind: leading, source: events, agg: count_distinct, expr: user_id}\n"
        "  - {name: mau, kind: leading, source: events, agg: count_distinct, expr: user_id,"
        " grain: month}\n"
        "  - {name: r, kind: leading, ratio: {numerator: wau, denominator: mau}}\n"
    )
    with pytest.raises(OkrlensError) as caught:
        load_metrics(path)
    assert "metrics.yaml is invalid" in caught.value.what
    assert "combines parts of different grains (wau per week, mau per month)" in caught.value.what
    assert "give its parts one grain" in caught.value.what


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param(
            {**WAU, "timestamp": "user_id"},
            "timestamp 'user_id' is not a time column of events: use event_time",
            id="an-events-timestamp-that-is-not-a-time",
        ),
        pytest.param(
            {**MRR, "timestamp": "event_time"},
            "timestamp 'event_time' is not a time column of kpis: use date",
            id="a-kpi-timestamp-of-the-events",
        ),
        pytest.param(
            {**MRR, "dimensions": ["plan"]},
            "kpis cannot be broken down by plan: a dimension of kpis is segment",
            id="a-kpi-by-an-event-property",
        ),
        pytest.param(
            {**WAU, "dimensions": ["plan", "event_time", "properties"]},
            "events cannot be broken down by event_time, properties",
            id="events-by-their-timestamp-or-their-raw-properties",
        ),
        pytest.param(
            {**WAU, "dimensions": ["plan') OR 1=1 --"]},
            "String should match pattern",
            id="a-hostile-dimension-name",
        ),
        pytest.param(
            {**WAU, "dimensions": ["plan']"]}, "String should match pattern", id="a-bracket"
        ),
    ],
)
def test_timestamps_and_dimensions_are_checked_against_the_source(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        catalog(fields)


def test_timestamps_default_to_the_source_time_column() -> None:
    metrics = catalog(
        WAU,
        {**WORKFLOWS, "timestamp": "event_time"},
        MRR,
        {**MRR, "name": "m2", "timestamp": "date"},
    )
    assert [m.time_column for m in metrics.metrics] == ["event_time", "event_time", "date", "date"]


def test_a_ratio_or_derived_metric_has_the_dimensions_all_its_parts_declare() -> None:
    metrics = catalog(
        {**WAU, "dimensions": ["plan", "platform"]},
        {**WORKFLOWS, "dimensions": ["platform", "event_name"]},
        {"name": "r", "kind": "leading", **RATIO},
        {"name": "d", "kind": "leading", "expr": "wau * 2"},
    )
    assert metrics.dimensions(metrics.get("r")) == ["platform"]
    assert metrics.dimensions(metrics.get("d")) == ["plan", "platform"]
