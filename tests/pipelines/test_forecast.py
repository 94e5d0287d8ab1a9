"""KR forecasts: end-value ensemble, interval calibration, band probabilities, nowcast, sample."""

from __future__ import annotations

import doctest
import importlib
import math
import pkgutil
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.errors import OkrlensError
from pipelines.insight import forecast
from pipelines.insight.forecast import (
    backtest_coverage,
    band_probabilities,
    forecast_end_value,
    kr_forecasts,
    nowcast_end_value,
    periods_to_end,
)
from pipelines.insight.forecast.ensemble import calibrated, interval_scale
from pipelines.insight.forecast.models import ar_changes_paths, ar_changes_point
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.bands import PRESETS
from pipelines.okrs.scoring import band, progress
from pipelines.okrs.spec import OkrSet
from pipelines.workspace import Workspace

REQUIRED_COLUMNS = [
    "objective_id", "kr_id", "key_result", "metric", "kind", "baseline", "target",
    "period_end", "median_end", "lo80", "hi80", "p_missed", "p_met", "p_exceeded",
    "expected_band", "model", "backtest_coverage80", "n_history", "nowcast_end",
    "nowcast_from", "note",
]  # fmt: skip
Q1 = {"name": "2025-Q1", "start": "2025-01-01", "end": "2025-03-31"}
CATALOG = MetricCatalog.model_validate(
    {
        "metrics": [
            {"name": "signups", "kind": "leading", "source": "events", "aggregation": "count"},
            {"name": "mrr", "kind": "lagging", "source": "kpis", "aggregation": "last"},
            {"name": "orders", "kind": "lagging", "source": "kpis", "aggregation": "sum"},
        ]
    }
)


def synthetic(rng: np.random.Generator, kind: str, n: int) -> np.ndarray:
    """A random walk with drift plus noise, or an AR(1) around a linear trend."""
    if kind == "walk":
        steps = rng.normal(rng.uniform(-1, 1), 1.0, n)
        return 100 + np.cumsum(steps) + rng.normal(0, rng.uniform(0, 1.5), n)
    phi, errors = rng.uniform(0.3, 0.9), np.zeros(n)
    for i in range(1, n):
        errors[i] = phi * errors[i - 1] + rng.normal()
    return 50 + rng.uniform(-0.5, 0.5) * np.arange(n) + errors * rng.uniform(1, 3)


def weekly(values: Any, start: str = "2024-07-01") -> pd.Series:
    index = pd.date_range(start, periods=len(values), freq="7D")
    return pd.Series(np.asarray(values, dtype=float), index=index)


def tidy(metric: str, values: Any, start: str = "2024-07-01") -> pd.DataFrame:
    """A weekly tidy series frame, every week complete."""
    starts = pd.date_range(start, periods=len(values), freq="7D")
    return pd.DataFrame(
        {
            "metric": metric,
            "period_start": starts,
            "period_end": starts + pd.Timedelta(days=7),
            "value": np.asarray(values, dtype=float),
            "complete": True,
        }
    )


def okr_set(*key_results: dict[str, Any]) -> OkrSet:
    return OkrSet.model_validate(
        {
            "periods": [Q1],
            "objectives": [
                {"id": "o1", "title": "Grow", "team": "T", "period": "2025-Q1",
                 "key_results": list(key_results)},
            ],
        }
    )  # fmt: skip


# --- the end-value forecast ----------------------------------------------------------------


def test_interval_calibration_on_synthetic_series() -> None:
    """The 80 % interval holds the realised end value about 80 % of the time."""
    rng = np.random.default_rng(2026)
    hits = []
    for trial in range(200):
        horizon = int(rng.integers(6, 14))
        y = synthetic(rng, "walk" if trial % 2 else "ar", 40 + horizon)
        f = forecast_end_value(pd.Series(y[:40]), horizon, draws=300, seed=trial)
        hits.append(f.lo80 <= y[-1] <= f.hi80)
    coverage = float(np.mean(hits))
    print(f"measured 80 % interval coverage over 200 series: {coverage:.3f}")
    assert 0.70 <= coverage <= 0.90


