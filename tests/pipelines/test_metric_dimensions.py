"""Metrics broken down by a declared dimension, or restricted to one slice of it."""

from __future__ import annotations

import math
import re
from typing import Any

import duckdb
import pandas as pd
import pytest

from pipelines import db
from pipelines.errors import OkrlensError
from pipelines.ingest.events import ingest_events
from pipelines.ingest.kpis import ingest_kpis
from pipelines.metrics.series import SERIES_COLUMNS, metric_series
from pipelines.metrics.spec import MetricCatalog
from tests.conftest import WriteCsv

# Three weeks: 03-02 busy, 03-09 quiet, 03-16 with ben upgraded to pro and dev on no plan.
EVENTS = """event_time,user_id,account_id,event_name,plan,platform
2026-03-02 10:00:00,ana,acme,workflow_completed,pro,web
2026-03-03 10:00:00,ana,acme,workflow_completed,pro,web
2026-03-03 11:00:00,ben,acme,session_started,free,desktop
2026-03-04 12:00:00,cleo,zeta,workflow_completed,free,web
2026-03-16 09:00:00,ben,acme,workflow_completed,pro,web
2026-03-17 09:00:00,dev,zeta,session_started,,web
"""
# The department reports mrr on Mondays only, the campus also on Thursday 03-05.
KPIS = """date,metric,segment,value
2026-03-02,mrr,campus,100
2026-03-02,mrr,department,40
2026-03-05,mrr,campus,105
2026-03-09,mrr,campus,110
2026-03-09,mrr,department,45
2026-03-02,churned_mrr,campus,10
2026-03-09,churned_mrr,department,5
"""
PLAN_AND_MORE = ["plan", "platform", "account_id", "event_name"]
WORKFLOWS = {
    "name": "workflows",
    "kind": "leading",
    "source": "events",
    "agg": "count",
    "filter": "event_name = 'workflow_completed'",
    "dimensions": PLAN_AND_MORE,
}
USERS = {
    "name": "users",
    "kind": "leading",
    "source": "events",
    "agg": "count_distinct",
    "expr": "user_id",
    "dimensions": PLAN_AND_MORE,
}
EVENTS_COUNT = {**WORKFLOWS, "name": "all_events", "filter": None}
PER_USER = {
    "name": "per_user",
    "kind": "leading",
    "ratio": {"numerator": "workflows", "denominator": "users"},
}
SEGMENT = ["segment"]
MRR = {"name": "mrr", "kind": "lagging", "source": "kpis", "agg": "last", "dimensions": SEGMENT}
CHURNED = {
    "name": "churned_mrr",
    "kind": "lagging",
    "source": "kpis",
    "agg": "sum",
    "dimensions": SEGMENT,
}
NET = {"name": "net", "kind": "lagging", "expr": "mrr - churned_mrr"}
CATALOG = MetricCatalog.model_validate(
    {"metrics": [WORKFLOWS, USERS, EVENTS_COUNT, PER_USER, MRR, CHURNED, NET]}
)


@pytest.fixture
def store(con: duckdb.DuckDBPyConnection, write_csv: WriteCsv) -> duckdb.DuckDBPyConnection:
    ingest_events(con, write_csv("events.csv", EVENTS))
    ingest_kpis(con, write_csv("kpis.csv", KPIS))
    return con


def by_value(series: pd.DataFrame) -> dict[str, float]:
    """'value week' -> number; events without the dimension show as (none)."""
    week = series["period_start"].astype(str).str[:10]
    keys = series["dimension_value"].fillna("(none)") + " " + week
    return dict(zip(keys, series["value"], strict=True))


def by_week(series: pd.DataFrame) -> dict[str, float]:
    """week -> number."""
    return dict(zip(series["period_start"].astype(str).str[:10], series["value"], strict=True))


