"""KR scoring: progress, bands, expected progress, status, value-at-date and roll-ups."""

from __future__ import annotations

import doctest
import importlib
import math
import pkgutil
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pipelines.errors import OkrlensError
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs import scoring
from pipelines.okrs.bands import PRESETS
from pipelines.okrs.scoring import (
    KR_COLUMNS,
    OBJECTIVE_COLUMNS,
    auto_baseline,
    band,
    expected_progress,
    is_stale,
    key_result_scores,
    objective_progress,
    objective_scores,
    progress,
    progress_clamped,
    status,
    value_at,
    worst_status,
)
from pipelines.okrs.spec import OkrSet, Period

Q1 = Period(name="2025Q1", start=date(2025, 1, 1), end=date(2025, 3, 31))  # 90 days
MID_Q1 = date(2025, 2, 15)  # 45 days in: expected progress 0.5

CATALOG = MetricCatalog.model_validate(
    {
        "metrics": [
            {"name": "signups", "kind": "leading", "source": "events", "aggregation": "count"},
            {"name": "mrr", "kind": "lagging", "source": "kpis", "aggregation": "last"},
            {"name": "orders", "kind": "lagging", "source": "kpis", "aggregation": "sum"},
            {"name": "refunds", "kind": "lagging", "source": "kpis", "aggregation": "sum"},
            {
                "name": "refund_rate",
                "kind": "lagging",
                "unit": "%",
                "ratio": {"numerator": "refunds", "denominator": "orders"},
            },
        ]
    }
)


def okr_set(*objectives: dict[str, Any], preset: str = "default") -> OkrSet:
    return OkrSet.model_validate(
        {
            "band_preset": preset,
            "periods": [
                {"name": "2025Q1", "start": "2025-01-01", "end": "2025-03-31"},
                {"name": "2025Q2", "start": "2025-04-01", "end": "2025-06-30"},
            ],
            "objectives": list(objectives),
        }
    )


def objective(
    oid: str, *krs: dict[str, Any], period: str = "2025Q1", parent_kr: str | None = None
) -> dict[str, Any]:
    return {
        "id": oid,
        "title": f"Objective {oid}",
        "team": "growth",
        "period": period,
        "parent_kr": parent_kr,
        "key_results": list(krs),
    }


def kr(kid: str, **fields: Any) -> dict[str, Any]:
    return {"id": kid, "title": f"KR {kid}", **fields}


def weekly(
    metric: str, values: dict[str, float], complete: bool = True, days: int = 7
) -> pd.DataFrame:
    """Rows of one metric, keyed by period start (ISO date), each `days` long."""
    starts = pd.to_datetime(list(values))
    return pd.DataFrame(
        {
            "metric": metric,
            "period_start": starts,
            "period_end": starts + pd.Timedelta(days=days),
            "value": list(values.values()),
            "complete": complete,
        }
    )


def series(*parts: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True)


NO_SERIES = weekly("signups", {})


def score_one(krdef: dict[str, Any], data: pd.DataFrame, as_of: date = MID_Q1) -> pd.Series:
    scores = key_result_scores(okr_set(objective("o", krdef)), CATALOG, data, as_of)
    assert len(scores) == 1
    return scores.iloc[0]


# --- progress, clamping and band, from the definition --------------------------------------