def test_forecast_shape_path_and_ordering() -> None:
    rng = np.random.default_rng(1)
    history = weekly(100 + np.cumsum(rng.normal(1, 1, 30)))
    f = forecast_end_value(history, 6, draws=500)
    assert f.draws.shape == (500,)
    assert f.lo80 < f.median < f.hi80
    assert list(f.path.columns) == ["period_start", "median", "lo80", "hi80"]
    assert len(f.path) == 6
    assert f.path["period_start"].iloc[0] == history.index[-1] + pd.Timedelta(days=7)
    assert f.path["median"].iloc[-1] == pytest.approx(f.median)
    # Uncertainty grows with the horizon.
    widths = (f.path["hi80"] - f.path["lo80"]).to_numpy()
    assert widths[-1] > widths[0]
    assert set(f.weights) == {"damped_trend", "drift", "no_change", "trend_ar1", "ar1_changes"}
    assert sum(f.weights.values()) == pytest.approx(1.0)


def test_forecast_is_reproducible_with_a_seed() -> None:
    history = weekly(np.sin(np.arange(30)) + np.arange(30))
    a = forecast_end_value(history, 5, draws=300, seed=3)
    b = forecast_end_value(history, 5, draws=300, seed=3)
    np.testing.assert_array_equal(a.draws, b.draws)


def test_short_history_falls_back_to_drift() -> None:
    f = forecast_end_value(weekly([1.0, 2.0, 2.5, 4.0, 5.0]), 3, draws=200)
    assert f.model == "drift 1.00"
    assert "drift only" in f.note
    assert f.median == pytest.approx(5.0 + 3 * 1.0, abs=1.0)


def test_too_short_history_gives_nan_with_a_note() -> None:
    f = forecast_end_value(weekly([1.0, 2.0]), 3, draws=100)
    assert math.isnan(f.median) and math.isnan(f.lo80) and f.draws.size == 0
    assert "no forecast" in f.note


def test_constant_history_forecasts_the_constant() -> None:
    f = forecast_end_value(weekly([7.0] * 20), 4, draws=100)
    assert f.median == f.lo80 == f.hi80 == 7.0
    assert "constant" in f.note


def test_missing_values_are_interpolated_or_extend_the_horizon() -> None:
    values = list(np.arange(20.0))
    values[5] = np.nan
    inner = forecast_end_value(weekly(values), 4, draws=200)
    assert "1 missing period(s) interpolated" in inner.note
    assert inner.median == pytest.approx(23.0, abs=1.0)
    trailing = forecast_end_value(weekly([*np.arange(20.0), np.nan]), 4, draws=200)
    # The last row is empty, so the end is 5 periods after the last value.
    assert trailing.median == pytest.approx(24.0, abs=1.0)
    assert "trailing" in trailing.note


def test_floor_clips_the_draws() -> None:
    rng = np.random.default_rng(5)
    spiky = weekly(np.abs(rng.normal(0, 30, 30)))
    assert forecast_end_value(spiky, 8, draws=400).lo80 < 0
    assert forecast_end_value(spiky, 8, draws=400, floor=0.0).draws.min() >= 0


def seasonal_series(rng: np.random.Generator, season: int, n: int) -> np.ndarray:
    """A sine-shaped season of amplitude 10 on a gentle trend, with unit noise."""
    cycle = 10 * np.sin(2 * np.pi * np.arange(n) / season)
    return 50 + 0.05 * np.arange(n) + cycle + rng.normal(0, 1.0, n)


def mean_reverting(rng: np.random.Generator, phi: float, n: int) -> np.ndarray:
    """An AR(1) around a constant level: each period keeps phi of the last one's gap."""
    gaps = np.zeros(n)
    for i in range(1, n):
        gaps[i] = phi * gaps[i - 1] + rng.normal()
    return 20 + 3 * gaps


@pytest.mark.parametrize(
    ("season", "n", "horizon"),
    [(4, 40, 3), (12, 48, 6)],
    ids=["quarterly", "monthly"],
)
def test_a_seasonal_history_gets_a_seasonal_model_that_covers_near_80(
    season: int, n: int, horizon: int
) -> None:
    rng = np.random.default_rng(season)
    hits, leaders = [], set()
    for trial in range(20):
        y = seasonal_series(rng, season, n + horizon)
        f = forecast_end_value(pd.Series(y[:n]), horizon, season=season, draws=400, seed=trial)
        hits.append(f.lo80 <= y[-1] <= f.hi80)
        leaders.add(max(f.weights, key=lambda k: f.weights[k]))
    print(f"season {season}: coverage {np.mean(hits):.2f}, leading models {sorted(leaders)}")
    assert leaders <= {"seasonal_naive", "seasonal_smoothing"}
    assert 0.65 <= np.mean(hits) <= 0.95