# Hand-worked from the rows above, week by week (03-02, 03-09, 03-16).
@pytest.mark.parametrize(
    ("name", "by", "expected"),
    [
        pytest.param(
            "workflows",
            "plan",
            {
                "free 2026-03-02": 1,
                "pro 2026-03-02": 2,
                "(none) 2026-03-02": 0,
                "free 2026-03-09": 0,
                "pro 2026-03-09": 0,
                "(none) 2026-03-09": 0,
                "free 2026-03-16": 0,
                "pro 2026-03-16": 1,
                "(none) 2026-03-16": 0,
            },
            id="a-count-by-an-event-property-has-every-value-every-week-missing-ones-included",
        ),
        pytest.param(
            "users",
            "plan",
            {
                "free 2026-03-02": 2,
                "pro 2026-03-02": 1,
                "(none) 2026-03-02": 0,
                "free 2026-03-09": 0,
                "pro 2026-03-09": 0,
                "(none) 2026-03-09": 0,
                "free 2026-03-16": 0,
                "pro 2026-03-16": 1,
                "(none) 2026-03-16": 1,
            },
            id="a-distinct-count-by-plan-follows-a-user-who-upgrades",
        ),
        pytest.param(
            "all_events",
            "event_name",
            {
                "session_started 2026-03-02": 1,
                "workflow_completed 2026-03-02": 3,
                "session_started 2026-03-09": 0,
                "workflow_completed 2026-03-09": 0,
                "session_started 2026-03-16": 1,
                "workflow_completed 2026-03-16": 1,
            },
            id="a-count-by-a-column",
        ),
        pytest.param(
            "per_user",
            "platform",
            {
                "desktop 2026-03-02": 0,
                "web 2026-03-02": 1.5,
                "desktop 2026-03-09": math.nan,
                "web 2026-03-09": math.nan,
                "desktop 2026-03-16": math.nan,
                "web 2026-03-16": 0.5,
            },
            id="a-ratio-divides-value-by-value-and-is-undefined-where-nobody-was-active",
        ),
        pytest.param(
            "mrr",
            "segment",
            {
                "campus 2026-03-02": 105,
                "department 2026-03-02": 40,
                "campus 2026-03-09": 110,
                "department 2026-03-09": 45,
            },
            id="a-kpi-snapshot-by-segment-is-the-latest-report-of-each-segment",
        ),
        pytest.param(
            "net",
            "segment",
            # churned_mrr has no campus row in 03-09 and no department row in 03-02.
            {"campus 2026-03-02": 95, "department 2026-03-09": 40},
            id="a-derived-metric-keeps-the-values-and-weeks-all-its-parts-have",
        ),
    ],
)
def test_a_metric_breaks_down_by_a_declared_dimension(
    store: duckdb.DuckDBPyConnection, name: str, by: str, expected: dict[str, float]
) -> None:
    series = metric_series(store, CATALOG, [name], by=by)
    assert list(series.columns) == ["metric", "dimension_value", *SERIES_COLUMNS[1:]]
    assert set(series["metric"]) == {name}
    assert by_value(series) == pytest.approx(expected, nan_ok=True)


def test_a_breakdown_of_a_count_adds_up_to_the_count(store: duckdb.DuckDBPyConnection) -> None:
    parts = metric_series(store, CATALOG, ["workflows"], by="plan")
    total = metric_series(store, CATALOG, ["workflows"])
    assert parts.groupby("period_start")["value"].sum().tolist() == total["value"].tolist()


def test_the_total_of_a_snapshot_is_the_latest_date_while_a_segment_has_its_own_latest(
    store: duckdb.DuckDBPyConnection,
) -> None:
    # In the week of 03-02 only the campus reported on the latest date (03-05).
    assert by_week(metric_series(store, CATALOG, ["mrr"])) == {"2026-03-02": 105, "2026-03-09": 155}


@pytest.mark.parametrize(
    ("name", "where", "expected"),
    [
        pytest.param(
            "workflows",
            {"plan": "pro"},
            {"2026-03-02": 2, "2026-03-09": 0, "2026-03-16": 1},
            id="a-count-of-one-plan-keeps-the-whole-calendar",
        ),
        pytest.param(
            "users",
            {"platform": "web"},
            {"2026-03-02": 2, "2026-03-09": 0, "2026-03-16": 2},
            id="a-distinct-count-on-one-platform",
        ),
        pytest.param(
            "per_user",
            {"plan": "free"},
            {"2026-03-02": 0.5, "2026-03-09": math.nan, "2026-03-16": math.nan},
            id="a-ratio-of-one-plan-slices-both-parts",
        ),
        pytest.param(
            "workflows",
            {"plan": "pro", "account_id": "acme"},
            {"2026-03-02": 2, "2026-03-09": 0, "2026-03-16": 1},
            id="two-slices-at-once",
        ),
        pytest.param(
            "mrr",
            {"segment": "department"},
            {"2026-03-02": 40, "2026-03-09": 45},
            id="a-kpi-snapshot-of-one-segment",
        ),
        pytest.param(
            "net", {"segment": "campus"}, {"2026-03-02": 95}, id="a-derived-metric-of-one-segment"
        ),
    ],
)
def test_a_metric_can_be_restricted_to_one_slice(
    store: duckdb.DuckDBPyConnection, name: str, where: dict[str, str], expected: dict[str, float]
) -> None:
    series = metric_series(store, CATALOG, [name], where=where)
    assert list(series.columns) == SERIES_COLUMNS
    assert by_week(series) == pytest.approx(expected, nan_ok=True)