PROGRESS_CASES = [
    pytest.param(0.003, 0.005, 0.002, "decrease", 2 / 3, 2 / 3, "met",
                 id="decrease refund rate from 0.5% to 0.2%, now 0.3%, is two thirds: met"),
    pytest.param(66, 63, 70, "increase", 3 / 7, 3 / 7, "missed",
                 id="increase from 63 to 70, now 66, is 3/7: missed"),
    pytest.param(50, 100, 60, "decrease", 1.25, 1.0, "exceeded",
                 id="overshoot (bugs 100 to 60, now 50) keeps raw 1.25, clamps to 1: exceeded"),
    pytest.param(60, 63, 70, "increase", -3 / 7, 0.0, "missed",
                 id="wrong side of the baseline is negative raw, clamped 0: missed"),
    pytest.param(63, 63, 70, "increase", 0.0, 0.0, "missed", id="at baseline is 0"),
    pytest.param(70, 63, 70, "increase", 1.0, 1.0, "exceeded", id="at target is 1"),
    pytest.param(3, 0, 6, "milestone", 0.5, 0.5, "missed", id="three of six milestones is 0.5"),
    pytest.param(99.5, None, 99.5, "stay_above", 1.0, 1.0, "exceeded",
                 id="stay above is inclusive: equal to the target passes"),
    pytest.param(99.9, None, 99.5, "stay_above", 1.0, 1.0, "exceeded", id="stay above: above"),
    pytest.param(99.4, 99.9, 99.5, "stay_above", 0.0, 0.0, "missed",
                 id="stay above: below the target scores 0 whatever the baseline"),
    pytest.param(200, None, 200, "stay_below", 1.0, 1.0, "exceeded",
                 id="stay below is inclusive: equal to the target passes"),
    pytest.param(150, None, 200, "stay_below", 1.0, 1.0, "exceeded", id="stay below: below"),
    pytest.param(201, None, 200, "stay_below", 0.0, 0.0, "missed", id="stay below: above fails"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("current", "baseline", "target", "kr_type", "raw", "clamped", "band_label"), PROGRESS_CASES
)
def test_progress_clamped_and_band_follow_the_definition(
    current: float,
    baseline: float | None,
    target: float,
    kr_type: str,
    raw: float,
    clamped: float,
    band_label: str,
) -> None:
    p = progress(current, baseline, target, kr_type)
    assert p == pytest.approx(raw, abs=1e-12)
    assert progress_clamped(p) == pytest.approx(clamped, abs=1e-12)
    assert band(p) == band_label


@pytest.mark.parametrize(
    ("current", "baseline", "target", "kr_type"),
    [
        pytest.param(None, 63, 70, "increase", id="no current value"),
        pytest.param(math.nan, 63, 70, "increase", id="NaN current value (zero denominator)"),
        pytest.param(66, None, 70, "increase", id="no baseline for an interpolated KR"),
        pytest.param(66, 63, None, "increase", id="no target"),
        pytest.param(66, 70, 70, "decrease", id="target equal to baseline is undefined"),
        pytest.param(None, None, 5, "stay_above", id="stay above without a value"),
    ],
)
def test_progress_is_none_when_undefined_never_a_silent_zero(
    current: float | None, baseline: float | None, target: float | None, kr_type: str
) -> None:
    assert progress(current, baseline, target, kr_type) is None
    assert progress_clamped(progress(current, baseline, target, kr_type)) is None


# --- every boundary of every band preset --------------------------------------------------

BAND_CASES = [
    ("default", -0.5, "missed"), ("default", 0.5999, "missed"), ("default", 0.6, "met"),
    ("default", 0.8, "met"), ("default", 0.8001, "exceeded"), ("default", 1.25, "exceeded"),
    ("google", 0.5999, "missed"), ("google", 0.6, "met"), ("google", 0.7, "met"),
    ("google", 0.7001, "exceeded"),
    ("measure_what_matters", 0.3999, "missed"), ("measure_what_matters", 0.4, "met"),
    ("measure_what_matters", 0.6999, "met"), ("measure_what_matters", 0.7, "exceeded"),
    ("puzzle", 0.2999, "fail"), ("puzzle", 0.3, "commit"), ("puzzle", 0.6999, "commit"),
    ("puzzle", 0.7, "target"), ("puzzle", 0.9999, "target"), ("puzzle", 1.0, "stretch"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("preset", "p", "label"),
    [pytest.param(*case, id=f"{case[0]}: {case[1]} is {case[2]}") for case in BAND_CASES],
)
def test_band_boundaries(preset: str, p: float, label: str) -> None:
    assert band(p, preset) == label


def test_band_without_progress_is_none() -> None:
    assert band(None) is None
    assert band(math.nan, "puzzle") is None


# --- status -----------------------------------------------------------------------------

STATUS_CASES = [
    pytest.param(None, 0.5, "increase", None, False, "no_data", id="no progress is no data"),
    pytest.param(math.nan, 0.5, "increase", None, False, "no_data", id="NaN progress is no data"),
    pytest.param(0.5, 0.5, "increase", None, False, "on_track", id="progress equal to expected"),
    pytest.param(0.95, 1.0, "increase", None, False, "on_track", id="ratio 0.95 is on track"),
    pytest.param(0.94, 1.0, "increase", None, False, "at_risk", id="ratio 0.94 is at risk"),
    pytest.param(0.75, 1.0, "decrease", None, False, "at_risk", id="ratio 0.75 is at risk"),
    pytest.param(0.74, 1.0, "decrease", None, False, "off_track", id="ratio 0.74 is off track"),
    pytest.param(0.45, 0.5, "increase", None, False, "at_risk", id="half-way at 0.45 is at risk"),
    pytest.param(1.0, 0.2, "increase", None, False, "on_track", id="target reached is on track"),
    pytest.param(1.3, 1.0, "increase", None, False, "on_track", id="overshoot is on track"),
    pytest.param(0.0, 0.05, "increase", None, False, "on_track",
                 id="first 10 percent: no movement yet is on track"),
    pytest.param(-0.01, 0.05, "increase", None, False, "at_risk",
                 id="first 10 percent: moving backwards is at risk"),
    pytest.param(0.0, 0.0, "increase", None, False, "on_track",
                 id="before the period starts the early rule applies"),
    pytest.param(0.001, 0.099, "increase", None, False, "on_track",
                 id="just under 10 percent elapsed the ratio is not used"),
    pytest.param(0.05, 0.10, "increase", None, False, "off_track",
                 id="at 10 percent elapsed the ratio rule applies"),
    pytest.param(1.0, 0.05, "stay_above", None, False, "on_track", id="stay above satisfied"),
    pytest.param(0.0, 0.05, "stay_above", None, False, "off_track",
                 id="stay above broken is off track even early"),
    pytest.param(0.0, 0.9, "stay_below", None, False, "off_track", id="stay below broken"),
    pytest.param(0.0, 0.5, "milestone", 0.7, True, "on_track",
                 id="binary milestone: confidence 0.7 is on track"),
    pytest.param(0.0, 0.5, "milestone", 0.69, True, "at_risk",
                 id="binary milestone: confidence 0.69 is at risk"),
    pytest.param(0.0, 0.5, "milestone", 0.4, True, "at_risk",
                 id="binary milestone: confidence 0.4 is at risk"),
    pytest.param(0.0, 0.5, "milestone", 0.39, True, "off_track",
                 id="binary milestone: confidence 0.39 is off track"),
    pytest.param(0.0, 0.02, "milestone", 0.1, True, "off_track",
                 id="binary milestone: confidence wins over the early-period rule"),
    pytest.param(1.0, 0.5, "milestone", 0.1, True, "on_track",
                 id="binary milestone done is on track whatever the confidence"),
    pytest.param(0.0, 0.5, "milestone", None, True, "off_track",
                 id="binary milestone without confidence compares progress to expected"),
    pytest.param(0.5, 0.5, "milestone", 0.1, False, "on_track",
                 id="non-binary milestone ignores confidence"),
    pytest.param(0.5, 0.5, "increase", 0.1, False, "on_track",
                 id="metric KR ignores confidence"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("p", "expected", "kr_type", "confidence", "binary", "state"), STATUS_CASES
)
def test_status(
    p: float | None,
    expected: float,
    kr_type: str,
    confidence: float | None,
    binary: bool,
    state: str,
) -> None:
    assert status(p, expected, kr_type, confidence=confidence, binary_milestone=binary) == state


@pytest.mark.parametrize(
    ("statuses", "worst"),
    [
        pytest.param(["on_track", "at_risk", "on_track"], "at_risk", id="at risk beats on track"),
        pytest.param(["at_risk", "off_track"], "off_track", id="off track is the worst"),
        pytest.param(["no_data", "on_track"], "on_track", id="no data is ignored"),
        pytest.param(["no_data", "no_data"], "no_data", id="all no data is no data"),
        pytest.param([], "no_data", id="nothing is no data"),
    ],
)
def test_worst_status(statuses: list[str], worst: str) -> None:
    assert worst_status(statuses) == worst


# --- expected progress --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        pytest.param(date(2024, 12, 15), 0.0, id="before the period: 0"),
        pytest.param(date(2025, 1, 1), 0.0, id="first day: 0"),
        pytest.param(date(2025, 1, 10), 9 / 90, id="ninth day elapsed: 0.1"),
        pytest.param(date(2025, 2, 15), 0.5, id="middle: 0.5"),
        pytest.param(date(2025, 3, 31), 89 / 90, id="last day (inclusive end): 89/90"),
        pytest.param(date(2025, 4, 1), 1.0, id="day after the end: 1"),
        pytest.param(date(2025, 6, 1), 1.0, id="long after the period: 1"),
    ],
)
def test_expected_progress(as_of: date, expected: float) -> None:
    assert expected_progress(Q1.start, Q1.end, as_of) == pytest.approx(expected, abs=1e-12)


# --- value at a date and baseline auto ---------------------------------------------------

TWO_WEEKS = {"2025-01-06": 10.0, "2025-01-13": 20.0}  # Mondays; the second ends 2025-01-20


@pytest.mark.parametrize(
    ("aggregation", "as_of", "complete", "value", "period_start"),
    [
        pytest.param(
            "count",
            date(2025, 1, 15),
            True,
            10.0,
            date(2025, 1, 6),
            id="count: the week still running at as_of is ignored",
        ),
        pytest.param(
            "last",
            date(2025, 1, 15),
            True,
            20.0,
            date(2025, 1, 13),
            id="last: the week still running at as_of is used (snapshot)",
        ),
        pytest.param(
            "count",
            date(2025, 1, 19),
            True,
            20.0,
            date(2025, 1, 13),
            id="count: a week is usable on its last day",
        ),
        pytest.param(
            "count",
            date(2025, 1, 18),
            True,
            10.0,
            date(2025, 1, 6),
            id="count: a week is not usable the day before its last day",
        ),
        pytest.param(
            None, date(2025, 1, 15), True, 10.0, date(2025, 1, 6), id="ratio metrics count as flows"
        ),
        pytest.param(
            "count",
            date(2025, 1, 12),
            True,
            10.0,
            date(2025, 1, 6),
            id="count: first week usable on its Sunday",
        ),
        pytest.param(
            "count",
            date(2025, 1, 11),
            True,
            None,
            None,
            id="count: nothing usable before the first week is over",
        ),
        pytest.param(
            "last",
            date(2025, 1, 5),
            True,
            None,
            None,
            id="last: nothing before the first period starts",
        ),
        pytest.param(
            "count",
            date(2025, 2, 1),
            False,
            None,
            None,
            id="flow rows not complete in the data are never used",
        ),
        pytest.param(
            "last",
            date(2025, 2, 1),
            False,
            20.0,
            date(2025, 1, 13),
            id="a snapshot is used as soon as observed, even mid-period",
        ),
    ],
)
def test_value_at(
    aggregation: str | None,
    as_of: date,
    complete: bool,
    value: float | None,
    period_start: date | None,
) -> None:
    reading = value_at(weekly("m", TWO_WEEKS, complete=complete), as_of, aggregation)
    if value is None:
        assert reading is None
    else:
        assert reading == (value, period_start)


def test_a_week_the_data_has_not_completed_is_ignored_for_flows_but_not_snapshots() -> None:
    rows = series(
        weekly("m", {"2025-01-06": 10.0}),
        weekly("m", {"2025-01-13": 3.0}, complete=False),  # the export ends mid-week
    )
    assert value_at(rows, date(2025, 1, 25), "count") == (10.0, date(2025, 1, 6))
    assert value_at(rows, date(2025, 1, 25), "last") == (3.0, date(2025, 1, 13))


def test_value_at_skips_a_ratio_week_with_zero_denominator() -> None:
    rows = weekly("m", {"2025-01-06": 0.2, "2025-01-13": math.nan})
    assert value_at(rows, date(2025, 1, 25), None) == (0.2, date(2025, 1, 6))


@pytest.mark.parametrize(
    ("values", "aggregation", "baseline"),
    [
        pytest.param(
            {"2024-12-31": 5.0, "2025-01-01": 7.0},
            "count",
            5.0,
            id="daily flow: the day before the period starts",
        ),
        pytest.param(
            {"2024-12-31": 5.0, "2025-01-01": 7.0},
            "last",
            5.0,
            id="daily snapshot: the day before the period starts",
        ),
        pytest.param(
            {"2024-12-23": 5.0, "2024-12-30": 7.0, "2025-01-06": 9.0},
            "count",
            5.0,
            id="flow: the last week over by the day before the period starts",
        ),
        pytest.param(
            {"2024-12-23": 5.0, "2024-12-30": 7.0, "2025-01-06": 9.0},
            "last",
            7.0,
            id="snapshot: the week holding the day before the period starts",
        ),
        pytest.param(
            {"2025-01-06": 9.0, "2025-01-13": 11.0},
            "count",
            9.0,
            id="data starting inside the period: its first usable row",
        ),
        pytest.param({"2025-03-31": 9.0}, "count", None, id="no row usable at as_of: no baseline"),
    ],
)
def test_auto_baseline(values: dict[str, float], aggregation: str, baseline: float | None) -> None:
    days = 1 if "2025-01-01" in values else 7
    assert auto_baseline(weekly("m", values, days=days), Q1, MID_Q1, aggregation) == baseline


@pytest.mark.parametrize(
    ("data_as_of", "grain", "stale"),
    [
        pytest.param(date(2025, 2, 1), "week", False, id="week: 14 days old is fresh"),
        pytest.param(date(2025, 1, 31), "week", True, id="week: 15 days old is stale"),
        pytest.param(date(2024, 12, 15), "month", False, id="month: 62 days old is fresh"),
        pytest.param(date(2024, 12, 14), "month", True, id="month: 63 days old is stale"),
        pytest.param(date(2025, 2, 13), "day", False, id="day: 2 days old is fresh"),
        pytest.param(date(2025, 2, 12), "day", True, id="day: 3 days old is stale"),
        pytest.param(date(2024, 8, 15), "quarter", False, id="quarter: 184 days old is fresh"),
        pytest.param(None, "week", False, id="no data is not stale, it is no data"),
    ],
)
def test_is_stale(data_as_of: date | None, grain: Any, stale: bool) -> None:
    assert is_stale(data_as_of, MID_Q1, grain) is stale


# --- key_result_scores ----------------------------------------------------------------------


def test_key_result_scores_columns_and_types() -> None:
    scores = key_result_scores(
        okr_set(objective("o", kr("a", metric="signups", baseline=1, target=2))),
        CATALOG,
        NO_SERIES,
        MID_Q1,
    )
    assert tuple(scores.columns) == KR_COLUMNS
    for column in ("weight", "baseline", "target", "current", "progress", "confidence"):
        assert scores[column].dtype == "float64", column
    assert scores["stale"].dtype == bool


def test_decrease_kr_scored_from_a_ratio_series() -> None:
    data = weekly("refund_rate", {"2025-01-27": 0.004, "2025-02-03": 0.003, "2025-02-10": 0.001})
    row = score_one(kr("r", metric="refund_rate", baseline=0.005, target=0.002), data)
    assert row["type"] == "decrease"
    assert row["current"] == 0.003  # the week of 2025-02-10 runs past as_of
    assert row["current_period"] == date(2025, 2, 3)
    assert row["progress"] == pytest.approx(2 / 3)
    assert row["band"] == "met"
    assert row["expected_progress"] == 0.5
    assert row["status"] == "on_track"  # ratio 4/3
    assert (row["kind"], row["unit"], row["metric"]) == ("lagging", "%", "refund_rate")
    assert row["data_as_of"] == date(2025, 2, 3)
    assert not row["stale"]
    assert row["as_of"] == MID_Q1


def test_auto_baseline_is_read_from_data_and_infers_a_decrease() -> None:
    data = weekly("refund_rate", {"2024-12-23": 0.005, "2025-02-03": 0.003})
    row = score_one(kr("r", metric="refund_rate", baseline="auto", target=0.002), data)
    assert row["baseline"] == 0.005
    assert row["type"] == "decrease"
    assert row["progress"] == pytest.approx(2 / 3)


def test_auto_baseline_below_target_infers_an_increase() -> None:
    data = weekly("signups", {"2024-12-23": 63.0, "2025-02-03": 66.0})
    row = score_one(kr("s", metric="signups", baseline="auto", target=70), data)
    assert (row["baseline"], row["type"]) == (63.0, "increase")
    assert row["progress"] == pytest.approx(3 / 7)
    assert row["band"] == "missed"
    assert row["status"] == "at_risk"  # (3/7) / 0.5 = 0.857


def test_kr_without_data_is_no_data_not_zero() -> None:
    row = score_one(kr("s", metric="signups", baseline=63, target=70), NO_SERIES)
    assert math.isnan(row["progress"]) and math.isnan(row["current"])
    assert math.isnan(row["progress_clamped"])
    assert row["band"] is None
    assert row["status"] == "no_data"
    assert row["current_period"] is None and row["data_as_of"] is None
    assert not row["stale"]


def test_old_data_is_flagged_stale() -> None:
    data = weekly("signups", {"2025-01-06": 66.0})
    row = score_one(kr("s", metric="signups", baseline=63, target=70), data)
    assert row["current"] == 66.0
    assert row["stale"]


def test_snapshot_kr_uses_the_running_week() -> None:
    data = weekly("mrr", {"2025-02-03": 100.0, "2025-02-10": 110.0})
    row = score_one(kr("m", metric="mrr", type="stay_above", target=110), data)
    assert row["current"] == 110.0
    assert row["progress"] == 1.0
    assert row["status"] == "on_track"


def test_milestone_is_fed_by_the_latest_checkin_up_to_as_of() -> None:
    checkins = [
        {"date": "2025-01-10", "value": 0, "confidence": 0.8},
        {"date": "2025-02-10", "value": 0, "confidence": 0.3},
        {"date": "2025-03-20", "value": 1, "confidence": 1.0},  # after as_of
    ]
    row = score_one(kr("launch", checkins=checkins), NO_SERIES)
    assert row["type"] == "milestone"
    assert (row["baseline"], row["target"], row["current"]) == (0.0, 1.0, 0.0)
    assert row["progress"] == 0.0
    assert row["confidence"] == 0.3
    assert row["status"] == "off_track"
    assert row["current_period"] == date(2025, 2, 10)
    assert row["metric"] is None and row["kind"] is None and row["unit"] is None
    done = score_one(kr("launch", checkins=checkins), NO_SERIES, as_of=date(2025, 3, 25))
    assert (done["progress"], done["band"], done["status"]) == (1.0, "exceeded", "on_track")


@pytest.mark.parametrize(
    ("target", "value", "confidence", "state"),
    [
        pytest.param(None, 0, 0.8, "on_track", id="binary milestone takes its confidence"),
        pytest.param(None, 0, 0.1, "off_track", id="binary milestone with low confidence"),
        pytest.param(6, 3, 0.1, "on_track", id="3 of 6 at mid-period ignores low confidence"),
        pytest.param(6, 1, 0.9, "off_track", id="1 of 6 at mid-period ignores high confidence"),
    ],
)
def test_only_binary_milestones_take_status_from_confidence(
    target: float | None, value: float, confidence: float, state: str
) -> None:
    checkins = [{"date": "2025-02-01", "value": value, "confidence": confidence}]
    row = score_one(kr("ship", target=target, checkins=checkins), NO_SERIES)
    assert row["status"] == state
    assert row["confidence"] == confidence


def test_milestone_without_checkins_is_no_data() -> None:
    row = score_one(kr("launch"), NO_SERIES)
    assert row["status"] == "no_data"
    assert math.isnan(row["progress"])


def test_unknown_metric_raises_a_user_error_naming_the_kr() -> None:
    okrs = okr_set(objective("o", kr("typo", metric="sigups", baseline=1, target=2)))
    with pytest.raises(OkrlensError) as err:
        key_result_scores(okrs, CATALOG, NO_SERIES, MID_Q1)
    assert "typo" in err.value.where and "sigups" in err.value.what
    assert "signups" in err.value.fix


def test_rows_follow_yaml_order_and_period_filter() -> None:
    okrs = okr_set(
        objective("b", kr("b1"), kr("b0")),
        objective("q2", kr("q2a"), period="2025Q2"),
        objective("a", kr("a1")),
    )
    every = key_result_scores(okrs, CATALOG, NO_SERIES, MID_Q1)
    assert list(every["kr_id"]) == ["b1", "b0", "q2a", "a1"]
    q1 = key_result_scores(okrs, CATALOG, NO_SERIES, MID_Q1, period="2025Q1")
    assert list(q1["kr_id"]) == ["b1", "b0", "a1"]
    with pytest.raises(OkrlensError, match="unknown period"):
        key_result_scores(okrs, CATALOG, NO_SERIES, MID_Q1, period="2031Q1")


# --- roll-ups ---------------------------------------------------------------------------------

DONE = [{"date": "2025-02-01", "value": 1}]
NOT_STARTED = [{"date": "2025-02-01", "value": 0}]


def test_objective_progress_is_the_weighted_mean_of_clamped_scored_krs() -> None:
    okrs = okr_set(
        objective(
            "o",
            kr("overshoot", metric="signups", baseline=0, target=10, weight=3),
            kr("nothing", checkins=NOT_STARTED, weight=1),
            kr("no_data", metric="orders", baseline=0, target=10, weight=5),
        )
    )
    data = weekly("signups", {"2025-02-03": 15.0})  # raw 1.5, clamped 1
    krs = key_result_scores(okrs, CATALOG, data, MID_Q1)
    objectives = objective_scores(okrs, krs)
    assert tuple(objectives.columns) == OBJECTIVE_COLUMNS
    row = objectives.iloc[0]
    assert row["progress"] == pytest.approx(0.75)
    assert (row["n_key_results"], row["n_scored"]) == (3, 2)
    assert row["band"] == "met"
    assert row["status"] == "off_track"
    assert row["as_of"] == MID_Q1


def test_objective_with_no_data_at_all_is_no_data() -> None:
    okrs = okr_set(objective("o", kr("a"), kr("b", metric="orders", baseline=0, target=1)))
    row = objective_scores(okrs, key_result_scores(okrs, CATALOG, NO_SERIES, MID_Q1)).iloc[0]
    assert math.isnan(row["progress"])
    assert (row["status"], row["band"], row["n_scored"]) == ("no_data", None, 0)


def test_objective_scores_keep_only_objectives_present() -> None:
    okrs = okr_set(objective("a", kr("a1")), objective("q2", kr("q2a"), period="2025Q2"))
    krs = key_result_scores(okrs, CATALOG, NO_SERIES, MID_Q1, period="2025Q2")
    assert list(objective_scores(okrs, krs)["objective_id"]) == ["q2"]


def test_telescoped_parent_kr_takes_its_child_objectives_progress() -> None:
    okrs = okr_set(
        objective("company", kr("grow"), kr("own", checkins=DONE)),
        # Listed after its parent: children must still be scored first.
        objective(
            "team",
            kr("t1", checkins=DONE, weight=3),
            kr("t2", checkins=[{"date": "2025-02-01", "value": 0, "confidence": 0.5}]),
            parent_kr="grow",
        ),
    )
    krs = key_result_scores(okrs, CATALOG, NO_SERIES, MID_Q1)
    assert list(krs["kr_id"]) == ["grow", "own", "t1", "t2"]
    grow = krs.iloc[0]
    assert grow["progress"] == pytest.approx(0.75)
    assert grow["progress_clamped"] == pytest.approx(0.75)
    assert grow["band"] == "met"
    assert grow["status"] == "at_risk"  # the team's worst: t2 at confidence 0.5
    assert grow["rolled_up_from"] == ("team",)
    assert grow["type"] == "rollup"
    assert grow["metric"] is None
    assert math.isnan(grow["current"]) and math.isnan(grow["target"])
    assert krs.iloc[1]["rolled_up_from"] is None
    company = objective_scores(okrs, krs).set_index("objective_id").loc["company"]
    assert company["progress"] == pytest.approx((0.75 + 1.0) / 2)


def test_parent_kr_with_several_children_averages_them_equally() -> None:
    okrs = okr_set(
        objective("company", kr("grow")),
        objective("a", kr("a1", checkins=DONE), parent_kr="grow"),
        objective("b", kr("b1", checkins=NOT_STARTED), kr("b2", checkins=NOT_STARTED),
                  parent_kr="grow"),
        objective("c", kr("c1"), parent_kr="grow"),  # no data: not counted
    )  # fmt: skip
    grow = key_result_scores(okrs, CATALOG, NO_SERIES, MID_Q1).iloc[0]
    assert grow["progress"] == 0.5
    assert grow["status"] == "off_track"
    assert grow["rolled_up_from"] == ("a", "b", "c")


def test_three_level_telescoping_resolves_bottom_up() -> None:
    okrs = okr_set(
        objective("top", kr("k_top")),
        objective("mid", kr("k_mid"), parent_kr="k_top"),
        objective("low", kr("k_low", checkins=DONE), parent_kr="k_mid"),
    )
    krs = key_result_scores(okrs, CATALOG, NO_SERIES, MID_Q1).set_index("kr_id")
    assert krs.loc["k_top", "progress"] == 1.0
    assert krs.loc["k_top", "rolled_up_from"] == ("mid",)


def test_rolled_up_kr_is_as_fresh_as_its_stalest_input() -> None:
    okrs = okr_set(
        objective("company", kr("grow")),
        objective(
            "team",
            kr("old", metric="signups", baseline=0, target=10),
            kr("new", checkins=DONE),
            parent_kr="grow",
        ),
    )
    data = weekly("signups", {"2025-01-06": 5.0})
    krs = key_result_scores(okrs, CATALOG, data, MID_Q1).set_index("kr_id")
    assert krs.loc["old", "stale"]
    assert krs.loc["grow", "stale"]
    assert krs.loc["grow", "data_as_of"] == date(2025, 1, 6)


def test_parent_kr_declared_a_milestone_is_not_rolled_up() -> None:
    okrs = okr_set(
        objective("company", kr("launch", type="milestone")),
        objective("team", kr("t1", checkins=DONE), parent_kr="launch"),
    )
    launch = key_result_scores(okrs, CATALOG, NO_SERIES, MID_Q1).iloc[0]
    assert launch["status"] == "no_data"
    assert launch["rolled_up_from"] is None


def test_parent_kr_with_its_own_metric_is_not_rolled_up() -> None:
    okrs = okr_set(
        objective("company", kr("grow", metric="signups", baseline=0, target=10)),
        objective("team", kr("t1", checkins=DONE), parent_kr="grow"),
    )
    data = weekly("signups", {"2025-02-03": 2.0})
    grow = key_result_scores(okrs, CATALOG, data, MID_Q1).iloc[0]
    assert grow["progress"] == pytest.approx(0.2)
    assert grow["rolled_up_from"] is None


@pytest.mark.parametrize(
    "objectives",
    [
        pytest.param(
            [objective("o1", kr("k1"), parent_kr="k2"), objective("o2", kr("k2"), parent_kr="k1")],
            id="two objectives telescoping into each other",
        ),
        pytest.param([objective("o1", kr("k1"), parent_kr="k1")], id="an objective of its own KR"),
    ],
)
def test_telescoping_cycle_raises(objectives: list[dict[str, Any]]) -> None:
    with pytest.raises(ValueError, match="telescope into themselves"):
        key_result_scores(okr_set(*objectives), CATALOG, NO_SERIES, MID_Q1)


# --- properties ---------------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
gap = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False)