@pytest.mark.parametrize("phi", [0.2, 0.6], ids=["quick reversion", "slow reversion"])
def test_a_mean_reverting_series_is_forecast_no_worse_than_no_change(phi: float) -> None:
    rng = np.random.default_rng(int(phi * 10))
    ours, no_change = [], []
    for trial in range(30):
        y = mean_reverting(rng, phi, 36 + 4)
        f = forecast_end_value(pd.Series(y[:36]), 4, draws=300, seed=trial)
        ours.append(abs(f.median - y[-1]))
        no_change.append(abs(y[35] - y[-1]))
    print(f"phi {phi}: mean abs error {np.mean(ours):.2f}, no change {np.mean(no_change):.2f}")
    assert np.mean(ours) <= np.mean(no_change)


@pytest.mark.parametrize(
    ("history", "horizon", "expected"),
    [
        # Changes 2 every period: no momentum to fit, a straight line.
        ([0, 2, 4, 6, 8, 10, 12, 14], 3, 20.0),
        # Changes 1, 1, 1, 3, 3, 3 (mean 2, rho 0.6): the last burst fades, 12 + 4 + 0.96.
        ([0, 1, 2, 3, 6, 9, 12], 2, 16.96),
        # Changes alternate 1, 2 (rho -1, clipped to -0.95): the next change is the small one.
        ([0, 1, 3, 4, 6, 7, 9], 1, 10.025),
    ],
    ids=["steady changes", "a burst keeps going for a while", "alternating changes"],
)
def test_ar1_on_changes_continues_recent_momentum_as_it_fades(
    history: list[float], horizon: int, expected: float
) -> None:
    y = np.asarray(history, dtype=float)
    assert ar_changes_point(y, horizon, None) == pytest.approx(expected)
    paths = ar_changes_paths(y, horizon, 4000, np.random.default_rng(0), None)
    assert np.mean(paths[:, -1]) == pytest.approx(expected, abs=0.05)


@pytest.mark.parametrize(
    ("errors", "half_width", "factor"),
    [
        # Backtest errors twice the interval's half-width: widened, shrunk by 10 / (10 + 5).
        (np.full(10, 2.0), 1.0, 2.0 ** (10 / 15)),
        # Errors half of it: narrowed the same way.
        (np.full(10, 0.5), 1.0, 0.5 ** (10 / 15)),
        # The 80 % rank of 10 errors is the 9th smallest: 9.0 here, so × 9 ** (2/3), capped at 3.
        (np.arange(1.0, 11.0), 1.0, 3.0),
        # Errors that match the interval leave it alone.
        (np.linspace(0.1, 1.0, 10), 0.9, 1.0),
        # Three errors are too few to judge an interval by.
        (np.full(3, 5.0), 1.0, 1.0),
        # A zero-width interval is not scaled.
        (np.full(10, 2.0), 0.0, 1.0),
    ],
    ids=["over-confident", "too wide", "capped", "calibrated", "too few", "no width"],
)
def test_calibration_scales_the_interval_to_the_backtest_errors(
    errors: np.ndarray, half_width: float, factor: float
) -> None:
    assert interval_scale(errors, half_width) == pytest.approx(factor)


def test_calibration_widens_an_over_confident_interval_around_its_median() -> None:
    paths = np.array([[9.0, 19.0], [10.0, 20.0], [11.0, 21.0]])
    np.testing.assert_allclose(calibrated(paths, 2.0), [[8.0, 18.0], [10.0, 20.0], [12.0, 22.0]])


def test_an_over_confident_model_is_widened_in_the_forecast() -> None:
    """A series whose noise jumps late: the last window's errors widen the simulated interval."""
    rng = np.random.default_rng(6)
    y = np.concatenate([rng.normal(0, 0.2, 30), rng.normal(0, 3.0, 12)]) + 100
    f = forecast_end_value(weekly(y), 2, draws=500)
    assert f.interval_factor > 1.2


def test_backtest_coverage_is_a_share_or_nan() -> None:
    rng = np.random.default_rng(4)
    history = pd.Series(100 + np.cumsum(rng.normal(0.5, 1, 30)))
    coverage = backtest_coverage(history, 5, origins=6, draws=200)
    assert coverage in {k / 6 for k in range(7)}
    assert math.isnan(backtest_coverage(pd.Series(np.arange(10.0)), 5))


# --- band probabilities --------------------------------------------------------------------


