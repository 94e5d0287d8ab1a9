"""A key result due before its period ends: scored, read and forecast up to its deadline."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pipelines.errors import OkrlensError
from pipelines.insight.forecast import kr_forecasts
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.scoring import key_result_scores
from pipelines.okrs.spec import OkrSet
from pipelines.service import Answers, Workspace

Q1 = {"name": "2025-Q1", "start": "2025-01-01", "end": "2025-03-31"}  # 90 days
CATALOG = MetricCatalog.model_validate(
    {
        "metrics": [
            {"name": "mrr", "kind": "lagging", "source": "kpis", "aggregation": "last"},
            {"name": "orders", "kind": "lagging", "source": "kpis", "aggregation": "sum"},
        ]
    }
)


def okr_set(**kr: Any) -> OkrSet:
    """Q1 2025 with one objective holding one key result of these fields."""
    return OkrSet.model_validate(
        {
            "periods": [Q1],
            "objectives": [
                {"id": "o", "title": "Grow", "team": "T", "period": "2025-Q1",
                 "key_results": [{"id": "k", "title": "Grow it"} | kr]},
            ],
        }
    )  # fmt: skip


def weekly(metric: str, values: list[float], start: str) -> pd.DataFrame:
    """A tidy weekly series of metric from the Monday start, every week complete."""
    starts = pd.date_range(start, periods=len(values), freq="7D")
    return pd.DataFrame(
        {
            "metric": metric,
            "period_start": starts,
            "period_end": starts + pd.Timedelta(days=7),
            "value": values,
            "complete": True,
        }
    )


# Weeks of 3, 10 and 17 Feb 2025: the week of 10 Feb is running on 14 Feb.
FEBRUARY = [7.0, 9.0, 12.0]


@pytest.mark.parametrize(
    ("deadline", "as_of", "expected"),
    [
        pytest.param(None, "2025-01-23", 22 / 90, id="no-deadline-22-of-the-period-90-days"),
        pytest.param("2025-02-14", "2025-01-23", 22 / 45, id="due-14-feb-22-of-its-45-days"),
        pytest.param("2025-02-14", "2025-02-14", 44 / 45, id="on-its-deadline-one-day-short"),
        pytest.param("2025-02-14", "2025-02-15", 1.0, id="the-day-after-its-deadline-all"),
        pytest.param("2025-02-14", "2025-03-15", 1.0, id="long-after-its-deadline-all"),
        pytest.param("2025-03-31", "2025-01-23", 22 / 90, id="due-on-the-period-end"),
    ],
)
def test_expected_progress_runs_from_the_period_start_to_the_deadline(
    deadline: str | None, as_of: str, expected: float
) -> None:
    okrs = okr_set(metric="mrr", baseline=0, target=10, deadline=deadline)
    row = key_result_scores(
        okrs, CATALOG, weekly("mrr", FEBRUARY, "2025-02-03"), date.fromisoformat(as_of)
    ).iloc[0]
    assert row["expected_progress"] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("kr", "as_of", "current"),
    [
        pytest.param({"metric": "mrr", "deadline": "2025-02-14"}, "2025-03-15", 9.0,
                     id="past-its-deadline-a-snapshot-reads-the-week-running-on-it"),
        pytest.param({"metric": "orders", "deadline": "2025-02-14"}, "2025-03-15", 7.0,
                     id="past-its-deadline-a-flow-reads-the-last-week-over-by-it"),
        pytest.param({"metric": "mrr"}, "2025-03-15", 12.0,
                     id="without-a-deadline-the-latest-week"),
        pytest.param({"metric": "orders", "deadline": "2025-03-10"}, "2025-02-19", 9.0,
                     id="before-its-deadline-what-is-known-at-as-of"),
        pytest.param({"type": "milestone", "deadline": "2025-02-14"}, "2025-03-15", 0.5,
                     id="past-its-deadline-a-milestone-reads-its-check-in-of-then"),
    ],
)  # fmt: skip
def test_a_key_result_is_graded_on_its_value_at_the_deadline_once_it_has_passed(
    kr: dict[str, Any], as_of: str, current: float
) -> None:
    checkins = [{"date": "2025-02-10", "value": 0.5}, {"date": "2025-02-20", "value": 1.0}]
    declared = kr | {"target": 20} | ({"checkins": checkins} if "metric" not in kr else {})
    series = weekly(str(kr.get("metric", "mrr")), FEBRUARY, "2025-02-03")
    row = key_result_scores(okr_set(**declared), CATALOG, series, date.fromisoformat(as_of)).iloc[0]
    assert row["current"] == current


@pytest.mark.parametrize(
    "deadline",
    [
        pytest.param("2025-04-15", id="after-the-period-end"),
        pytest.param("2025-01-01", id="on-the-period-first-day"),
        pytest.param("2024-12-20", id="before-the-period"),
    ],
)
def test_a_deadline_outside_its_period_is_refused_saying_the_dates_and_the_fix(
    deadline: str,
) -> None:
    with pytest.raises(OkrlensError) as refused:
        okr_set(metric="mrr", target=10, deadline=deadline)
    assert refused.value.message() == (
        f"key result k is due {deadline}, outside its period 2025-Q1 (2025-01-01 to 2025-03-31) "
        "(okrs.yaml, key result k, deadline). Choose a deadline after 2025-01-01 and on or "
        "before 2025-03-31, or leave it out to use the period's end."
    )


@pytest.mark.parametrize(
    ("deadline", "horizon", "due"),
    [
        # The last week known on 27 Jan starts 20 Jan; the last one over by 1 Mar starts 17 Feb.
        pytest.param("2025-02-28", 4, date(2025, 2, 28), id="due-28-feb-four-weeks-ahead"),
        # ... and the last one over by 1 Apr starts 24 Mar.
        pytest.param(None, 9, date(2025, 3, 31), id="no-deadline-to-the-period-end"),
    ],
)
def test_the_forecast_horizon_ends_at_the_deadline(
    deadline: str | None, horizon: int, due: date
) -> None:
    values = 100 + np.cumsum(np.random.default_rng(4).normal(1, 1, 31))
    okrs = okr_set(metric="orders", baseline=100, target=200, deadline=deadline)
    series = weekly("orders", list(values), "2024-06-24")  # 31 weeks, the last from 20 Jan
    (row,) = kr_forecasts(okrs, CATALOG, series, date(2025, 1, 27), draws=200).to_dict("records")
    assert (row["horizon"], row["deadline"], row["period_end"]) == (horizon, due, date(2025, 3, 31))


@pytest.mark.parametrize(
    ("deadline_line", "due", "last_fan_week"),
    [
        # MRR is a weekly snapshot: it is read from the week holding the deadline.
        pytest.param("deadline: 2026-12-15", date(2026, 12, 15), "2026-12-14", id="due-15-dec"),
        pytest.param("", None, "2026-12-28", id="due-at-the-period-end-says-no-deadline"),
    ],
)
def test_the_key_result_page_is_told_the_deadline_and_its_fan_stops_there(
    demo_copy: Path, deadline_line: str, due: date | None, last_fan_week: str
) -> None:
    workspace = Workspace(demo_copy)
    marker = "      - id: company-q4-mrr\n"
    text = workspace.okrs_path.read_text()
    assert marker in text
    workspace.okrs_path.write_text(text.replace(marker, f"{marker}        {deadline_line}\n", 1))
    detail = Answers(workspace).key_result("company-q4-mrr", date(2026, 11, 23))
    assert (detail.due, detail.period.end) == (due, date(2026, 12, 31))
    assert detail.forecast is not None
    assert detail.forecast.path["period_start"].max() == pd.Timestamp(last_fan_week)