@given(baseline=finite, delta=gap, c1=finite, c2=finite)
def test_increase_progress_is_monotone_in_current(
    baseline: float, delta: float, c1: float, c2: float
) -> None:
    lo, hi = sorted((c1, c2))
    target = baseline + delta
    p_lo, p_hi = (
        progress(lo, baseline, target, "increase"),
        progress(hi, baseline, target, "increase"),
    )
    assert p_lo is not None and p_hi is not None
    assert p_lo <= p_hi


@given(baseline=finite, delta=gap, c1=finite, c2=finite)
def test_decrease_progress_is_antitone_in_current(
    baseline: float, delta: float, c1: float, c2: float
) -> None:
    lo, hi = sorted((c1, c2))
    target = baseline - delta
    p_lo, p_hi = (
        progress(lo, baseline, target, "decrease"),
        progress(hi, baseline, target, "decrease"),
    )
    assert p_lo is not None and p_hi is not None
    assert p_lo >= p_hi


@given(baseline=finite, delta=gap, current=finite)
def test_mirrored_increase_scores_like_the_decrease(
    baseline: float, delta: float, current: float
) -> None:
    target = baseline + delta
    up = progress(current, baseline, target, "increase")
    down = progress(-current, -baseline, -target, "decrease")
    assert up is not None
    assert down == up