def test_clear_overachiever_and_clear_miss() -> None:
    rng = np.random.default_rng(11)
    rising = weekly(100 + 5 * np.arange(30) + rng.normal(0, 2, 30))
    f = forecast_end_value(rising, 6, draws=1000)
    # Heading for ~275; the target 200 from a baseline of 150 is far behind.
    assert band_probabilities(f.draws, 150, 200, "increase")["exceeded"] > 0.9
    # The target 400 is out of reach: progress about (275 − 150) / 250 = 0.5.
    assert band_probabilities(f.draws, 150, 400, "increase")["missed"] > 0.9


@st.composite
def kr_cases(draw: st.DrawFn) -> tuple[np.ndarray, float, float, str, str]:
    finite = st.floats(-1e6, 1e6, allow_nan=False)
    values = np.array(draw(st.lists(finite, min_size=1, max_size=60)))
    kr_type = draw(st.sampled_from(["increase", "decrease", "stay_above", "stay_below"]))
    baseline, target = draw(finite), draw(finite)
    if kr_type in ("increase", "decrease"):
        low, high = sorted((baseline, target))
        if low == high:
            high = low + 1.0
        baseline, target = (low, high) if kr_type == "increase" else (high, low)
    return values, baseline, target, kr_type, draw(st.sampled_from(sorted(PRESETS)))


@settings(max_examples=300, deadline=None)
@given(kr_cases())
def test_band_probabilities_are_the_shares_of_scored_draws(
    case: tuple[np.ndarray, float, float, str, str],
) -> None:
    values, baseline, target, kr_type, preset = case
    probs = band_probabilities(values, baseline, target, kr_type, preset)
    assert list(probs) == list(PRESETS[preset].labels)
    assert all(0.0 <= p <= 1.0 for p in probs.values())
    assert sum(probs.values()) == pytest.approx(1.0)
    # Each draw lands where scoring would put it.
    labels = [band(progress(float(v), baseline, target, kr_type), preset) for v in values]
    for label, p in probs.items():
        assert p == pytest.approx(labels.count(label) / len(values))


@settings(max_examples=200, deadline=None)
@given(kr_cases())
def test_a_mirrored_decrease_has_the_same_probabilities(
    case: tuple[np.ndarray, float, float, str, str],
) -> None:
    values, baseline, target, kr_type, preset = case
    mirrored_type = {"increase": "decrease", "decrease": "increase"}.get(kr_type)
    mirrored_type = mirrored_type or {"stay_above": "stay_below"}.get(kr_type, "stay_above")
    straight = band_probabilities(values, baseline, target, kr_type, preset)
    mirror = band_probabilities(-values, -baseline, -target, mirrored_type, preset)
    assert mirror == straight


def test_mirrored_history_forecasts_the_mirrored_decrease() -> None:
    """Forecasting −y for a decrease KR gives the probabilities of y for the increase KR."""
    rng = np.random.default_rng(21)
    y = weekly(50 + np.cumsum(rng.normal(0.8, 1.5, 36)))
    up = forecast_end_value(y, 8, draws=2000, seed=1)
    down = forecast_end_value(-y, 8, draws=2000, seed=1)
    assert down.median == pytest.approx(-up.median, rel=0.01)
    increase = band_probabilities(up.draws, 60.0, 85.0, "increase")
    decrease = band_probabilities(down.draws, -60.0, -85.0, "decrease")
    for label in increase:
        assert decrease[label] == pytest.approx(increase[label], abs=0.03)


def test_undefined_progress_gives_nan_probabilities() -> None:
    probs = band_probabilities(np.array([1.0, 2.0]), None, 3.0, "increase")
    assert all(math.isnan(p) for p in probs.values())
    assert band_probabilities(np.array([1.0, 9.0]), None, 5.0, "stay_below") == {
        "missed": 0.5,
        "met": 0.0,
        "exceeded": 0.5,
    }


# --- key results ---------------------------------------------------------------------------


def test_periods_to_end_follows_how_scoring_reads_the_end() -> None:
    last = pd.Timestamp("2026-11-16")
    # The week of 28 December contains 31 December: a snapshot reads it.
    assert periods_to_end(last, date(2026, 12, 31), "week", snapshot=True) == 6
    # A flow is read from the last week over by then: the week of 21 December.
    assert periods_to_end(last, date(2026, 12, 31), "week", snapshot=False) == 5
    assert periods_to_end(last, date(2026, 11, 22), "week", snapshot=False) == 0
    assert periods_to_end(last, date(2026, 10, 31), "week", snapshot=True) < 0
    assert periods_to_end(pd.Timestamp("2026-10-01"), date(2026, 12, 31), "month", True) == 2