def test_a_breakdown_within_a_slice_has_only_the_values_of_the_slice(
    store: duckdb.DuckDBPyConnection,
) -> None:
    series = metric_series(
        store, CATALOG, ["all_events"], by="event_name", where={"platform": "web"}
    )
    assert by_value(series) == {
        "session_started 2026-03-02": 0,
        "workflow_completed 2026-03-02": 3,
        "session_started 2026-03-09": 0,
        "workflow_completed 2026-03-09": 0,
        "session_started 2026-03-16": 1,
        "workflow_completed 2026-03-16": 1,
    }


@pytest.mark.parametrize(
    "value",
    [
        "pro' OR '1'='1",
        "x'; DROP TABLE events; --",
        "pro\\' OR 1=1 --",
        "$kpi",
        "') = 'pro' OR ('",
    ],
)
def test_a_hostile_slice_value_is_only_a_value_that_matches_nothing(
    store: duckdb.DuckDBPyConnection, value: str
) -> None:
    events = metric_series(store, CATALOG, ["workflows"], where={"plan": value})
    assert by_week(events) == {"2026-03-02": 0, "2026-03-09": 0, "2026-03-16": 0}
    assert metric_series(store, CATALOG, ["mrr"], where={"segment": value}).empty
    assert db.scalar(store, "SELECT count(*) FROM events") == 6


@pytest.mark.parametrize(
    ("names", "by", "where", "message"),
    [
        pytest.param(
            ["workflows"],
            "segment",
            None,
            "metric workflows cannot be broken down by 'segment'",
            id="undeclared-by",
        ),
        pytest.param(
            ["mrr"],
            None,
            {"plan": "pro"},
            "metric mrr cannot be broken down by 'plan'",
            id="undeclared-slice",
        ),
        pytest.param(
            ["workflows"],
            "plan') = 'x' OR ('1",
            None,
            "cannot be broken down by \"plan') = 'x' OR ('1\"",
            id="a-hostile-dimension-name-is-only-an-unknown-name",
        ),
        pytest.param(
            ["workflows"],
            None,
            {"x'); DROP TABLE events; --": "pro"},
            'cannot be broken down by "x\'); DROP TABLE events; --"',
            id="a-hostile-slice-name-too",
        ),
        pytest.param(
            ["workflows"],
            "segment",
            None,
            "use one of its dimensions (plan, platform, account_id, event_name)",
            id="the-fix-lists-the-declared-dimensions",
        ),
        pytest.param(
            None,
            "plan",
            None,
            "metric mrr cannot be broken down by 'plan'",
            id="every-metric-asked-for-must-declare-it",
        ),
    ],
)
def test_an_undeclared_dimension_is_refused_before_any_query(
    store: duckdb.DuckDBPyConnection,
    names: list[str] | None,
    by: str | None,
    where: dict[str, str] | None,
    message: str,
) -> None:
    with pytest.raises(OkrlensError) as caught:
        metric_series(store, CATALOG, names, by=by, where=where)
    assert message in f"{caught.value.what} {caught.value.fix}"
    assert caught.value.where.startswith("metrics.yaml, metric ")
    assert db.scalar(store, "SELECT count(*) FROM events") == 6


def test_a_ratio_has_only_the_dimensions_both_its_parts_declare(
    store: duckdb.DuckDBPyConnection,
) -> None:
    metrics: list[dict[str, Any]] = [WORKFLOWS, {**USERS, "dimensions": ["plan"]}, PER_USER]
    narrow = MetricCatalog.model_validate({"metrics": metrics})
    with pytest.raises(OkrlensError, match=re.escape("Use one of its dimensions (plan)")):
        metric_series(store, narrow, ["per_user"], by="platform")
    assert not metric_series(store, narrow, ["per_user"], by="plan").empty


def test_a_breakdown_of_an_empty_store_is_empty_with_the_breakdown_columns(
    con: duckdb.DuckDBPyConnection,
) -> None:
    series = metric_series(con, CATALOG, ["workflows", "per_user"], by="plan")
    assert series.empty
    assert list(series.columns) == ["metric", "dimension_value", *SERIES_COLUMNS[1:]]