@given(
    current=finite,
    baseline=finite,
    target=finite,
    kr_type=st.sampled_from(["increase", "decrease", "stay_above", "stay_below", "milestone"]),
)
def test_clamped_progress_is_within_0_and_1(
    current: float, baseline: float, target: float, kr_type: str
) -> None:
    assume(target != baseline)
    clamped = progress_clamped(progress(current, baseline, target, kr_type))
    assert clamped is not None
    assert 0.0 <= clamped <= 1.0


cut_points = sorted({c for preset in PRESETS.values() for c in preset.cuts})
progress_values = st.one_of(
    st.floats(min_value=-2, max_value=3, allow_nan=False), st.sampled_from(cut_points)
)


@given(preset=st.sampled_from(sorted(PRESETS)), p1=progress_values, p2=progress_values)
def test_band_is_monotone_in_progress(preset: str, p1: float, p2: float) -> None:
    lo, hi = sorted((p1, p2))
    labels = PRESETS[preset].labels
    assert labels.index(str(band(lo, preset))) <= labels.index(str(band(hi, preset)))


@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(min_value=0, max_value=1)),
            st.floats(min_value=0.01, max_value=100),
        ),
        min_size=1,
    )
)
def test_objective_progress_lies_between_its_scored_krs(
    krs: list[tuple[float | None, float]],
) -> None:
    scored = [p for p, _ in krs if p is not None]
    result = objective_progress([p for p, _ in krs], [w for _, w in krs])
    if not scored:
        assert result is None
    else:
        assert result is not None
        assert min(scored) - 1e-9 <= result <= max(scored) + 1e-9