def kr(metric: str, **fields: Any) -> dict[str, Any]:
    return {"id": f"kr-{metric}", "title": f"Move {metric}", "metric": metric} | fields


def test_kr_forecasts_never_sees_data_after_as_of() -> None:
    rng = np.random.default_rng(3)
    n = 40  # weeks from 2024-07-01; the week of 2025-02-10 is the last one over by as_of
    values = 100 + np.cumsum(rng.normal(1, 2, n))
    as_of = date(2025, 2, 17)
    starts = pd.date_range("2024-07-01", periods=n, freq="7D")
    jumped = values.copy()
    # Every week still running or started after as_of jumps a hundredfold.
    jumped[starts + pd.Timedelta(days=7) > pd.Timestamp(as_of) + pd.Timedelta(days=1)] *= 100
    okrs = okr_set(kr("orders", baseline=100, target=200))
    seen = kr_forecasts(okrs, CATALOG, tidy("orders", jumped), as_of, draws=300)
    clean = tidy("orders", values)
    clean = clean[clean["period_end"] <= pd.Timestamp(as_of) + pd.Timedelta(days=1)]
    blind = kr_forecasts(okrs, CATALOG, clean, as_of, draws=300)
    pd.testing.assert_frame_equal(seen, blind)
    assert seen["hi80"].iloc[0] < 1000  # the jump (values ~10,000+) is not in the forecast


def test_kr_forecasts_columns_rows_and_no_data_note() -> None:
    rng = np.random.default_rng(9)
    okrs = okr_set(
        kr("orders", baseline=100, target=150),
        kr("mrr", baseline=1000, target=2000),
        kr("signups", type="stay_above", target=50),
        {"id": "launch", "title": "Launch", "type": "milestone"},
    )
    series = tidy("signups", 60 + rng.normal(0, 2, 30))
    series = pd.concat([series, tidy("orders", 80 + np.cumsum(rng.normal(1, 1, 30)))])
    frame = kr_forecasts(okrs, CATALOG, series, date(2025, 1, 27), draws=300)
    assert set(REQUIRED_COLUMNS) <= set(frame.columns)
    assert list(frame["kr_id"]) == ["kr-orders", "kr-mrr", "kr-signups"]
    orders, mrr, signups = (frame.iloc[i] for i in range(3))
    assert orders["period_end"] == date(2025, 3, 31)
    assert orders["n_history"] == 30 and orders["horizon"] > 0
    assert orders["lo80"] <= orders["median_end"] <= orders["hi80"]
    assert 0.0 <= orders["backtest_coverage80"] <= 1.0
    assert mrr["note"] == "no data before as_of"
    assert math.isnan(mrr["median_end"]) and math.isnan(mrr["p_met"])
    # Signups sit well above 50: the stay_above KR almost surely holds.
    assert signups["p_exceeded"] > 0.9 and signups["expected_band"] == "exceeded"
    probs = frame.loc[[0, 2], ["p_missed", "p_met", "p_exceeded"]].sum(axis=1)
    np.testing.assert_allclose(probs, 1.0)


