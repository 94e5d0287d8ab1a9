"""The metric engine: declared metrics become DuckDB SQL and tidy series; user SQL is checked.

Definitions (types, grains, dimensions) and the Spark rendering are in test_metric_definitions.py.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import duckdb
import pandas as pd
import pytest

from pipelines import db
from pipelines.errors import OkrlensError
from pipelines.ingest.events import ingest_events
from pipelines.ingest.kpis import ingest_kpis
from pipelines.metrics.expressions import checked_expression
from pipelines.metrics.series import metric_series
from pipelines.metrics.spec import MetricCatalog
from pipelines.metrics.sqltree import render
from tests.conftest import WriteCsv

EVENTS = """event_time,user_id,account_id,event_name,plan
2026-05-18 09:00:00,u1,a1,workflow_completed,pro
2026-05-19 09:00:00,u1,a1,workflow_completed,pro
2026-05-20 09:00:00,u2,a1,session_started,free
2026-06-01 09:00:00,u2,a2,workflow_completed,free
2026-06-02 09:00:00,u3,a2,workflow_completed,pro
"""
# Two segments on two dates in one week: `last` sums the latest date's segments.
KPIS = """date,metric,segment,value
2026-05-18,mrr,campus,100
2026-05-18,mrr,department,50
2026-05-21,mrr,campus,110
2026-05-21,mrr,department,55
2026-05-25,mrr,campus,120
2026-05-25,mrr,department,60
2026-05-18,churned_mrr,campus,15
2026-05-25,churned_mrr,campus,20
2026-05-26,churned_mrr,department,5
"""


def catalog(*metrics: dict[str, Any]) -> MetricCatalog:
    return MetricCatalog.model_validate({"metrics": list(metrics)})


def values(series: pd.DataFrame, metric: str) -> dict[str, float]:
    rows = series[series["metric"] == metric]
    return {str(p)[:10]: v for p, v in zip(rows["period_start"], rows["value"], strict=True)}


@pytest.fixture
def store(con: duckdb.DuckDBPyConnection, write_csv: WriteCsv) -> duckdb.DuckDBPyConnection:
    ingest_events(con, write_csv("events.csv", EVENTS))
    ingest_kpis(con, write_csv("kpis.csv", KPIS))
    return con


WAU = {
    "name": "wau",
    "kind": "leading",
    "source": "events",
    "aggregation": "count_distinct",
    "column": "user_id",
}
WORKFLOWS = {
    "name": "workflows",
    "kind": "leading",
    "source": "events",
    "aggregation": "count",
    "filter": "event_name = 'workflow_completed'",
}


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        pytest.param(
            WAU,
            {"2026-05-18": 2, "2026-05-25": 0, "2026-06-01": 2},
            id="count-distinct-zero-fills-empty-weeks",
        ),
        pytest.param(
            WORKFLOWS, {"2026-05-18": 2, "2026-05-25": 0, "2026-06-01": 2}, id="count-with-filter"
        ),
        pytest.param(
            {**WORKFLOWS, "name": "pro", "filter": "properties['plan'] = 'pro'"},
            {"2026-05-18": 2, "2026-05-25": 0, "2026-06-01": 1},
            id="filter-on-a-property",
        ),
        pytest.param(
            {**WAU, "name": "accounts", "column": "account_id", "grain": "month"},
            {"2026-05-01": 1, "2026-06-01": 1},
            id="monthly-grain",
        ),
        pytest.param(
            {"name": "mrr", "kind": "lagging", "source": "kpis", "aggregation": "last"},
            {"2026-05-18": 165, "2026-05-25": 180},
            id="kpi-last-sums-segments-of-the-latest-date",
        ),
        pytest.param(
            {
                "name": "mrr_avg",
                "kind": "lagging",
                "source": "kpis",
                "kpi": "mrr",
                "aggregation": "avg",
                "filter": "segment = 'campus'",
            },
            {"2026-05-18": 105, "2026-05-25": 120},
            id="kpi-avg-filtered-by-segment",
        ),
    ],
)
def test_metric_series_values(
    store: duckdb.DuckDBPyConnection, metric: dict[str, Any], expected: dict[str, float]
) -> None:
    series = metric_series(store, catalog(metric))
    assert values(series, metric["name"]) == pytest.approx(expected)


def test_a_ratio_divides_period_by_period_and_leaves_zero_denominators_undefined(
    store: duckdb.DuckDBPyConnection,
) -> None:
    ratio = {
        "name": "per_user",
        "kind": "leading",
        "ratio": {"numerator": "workflows", "denominator": "wau"},
    }
    series = metric_series(store, catalog(WAU, WORKFLOWS, ratio), ["per_user"])
    assert set(series["metric"]) == {"per_user"}
    got = values(series, "per_user")
    assert got["2026-05-18"] == 1.0 and got["2026-06-01"] == 1.0
    assert pd.isna(got["2026-05-25"])


def test_periods_are_complete_only_when_the_data_covers_them(
    store: duckdb.DuckDBPyConnection,
) -> None:
    monthly = {**WAU, "name": "mau", "grain": "month"}
    series = metric_series(store, catalog(WAU, monthly))
    complete = dict(
        zip(
            series["metric"] + " " + series["period_start"].astype(str).str[:10],
            series["complete"],
            strict=True,
        )
    )
    # Events run from Mon 2026-05-18 to 2026-06-02: the week of 06-01 and the month of June are
    # still running, and May is partial (its first 17 days are not in the file).
    assert complete["wau 2026-05-18"] and not complete["wau 2026-06-01"]
    assert not complete["mau 2026-05-01"] and not complete["mau 2026-06-01"]


def test_an_empty_store_gives_an_empty_series(con: duckdb.DuckDBPyConnection) -> None:
    series = metric_series(
        con,
        catalog(WAU, {"name": "mrr", "kind": "lagging", "source": "kpis", "aggregation": "last"}),
    )
    assert series.empty
    assert list(series.columns) == [
        "metric",
        "period_start",
        "period_end",
        "value",
        "complete",
        "covered_through",
    ]


# Weeks of the events above: 2026-05-18, 2026-05-25 (no events) and 2026-06-01.
ALL_EVENTS = {"name": "all_events", "kind": "leading", "source": "events", "aggregation": "count"}
ACCOUNTS = {**WAU, "name": "accounts", "column": "account_id"}
MRR = {"name": "mrr", "kind": "lagging", "source": "kpis", "aggregation": "last"}
CHURNED = {"name": "churned_mrr", "kind": "lagging", "source": "kpis", "aggregation": "sum"}
PARTS = (WAU, WORKFLOWS, ALL_EVENTS, ACCOUNTS, MRR, CHURNED)


# Hand-worked from the rows above. Per week (05-18, 05-25, 06-01): all_events 3, 0, 2;
# workflows 2, 0, 2; wau 2, 0, 2; accounts 1, 0, 1. mrr (latest date's segments) 110 + 55 and
# 120 + 60; churned_mrr 15 and 20 + 5; the KPIs have no week of 06-01.
@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        pytest.param(
            "all_events - workflows",
            {"2026-05-18": 1, "2026-05-25": 0, "2026-06-01": 0},
            id="difference-of-two-event-counts",
        ),
        pytest.param(
            "2 * workflows - all_events / 2",
            {"2026-05-18": 2.5, "2026-05-25": 0, "2026-06-01": 3},
            id="multiplication-and-division-bind-before-subtraction",
        ),
        pytest.param(
            "(all_events + wau) / accounts",
            {"2026-05-18": 5, "2026-05-25": math.nan, "2026-06-01": 4},
            id="parentheses-first-and-a-zero-divisor-leaves-the-week-undefined",
        ),
        pytest.param(
            "-0.5 * wau + 1",
            {"2026-05-18": 0, "2026-05-25": 1, "2026-06-01": 0},
            id="negation-and-decimals",
        ),
        pytest.param(
            "mrr - churned_mrr",
            {"2026-05-18": 150, "2026-05-25": 155},
            id="difference-of-two-kpis",
        ),
        pytest.param("mrr + mrr", {"2026-05-18": 330, "2026-05-25": 360}, id="a-part-used-twice"),
        pytest.param(
            "mrr / wau",
            {"2026-05-18": 82.5, "2026-05-25": math.nan},
            id="a-kpi-and-an-event-metric-keep-only-the-weeks-both-have",
        ),
    ],
)
def test_a_derived_metric_computes_its_formula_week_by_week(
    store: duckdb.DuckDBPyConnection, expr: str, expected: dict[str, float]
) -> None:
    derived = {"name": "derived", "kind": "lagging", "type": "derived", "expr": expr}
    series = metric_series(store, catalog(*PARTS, derived), ["derived"])
    assert values(series, "derived") == pytest.approx(expected, nan_ok=True)


def test_a_derived_metric_is_complete_only_where_all_its_parts_are(
    store: duckdb.DuckDBPyConnection,
) -> None:
    derived = {"name": "net", "kind": "lagging", "expr": "mrr - churned_mrr"}
    series = metric_series(store, catalog(*PARTS, derived), ["net"])
    assert series["complete"].tolist() == [True, False]


@pytest.mark.parametrize(
    ("text", "source", "rendered"),
    [
        ("event_name = 'workflow_completed'", "events", "event_name = 'workflow_completed'"),
        (
            "event_name in ('a', 'b') and not user_id like 'test%'",
            "events",
            "event_name IN ('a', 'b') AND NOT user_id LIKE 'test%'",
        ),
        ("properties['plan'] = 'pro'", "events", "(properties ->> '$.plan') = 'pro'"),
        ("segment = 'campus' or value > 0", "kpis", "segment = 'campus' OR value > 0"),
    ],
)
def test_valid_fragments_are_rendered_from_their_syntax_tree(
    text: str, source: str, rendered: str
) -> None:
    assert render(checked_expression(text, source, where="test")) == rendered


@pytest.mark.parametrize(
    ("text", "source", "message"),
    [
        pytest.param("event_name = 'a'; DROP TABLE events", "events", "", id="second-statement"),
        pytest.param(
            "user_id IN (SELECT user_id FROM events)", "events", "may not contain", id="subquery"
        ),
        pytest.param(
            "read_csv('/etc/passwd') IS NOT NULL", "events", "may not contain", id="table-function"
        ),
        pytest.param("plan = 'pro'", "events", "not a column of events", id="unknown-column"),
        pytest.param("e.user_id = 'u1'", "events", "not a column of events", id="qualified-column"),
        pytest.param(
            "value > 0", "events", "not a column of events", id="column-of-the-other-source"
        ),
        pytest.param("event_name = ", "events", "cannot parse", id="syntax-error"),
        pytest.param("event_name = 'open", "events", "not closed", id="unclosed-quote"),
        pytest.param('event_name = "open', "events", "not closed", id="unclosed-identifier"),
        # Text that sqlglot keeps verbatim and renders back unquoted (the injections once found).
        pytest.param(
            'CAST(LENGTH(event_name) AS "INTEGRAL) = 1) AS m0 FROM events GROUP BY 1) SELECT 1; '
            "COPY (SELECT content FROM read_text('/etc/hostname')) TO '/tmp/okrlens-pwned' "
            '(HEADER false); WITH agg AS (SELECT ((1") = 1',
            "events",
            "may not use",
            id="cast-to-a-quoted-type-name-that-is-sql",
        ),
        pytest.param(
            'CAST(value AS "INTEGRAL) = 1; UPDATE kpi_rows SET value = 1; SELECT (1") = 1',
            "kpis",
            "may not use",
            id="cast-payload-updating-kpis",
        ),
        pytest.param(
            'EXTRACT("YEAR FROM event_time) = 1; SELECT (1" FROM event_time) = 1',
            "events",
            "where a date part is expected",
            id="extract-unit-that-is-sql",
        ),
        pytest.param(
            'CAST(event_name AS DECIMAL("1)); SELECT (1")) = 1',
            "events",
            "not a whole number",
            id="decimal-parameter-that-is-sql",
        ),
        pytest.param("CAST(user_id AS INT[]) = 1", "events", "may not use", id="nested-type"),
        pytest.param("CAST(user_id AS MY_TYPE) = 1", "events", "may not use", id="unknown-type"),
        pytest.param(
            "EXTRACT(epoch_ns FROM event_time) > 0", "events", "date part", id="unlisted-unit"
        ),
    ],
)
def test_unsafe_or_wrong_fragments_are_refused(text: str, source: str, message: str) -> None:
    with pytest.raises(OkrlensError) as caught:
        checked_expression(text, source, where="metric m: filter")
    assert message in caught.value.what
    assert caught.value.where == "metric m: filter"


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("CAST(user_id AS INTEGER) > 3", "CAST(user_id AS INT) > 3"),
        ("CAST(user_id AS DECIMAL(18, 2)) > 3", "CAST(user_id AS DECIMAL(18, 2)) > 3"),
        ("event_time::date = '2026-01-05'", "CAST(event_time AS DATE) = '2026-01-05'"),
        ("EXTRACT(dow FROM event_time) = 1", "EXTRACT(DAYOFWEEK FROM event_time) = 1"),
        ("EXTRACT(hour FROM event_time) < 9", "EXTRACT(HOUR FROM event_time) < 9"),
    ],
)
def test_casts_and_date_parts_from_the_closed_sets_are_kept(text: str, rendered: str) -> None:
    assert render(checked_expression(text, "events", where="test")) == rendered


def test_a_query_of_two_statements_is_never_run(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="2 statements"):
        db.query(con, "SELECT 1; DELETE FROM kpi_rows")


def test_checked_fragments_render_for_spark_too() -> None:
    tree = checked_expression(
        "properties['plan'] = 'pro' AND event_name <> 'x'", "events", where="t"
    )
    assert (
        render(tree, "spark")
        == "GET_JSON_OBJECT(properties, '$.plan') = 'pro' AND event_name <> 'x'"
    )


def test_a_ratio_of_monthly_parts_is_monthly_and_computed_month_by_month(
    store: duckdb.DuckDBPyConnection,
) -> None:
    monthly = catalog(
        {**ALL_EVENTS, "grain": "month"},
        {**ACCOUNTS, "grain": "month"},
        {
            "name": "per_account",
            "kind": "leading",
            "ratio": {"numerator": "all_events", "denominator": "accounts"},
        },
    )
    # May: 3 events of account a1; June: 2 events of account a2.
    assert values(metric_series(store, monthly, ["per_account"]), "per_account") == {
        "2026-05-01": 3,
        "2026-06-01": 2,
    }


def test_every_grain_a_metric_may_declare_has_its_facts_registered() -> None:
    from typing import get_args

    from pipelines.metrics.grains import GRAINS
    from pipelines.metrics.spec import Grain

    assert set(GRAINS) == set(get_args(Grain))
    assert [GRAINS[g].count(2) for g in ("day", "quarter")] == ["2 days", "2 quarters"]


@pytest.mark.parametrize(
    ("grain", "start", "called"),
    [
        ("day", dt.date(2026, 11, 6), "6 Nov"),
        ("week", dt.date(2026, 11, 16), "the week of 16 Nov"),
        ("month", dt.date(2026, 10, 1), "Oct 2026"),
        ("quarter", dt.date(2026, 7, 1), "Q3 2026"),
    ],
)
def test_a_period_is_named_as_people_name_it(grain: str, start: dt.date, called: str) -> None:
    from pipelines.metrics.grains import GRAINS

    assert GRAINS[grain].called(start) == called