@given(d1=st.integers(-200, 300), d2=st.integers(-200, 300))
def test_expected_progress_is_monotone_and_bounded(d1: int, d2: int) -> None:
    lo, hi = sorted((d1, d2))
    e_lo = expected_progress(Q1.start, Q1.end, Q1.start + timedelta(days=lo))
    e_hi = expected_progress(Q1.start, Q1.end, Q1.start + timedelta(days=hi))
    assert 0.0 <= e_lo <= e_hi <= 1.0


def test_docstring_examples_hold() -> None:
    modules = [scoring] + [
        importlib.import_module(f"{scoring.__name__}.{m.name}")
        for m in pkgutil.iter_modules(scoring.__path__)
    ]
    results = [doctest.testmod(module) for module in modules]
    assert sum(r.attempted for r in results) > 0
    assert all(r.failed == 0 for r in results)


def test_a_closed_period_is_graded_on_the_data_of_its_end() -> None:
    okrs = OkrSet.model_validate(
        {
            "periods": [{"name": "Q1", "start": "2025-01-01", "end": "2025-03-31"}],
            "objectives": [
                {
                    "id": "O",
                    "title": "o",
                    "team": "t",
                    "period": "Q1",
                    "key_results": [
                        {"id": "K", "title": "k", "metric": "m", "baseline": 0, "target": 10}
                    ],
                }
            ],
        }
    )
    catalog = MetricCatalog.model_validate(
        {"metrics": [{"name": "m", "kind": "leading", "source": "kpis", "aggregation": "last"}]}
    )
    rows = weekly("m", {"2025-03-24": 7.0, "2025-04-07": 12.0})  # the April value is after Q1
    row = key_result_scores(okrs, catalog, rows, date(2025, 6, 1)).iloc[0]
    assert (row["current"], row["band"], row["expected_progress"]) == (7.0, "met", 1.0)