def lead_lag_pair(rng: np.random.Generator, n: int, lag: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """A leading random walk and a lagging series whose changes follow it lag periods later."""
    leading = 100 + np.cumsum(rng.normal(0, 1, n))
    changes = np.diff(leading, prepend=leading[0])
    lagged = np.concatenate([np.zeros(lag), changes[:-lag]])
    lagging = 500 + np.cumsum(0.3 + 2.0 * lagged + rng.normal(0, 0.3, n))
    return leading, lagging


def test_nowcast_beats_the_plain_forecast_with_a_planted_lag() -> None:
    rng = np.random.default_rng(33)
    n, horizon = 40, 4
    plain, nowcast = [], []
    for trial in range(30):
        leading, lagging = lead_lag_pair(rng, n + horizon)
        actual = lagging[n - 1 + horizon]
        history = pd.Series(lagging[:n])
        f = forecast_end_value(history, horizon, draws=300, seed=trial)
        value = nowcast_end_value(history, pd.Series(leading[:n]), 3, horizon, draws=300)
        plain.append(abs(f.median - actual))
        nowcast.append(abs(value - actual))
    print(f"mean abs error: plain {np.mean(plain):.2f}, nowcast {np.mean(nowcast):.2f}")
    assert np.mean(nowcast) < 0.8 * np.mean(plain)


def test_nowcast_needs_a_lag_and_overlap() -> None:
    leading, lagging = lead_lag_pair(np.random.default_rng(1), 20)
    assert math.isnan(nowcast_end_value(pd.Series(lagging), pd.Series(leading), 0, 4))
    short = nowcast_end_value(pd.Series(lagging[:6]), pd.Series(leading[:6]), 3, 4)
    assert math.isnan(short)


def test_kr_forecasts_nowcasts_a_lagging_kr_from_its_lead() -> None:
    leading, lagging = lead_lag_pair(np.random.default_rng(12), 30)
    series = pd.concat([tidy("signups", leading), tidy("mrr", lagging)])
    links = pd.DataFrame(
        {
            "leading": ["signups", "orders"],
            "lagging": ["mrr", "mrr"],
            "best_lag": [3, 1],
            "correlation": [0.9, 0.95],
            "significant": [True, False],
        }
    )
    okrs = okr_set(kr("mrr", baseline=500, target=600), kr("signups", baseline=90, target=120))
    frame = kr_forecasts(okrs, CATALOG, series, date(2025, 1, 27), links=links, draws=300)
    mrr, signups = frame.iloc[0], frame.iloc[1]
    assert mrr["nowcast_from"] == "signups" and math.isfinite(mrr["nowcast_end"])
    assert pd.isna(signups["nowcast_from"]) and math.isnan(signups["nowcast_end"])


def test_kr_forecasts_of_a_closed_period_reads_the_observed_end() -> None:
    values = np.arange(60.0)
    okrs = okr_set(kr("orders", baseline=10, target=40))
    frame = kr_forecasts(okrs, CATALOG, tidy("orders", values), date(2025, 8, 1), "2025-Q1")
    row = frame.iloc[0]
    # The last week over by 31 March 2025 starts on 24 March: week 38 of the series, the
    # value scoring grades the KR on.
    assert row["median_end"] == row["lo80"] == row["hi80"] == row["current"] == 38.0
    assert row["p_exceeded"] == 1.0
    assert "period over" in row["note"]


@pytest.mark.parametrize("name", [m.name for m in pkgutil.iter_modules(forecast.__path__)])
def test_module_examples(name: str) -> None:
    module = importlib.import_module(f"{forecast.__name__}.{name}")
    assert doctest.testmod(module).failed == 0


# --- the committed sample ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(demo_workspace: Workspace) -> tuple[OkrSet, MetricCatalog, pd.DataFrame]:
    return demo_workspace.okrs(), demo_workspace.catalog(), demo_workspace.series()


def test_sample_forecasts_every_metric_backed_q4_kr(
    sample: tuple[OkrSet, MetricCatalog, pd.DataFrame],
) -> None:
    okrs, catalog, series = sample
    as_of = date(2026, 11, 23)
    frame = kr_forecasts(okrs, catalog, series, as_of, draws=500)
    expected = [
        k.id
        for o in okrs.objectives
        if o.period == "2026-Q4"
        for k in o.key_results
        if k.metric is not None and k.kr_type in forecast.FORECAST_TYPES
    ]
    assert list(frame["kr_id"]) == expected
    probs = frame[[f"p_{label}" for label in PRESETS[okrs.band_preset].labels]]
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert (frame["lo80"] <= frame["median_end"]).all()
    assert (frame["median_end"] <= frame["hi80"]).all()
    assert frame["model"].notna().all()
    # The forecast starts from what was known on as_of: MRR was 459,896 in the week of 16 Nov.
    mrr = frame.set_index("kr_id").loc["company-q4-mrr"]
    assert mrr["current"] == pytest.approx(459896.17, abs=1)
    assert mrr["lo80"] > 459896.17 * 0.95
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(frame[["kr_id", "median_end", "lo80", "hi80", *probs.columns]].round(3))


def test_kr_forecasts_period_arguments() -> None:
    okrs = okr_set(kr("orders", baseline=100, target=150))
    series = tidy("orders", np.arange(30.0))
    # Before any period started there is nothing to forecast.
    before = kr_forecasts(okrs, CATALOG, series, date(2024, 6, 1))
    assert before.empty and list(before.columns) == forecast.forecast_columns("default")
    with pytest.raises(OkrlensError, match="unknown period"):
        kr_forecasts(okrs, CATALOG, series, date(2025, 2, 1), "2031-Q9")
