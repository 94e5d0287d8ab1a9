"""Where each metric-backed key result will land at period end, as probabilities of each band.

Pure functions over the tidy metric series and the OKR definitions; no I/O.

Method (`forecast_end_value`):

- Models: damped-trend exponential smoothing (statsmodels ``ExponentialSmoothing(trend="add",
  damped_trend=True)``), drift (a random walk with drift), a linear trend with AR(1) errors
  (statsmodels ``GLSAR``) and, when the history covers two seasons, seasonal naive.
- Weights: a rolling-origin backtest on the history itself. At each of the last 5 origins
  every model is fitted on the data before it and forecasts ``horizon`` periods ahead; its
  absolute error over the training data's mean one-step change (MASE) is averaged over the
  origins, and each model is weighted by 1 / MASE. Combining beats picking the winner of a
  handful of origins: in the calibration tests the single best model's interval fell short
  on random walks, while the weighted mixture had the lower error and the closer coverage.
- Uncertainty: every model simulates future paths. Exponential smoothing through its state
  space form with bootstrapped in-sample errors (``HoltWintersResults.simulate``); drift by
  resampling the period-to-period changes, the drift itself redrawn from a bootstrap
  resample; trend + AR(1) with the trend line redrawn from its estimate's covariance and
  resampled AR innovations; seasonal naive by resampling seasonal differences. Each model
  simulates its weight's share of the draws; the 80 % interval is the 10th–90th percentile
  of the pooled end values, so model disagreement widens it. Redrawing the drift and the
  trend line carries their estimation error, which dominates long horizons.
- Fallbacks: fewer than 8 usable points → drift only; fewer than 3 → no forecast (NaN); a
  constant history → that constant, with no spread. Missing values inside the history are
  interpolated, trailing ones lengthen the horizon. Every fallback is said in ``note``.

`kr_forecasts` applies this per key result on the data known at as_of, reads the KR's baseline,
target and type from `key_result_scores`, turns the end-value draws into band probabilities
with `band_probabilities`, reports each forecast's own `backtest_coverage`, and nowcasts a
lagging KR from a measured lead (`nowcast_end_value`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import statsmodels.api as sm  # type: ignore[import-untyped, unused-ignore]
from statsmodels.tsa.holtwinters import (  # type: ignore[import-untyped, unused-ignore]
    ExponentialSmoothing,
)

from pipelines.errors import OkrlensError
from pipelines.metrics.spec import Grain, Metric, MetricCatalog
from pipelines.okrs.bands import PRESETS
from pipelines.okrs.scoring import band, key_result_scores, progress
from pipelines.okrs.spec import OkrSet, Period, referenced_period

Floats = npt.NDArray[np.float64]

# Below this many points a trend model has too little to fit; drift alone is the honest choice.
MIN_HISTORY = 8
# Drift needs two changes to have any spread at all.
MIN_POINTS = 3
# Origins of the backtest that weights the models: enough to rank them, few enough to stay fast.
WEIGHT_ORIGINS = 5
# Origins of the coverage backtest reported per KR.
COVERAGE_ORIGINS = 8
LO, HI = 10.0, 90.0
FORECAST_TYPES = ("increase", "decrease", "stay_above", "stay_below")
GRAIN_FREQ: dict[Grain, str] = {"day": "D", "week": "7D", "month": "MS", "quarter": "QS"}
# The yearly (weekly for days) cycle seasonal naive repeats, once two full seasons are known.
GRAIN_SEASON: dict[Grain, int] = {"day": 7, "week": 52, "month": 12, "quarter": 4}
FORECAST_COLUMNS: tuple[str, ...] = (
    "objective_id", "kr_id", "key_result", "metric", "kind", "type", "baseline", "target",
    "current", "period", "period_end", "horizon", "median_end", "lo80", "hi80",
)  # fmt: skip
TAIL_COLUMNS: tuple[str, ...] = (
    "expected_band", "model", "backtest_coverage80", "n_history", "nowcast_end",
    "nowcast_from", "note",
)  # fmt: skip


@dataclass(frozen=True)
class EndForecast:
    """Where a metric will be `horizon` periods after its last observation, as draws."""

    median: float
    lo80: float
    hi80: float
    draws: Floats
    # One row per future period: period_start, median, lo80, hi80 (for a fan chart).
    path: pd.DataFrame
    # The models and their weights, e.g. "damped_trend 0.62 + drift 0.38".
    model: str
    n_history: int
    note: str = ""
    weights: dict[str, float] = field(default_factory=dict)


# --- models ------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _fit_damped_cached(values: bytes) -> Any:
    y = np.frombuffer(values, dtype=float)
    with warnings.catch_warnings():
        # Short series make the optimiser grumble about convergence; the backtest judges it.
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(
            y, trend="add", damped_trend=True, initialization_method="estimated"
        )
        # Without the brute-force start grid, SLSQP reaches the same fit several times faster.
        return model.fit(method="SLSQP", use_brute=False)


def fit_damped(y: Floats) -> Any:
    """Damped additive-trend exponential smoothing fitted to y.

    Cached by value: nested backtests refit the same training prefixes many times over.
    """
    return _fit_damped_cached(np.ascontiguousarray(y, dtype=float).tobytes())


def damped_point(y: Floats, horizon: int, season: int | None) -> float:
    """The damped-trend model's point forecast horizon periods after y ends."""
    return float(np.asarray(fit_damped(y).forecast(horizon))[-1])


def damped_paths(
    y: Floats, horizon: int, n: int, rng: np.random.Generator, season: int | None
) -> Floats:
    """n simulated paths (n × horizon) of the damped-trend model, bootstrapping its errors."""
    fitted = fit_damped(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sims = fitted.simulate(
            horizon, anchor="end", repetitions=n, random_errors="bootstrap", rng=rng
        )
    return np.asarray(sims, dtype=float).reshape(horizon, n).T


def drift_point(y: Floats, horizon: int, season: int | None) -> float:
    """The random walk with drift's point forecast: the last value plus horizon mean changes."""
    return float(y[-1] + horizon * (y[-1] - y[0]) / (len(y) - 1))


def drift_paths(
    y: Floats, horizon: int, n: int, rng: np.random.Generator, season: int | None
) -> Floats:
    """n paths of a random walk with drift: resampled changes around a bootstrapped drift."""
    steps = np.diff(y)
    # Redrawing the drift from a resample of the changes carries its estimation error,
    # which dominates long horizons.
    drifts = rng.choice(steps, size=(n, len(steps))).mean(axis=1)
    shocks = rng.choice(steps - steps.mean(), size=(n, horizon))
    return y[-1] + np.cumsum(drifts[:, None] + shocks, axis=1)


@dataclass(frozen=True)
class TrendAr:
    """A linear trend with AR(1) errors: coefficients, their covariance, rho, the last error."""

    params: Floats
    cov: Floats
    rho: float
    last_error: float
    innovations: Floats


@lru_cache(maxsize=256)
def _fit_trend_ar_cached(values: bytes) -> TrendAr:
    y = np.frombuffer(values, dtype=float)
    x = sm.add_constant(np.arange(len(y), dtype=float))
    model = sm.GLSAR(y, x, rho=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = model.iterative_fit(maxiter=10)
    # Kept below 1 so the errors stay stationary: a unit root is the drift model's job.
    rho = float(np.clip(np.asarray(model.rho).ravel()[0], -0.95, 0.95))
    params = np.asarray(fitted.params, dtype=float)
    errors = y - x @ params
    innovations = errors[1:] - rho * errors[:-1]
    return TrendAr(
        params=params,
        cov=np.asarray(fitted.cov_params(), dtype=float),
        rho=rho,
        last_error=float(errors[-1]),
        innovations=innovations - innovations.mean(),
    )


def fit_trend_ar(y: Floats) -> TrendAr:
    """A linear trend with AR(1) errors fitted to y (statsmodels GLSAR), cached by value."""
    return _fit_trend_ar_cached(np.ascontiguousarray(y, dtype=float).tobytes())


def trend_ar_point(y: Floats, horizon: int, season: int | None) -> float:
    """The trend-plus-AR(1) point forecast: the trend line plus the last error, decayed."""
    fit = fit_trend_ar(y)
    t = len(y) - 1 + horizon
    return float(fit.params[0] + fit.params[1] * t + fit.rho**horizon * fit.last_error)


def trend_ar_paths(
    y: Floats, horizon: int, n: int, rng: np.random.Generator, season: int | None
) -> Floats:
    """n trend-plus-AR(1) paths: trend drawn from its estimate's covariance, errors resampled."""
    fit = fit_trend_ar(y)
    # Redrawing the trend line carries its estimation error, the main risk far out.
    lines = rng.multivariate_normal(fit.params, fit.cov, size=n, method="cholesky")
    errors = np.full(n, fit.last_error)
    paths = np.empty((n, horizon))
    for j in range(horizon):
        errors = fit.rho * errors + rng.choice(fit.innovations, size=n)
        paths[:, j] = lines[:, 0] + lines[:, 1] * (len(y) + j) + errors
    return paths


def seasonal_point(y: Floats, horizon: int, season: int | None) -> float:
    """The seasonal naive forecast: the value one (or more) seasons before the target."""
    assert season is not None
    back = season * math.ceil(horizon / season)
    return float(y[len(y) - 1 + horizon - back])


def seasonal_paths(
    y: Floats, horizon: int, n: int, rng: np.random.Generator, season: int | None
) -> Floats:
    """n seasonal-naive paths: each period is its value a season earlier plus a resampled error."""
    assert season is not None
    errors = y[season:] - y[:-season]
    paths = np.empty((n, horizon))
    for j in range(horizon):
        before = paths[:, j - season] if j >= season else np.full(n, y[len(y) - season + j])
        paths[:, j] = before + rng.choice(errors, size=n)
    return paths


MODELS = {
    "damped_trend": (damped_point, damped_paths),
    "drift": (drift_point, drift_paths),
    "trend_ar1": (trend_ar_point, trend_ar_paths),
    "seasonal_naive": (seasonal_point, seasonal_paths),
}


def usable_models(n_points: int, season: int | None) -> list[str]:
    """The models a history of n_points can support."""
    names = ["drift"]
    if n_points >= MIN_HISTORY:
        names = ["damped_trend", "drift", "trend_ar1"]
    if season is not None and season >= 2 and n_points >= 2 * season:
        names.append("seasonal_naive")
    return names


# --- weights -------------------------------------------------------------------------------


def weight_origins(n_points: int, horizon: int, count: int) -> list[int]:
    """The last `count` training lengths whose target (horizon later) is still observed."""
    first = MIN_HISTORY
    last = n_points - horizon
    return list(range(max(first, last - count + 1), last + 1)) if last >= first else []


def backtest_mase(
    y: Floats, horizon: int, names: list[str], season: int | None, count: int = WEIGHT_ORIGINS
) -> dict[str, float]:
    """Each model's mean absolute scaled error over the last rolling origins; {} if none fit.

    When the history is too short for the full horizon the backtest uses the longest
    horizon it can, since ranking the models on a shorter one beats not ranking them.
    """
    h = horizon
    origins = weight_origins(len(y), h, count)
    while not origins and h > 1:
        h -= 1
        origins = weight_origins(len(y), h, count)
    errors: dict[str, list[float]] = {name: [] for name in names}
    for o in origins:
        train = y[:o]
        scale = float(np.mean(np.abs(np.diff(train))))
        actual = y[o - 1 + h]
        for name in names:
            if name == "seasonal_naive" and (season is None or o < 2 * season):
                continue
            point = MODELS[name][0](train, h, season)
            errors[name].append(abs(actual - point) / scale if scale > 0 else abs(actual - point))
    return {name: float(np.mean(e)) for name, e in errors.items() if e}


def inverse_error_weights(mase: dict[str, float], names: list[str]) -> dict[str, float]:
    """Weights proportional to 1 / MASE; equal weights when nothing could be backtested."""
    scored = {n: mase[n] for n in names if n in mase and math.isfinite(mase[n])}
    if not scored:
        return {n: 1 / len(names) for n in names}
    inverse = {n: 1 / max(e, 1e-9) for n, e in scored.items()}
    total = sum(inverse.values())
    return {n: w / total for n, w in inverse.items()}


def draw_counts(weights: dict[str, float], draws: int) -> dict[str, int]:
    """How many of the draws each model simulates: its weight's share, rounded to sum to draws."""
    raw = {n: w * draws for n, w in weights.items()}
    counts = {n: math.floor(r) for n, r in raw.items()}
    by_remainder = sorted(raw, key=lambda n: raw[n] - counts[n], reverse=True)
    for n in by_remainder[: draws - sum(counts.values())]:
        counts[n] += 1
    return counts


# --- the forecast --------------------------------------------------------------------------


def future_starts(index: pd.Index, horizon: int) -> pd.Index:
    """The period starts of the next horizon periods after the index's last one."""
    if isinstance(index, pd.DatetimeIndex) and len(index) >= 2:
        with warnings.catch_warnings():
            # pandas 3 warns that infer_freq will return an offset; both kinds work below.
            warnings.simplefilter("ignore")
            freq = pd.infer_freq(index) if len(index) >= 3 else None
        step: Any = freq or pd.Series(index).diff().mode().iloc[0]
        return pd.date_range(index[-1], periods=horizon + 1, freq=step)[1:]
    if isinstance(index, pd.DatetimeIndex):
        return pd.date_range(index[-1], periods=horizon + 1, freq="7D")[1:]
    last = int(index[-1]) if len(index) and isinstance(index[-1], (int, np.integer)) else -1
    return pd.Index(range(last + 1, last + 1 + horizon))


def _path_frame(starts: pd.Index, paths: Floats) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period_start": starts,
            "median": np.median(paths, axis=0) if len(paths) else np.nan,
            "lo80": np.percentile(paths, LO, axis=0) if len(paths) else np.nan,
            "hi80": np.percentile(paths, HI, axis=0) if len(paths) else np.nan,
        }
    )


def _summary(
    paths: Floats, starts: pd.Index, model: str, n: int, note: str, weights: dict[str, float]
) -> EndForecast:
    end = paths[:, -1] if paths.size else np.array([], dtype=float)
    quantiles = np.percentile(end, [50.0, LO, HI]) if end.size else [np.nan] * 3
    return EndForecast(
        median=float(quantiles[0]),
        lo80=float(quantiles[1]),
        hi80=float(quantiles[2]),
        draws=end,
        path=_path_frame(starts, paths),
        model=model,
        n_history=n,
        note=note,
        weights=weights,
    )


def clean_history(history: pd.Series) -> tuple[pd.Series, int, str]:
    """history without leading/trailing gaps, inner gaps interpolated; extra horizon; note."""
    values = pd.to_numeric(history, errors="coerce").astype(float)
    values = values.where(np.isfinite(values))
    valid = values.notna().to_numpy()
    if not valid.any():
        return values.iloc[0:0], 0, ""
    first, last = int(np.argmax(valid)), len(valid) - 1 - int(np.argmax(valid[::-1]))
    trimmed = values.iloc[first : last + 1]
    gaps = int(trimmed.isna().sum())
    note = f"{gaps} missing period(s) interpolated" if gaps else ""
    filled = trimmed.interpolate(method="linear") if gaps else trimmed
    # The horizon counts from history's last row; missing trailing values push the end away.
    return filled, len(values) - 1 - last, note


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def forecast_end_value(
    history: pd.Series,
    horizon: int,
    *,
    season: int | None = None,
    draws: int = 2000,
    seed: int = 0,
    floor: float | None = None,
) -> EndForecast:
    """Where the series will be `horizon` periods after its last row, as simulated draws.

    history: a metric's complete values in period order (indexed by period_start, one row per
    period). See the module docstring for the models, weights and simulation. ``median``,
    ``lo80`` and ``hi80`` are the 50th, 10th and 90th percentiles of ``draws``; ``path`` gives
    the same for each future period. With fewer than 3 usable points every figure is NaN.
    floor: a value the metric cannot go below (0 for counts, times, rates); draws are clipped.

    Example:
        >>> f = forecast_end_value(pd.Series(np.arange(20.0)), 5, draws=200)
        >>> round(f.median), f.lo80 <= f.median <= f.hi80
        (24, True)
    """
    clean, extra, gap_note = clean_history(history)
    horizon = max(int(horizon), 0) + extra
    trailing = _join(gap_note, f"{extra} trailing missing period(s)" if extra else "")
    index = history.index
    starts = future_starts(index, horizon) if len(index) else pd.Index(range(horizon))
    y = clean.to_numpy(dtype=float)
    n = len(y)
    if horizon == 0:
        last = np.full((draws, 0), np.nan)
        value = float(y[-1]) if n else math.nan
        end = np.full(draws, value)
        return EndForecast(
            value, value, value, end, _path_frame(starts, last), "observed", n, trailing
        )
    if n < MIN_POINTS:
        note = _join(trailing, f"only {n} usable point(s): no forecast")
        return _summary(np.empty((0, horizon)), starts, "none", n, note, {})
    if np.ptp(y) == 0:
        note = _join(trailing, "constant history: forecast is that constant")
        return _summary(np.full((draws, horizon), y[-1]), starts, "constant", n, note, {})
    names = usable_models(n, season)
    short = f"short history ({n} points): drift only" if n < MIN_HISTORY else ""
    weights = inverse_error_weights(backtest_mase(y, horizon, names, season), names)
    rng = np.random.default_rng(seed)
    blocks = [
        MODELS[name][1](y, horizon, count, rng, season)
        for name, count in draw_counts(weights, draws).items()
        if count
    ]
    paths = np.vstack(blocks)
    # A diverging fit can overflow; its paths are dropped rather than poisoning the quantiles.
    paths = paths[np.isfinite(paths).all(axis=1)]
    if floor is not None:
        paths = np.maximum(paths, floor)
    model = " + ".join(f"{name} {w:.2f}" for name, w in weights.items() if w >= 0.005)
    return _summary(paths, starts, model, n, _join(trailing, short), weights)


def backtest_coverage(
    history: pd.Series,
    horizon: int,
    *,
    season: int | None = None,
    origins: int = COVERAGE_ORIGINS,
    draws: int = 500,
    seed: int = 0,
    floor: float | None = None,
) -> float:
    """Share of rolling origins whose realised value horizon periods on fell inside the 80 % band.

    The origins are the last `origins` training lengths (at least 8 points) whose target is
    still in the history; each one reruns `forecast_end_value` on the data before it. NaN when
    the history is too short for any origin.
    """
    clean, _, _ = clean_history(history)
    y = clean.to_numpy(dtype=float)
    hits = []
    for o in weight_origins(len(y), horizon, origins):
        f = forecast_end_value(
            clean.iloc[:o], horizon, season=season, draws=draws, seed=seed, floor=floor
        )
        actual = y[o - 1 + horizon]
        hits.append(f.lo80 <= actual <= f.hi80)
    return float(np.mean(hits)) if hits else math.nan


# --- bands ---------------------------------------------------------------------------------


def draw_progress(
    end_draws: Floats, baseline: float | None, target: float | None, kr_type: str
) -> Floats | None:
    """Raw progress of each draw (scoring's `progress`, vectorised); None when undefined."""
    values = np.asarray(end_draws, dtype=float)
    if target is None or math.isnan(target):
        return None
    if kr_type == "stay_above":
        return (values >= target).astype(float)
    if kr_type == "stay_below":
        return (values <= target).astype(float)
    if baseline is None or math.isnan(baseline) or baseline == target:
        return None
    with np.errstate(over="ignore", divide="ignore"):
        # A target a hair from the baseline scores ±inf, as the scalar rule does.
        return (values - baseline) / (target - baseline)


def band_probabilities(
    end_draws: Floats,
    baseline: float | None,
    target: float | None,
    kr_type: str,
    preset: str = "default",
) -> dict[str, float]:
    """Share of the end-value draws landing in each band of the preset, labels in order.

    Progress is scored as in `pipelines.okrs.scoring.progress`: ``(v − b) / (t − b)`` for
    increase and decrease alike; stay_above / stay_below score 1.0 when held, else 0.0. The
    shares sum to 1. All NaN when progress is undefined (no target, no baseline, t == b) or
    there are no finite draws.

    Example:
        >>> band_probabilities(np.array([0.0, 0.7, 1.0, 2.0]), 0.0, 1.0, "increase")
        {'missed': 0.25, 'met': 0.25, 'exceeded': 0.5}
    """
    bands = PRESETS[preset]
    values = np.asarray(end_draws, dtype=float)
    p = draw_progress(values[np.isfinite(values)], baseline, target, kr_type)
    if p is None or p.size == 0:
        return {label: math.nan for label in bands.labels}
    # A value moves one band up per cut it passes; a cut itself counts as passed unless it
    # belongs to the band below (BandPreset.cut_in_lower), exactly as BandPreset.band reads.
    level = np.zeros(p.size, dtype=int)
    for cut, in_lower in zip(bands.cuts, bands.cut_in_lower, strict=True):
        level += (p > cut) if in_lower else (p >= cut)
    counts = np.bincount(level, minlength=len(bands.labels))
    return {label: float(c) / p.size for label, c in zip(bands.labels, counts, strict=True)}


# --- nowcast -------------------------------------------------------------------------------


def nowcast_end_value(
    lagging: pd.Series,
    leading: pd.Series,
    lag: int,
    horizon: int,
    *,
    season: int | None = None,
    draws: int = 1000,
    seed: int = 0,
) -> float:
    """The lagging metric's end value, nowcast from the leading metric's last `lag` periods.

    Method: regress the lagging metric's period-to-period changes on the leading metric's
    changes `lag` periods earlier (statsmodels OLS with a constant) over their common history.
    The leading changes already observed then give the lagging changes of the next periods
    (up to `lag` of them); those projected values extend the lagging history, and
    `forecast_end_value` carries it on to the end. Both series share one period grid; horizon
    counts from the lagging series' last row. NaN when fewer than 8 change pairs overlap or
    no leading change is available to project from.
    """
    grid = lagging.index.union(leading.index)
    y = lagging.reindex(grid).astype(float)
    x = leading.reindex(grid).astype(float)
    valid = np.flatnonzero(y.notna().to_numpy())
    if lag < 1 or valid.size == 0:
        return math.nan
    last = int(valid[-1])
    horizon += len(lagging) - 1 - int(np.flatnonzero(lagging.notna().to_numpy())[-1])
    dy, dx = y.diff().to_numpy(), x.diff().to_numpy()
    dx_lagged = np.concatenate([np.full(lag, np.nan), dx[:-lag]])
    pairs = np.isfinite(dy) & np.isfinite(dx_lagged)
    pairs[last + 1 :] = False
    if pairs.sum() < MIN_HISTORY:
        return math.nan
    fit = sm.OLS(dy[pairs], sm.add_constant(dx_lagged[pairs], has_constant="add")).fit()
    intercept, slope = (float(v) for v in fit.params)
    projected: list[float] = []
    level = float(y.iloc[last])
    for j in range(1, min(lag, horizon) + 1):
        source = last + j - lag
        if source >= len(dx) or not np.isfinite(dx[source]):
            break
        level += intercept + slope * dx[source]
        projected.append(level)
    if not projected:
        return math.nan
    if len(projected) >= horizon:
        return projected[horizon - 1]
    known = y.iloc[: last + 1].dropna()
    extended = pd.Series([*known.to_numpy(), *projected])
    rest = horizon - len(projected)
    return forecast_end_value(extended, rest, season=season, draws=draws, seed=seed).median


# --- key results ---------------------------------------------------------------------------


def known_rows(series: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The series rows known at the end of as_of: complete, started and over by then.

    Stricter than scoring's snapshot rule: a week still running on as_of is left out for
    every metric, since its value may already hold data from after as_of.
    """
    day = pd.Timestamp(as_of)
    complete = series["complete"].fillna(False).astype(bool)
    over = series["period_end"] <= day + pd.Timedelta(days=1)
    return series[complete & (series["period_start"] <= day) & over]


def metric_history(rows: pd.DataFrame, metric: str, grain: Grain) -> pd.Series:
    """One metric's values on its regular period grid (missing periods as NaN)."""
    own = rows[rows["metric"] == metric].sort_values("period_start")
    values = pd.Series(
        own["value"].to_numpy(dtype=float), index=pd.DatetimeIndex(own["period_start"])
    )
    values = values[~values.index.duplicated(keep="last")]
    if values.empty:
        return values
    grid = pd.date_range(values.index[0], values.index[-1], freq=GRAIN_FREQ[grain])
    return values.reindex(grid) if len(grid) >= len(values) else values


def periods_to_end(last_start: pd.Timestamp, period_end: date, grain: Grain, snapshot: bool) -> int:
    """Periods from the last observed one to the one scoring reads at period_end (≤ 0: observed).

    A snapshot (aggregation ``last``) is read from the period containing period_end; a flow
    only once its period is over, so from the last period ending by the day after period_end.
    """
    freq = pd.tseries.frequencies.to_offset(GRAIN_FREQ[grain])
    end = pd.Timestamp(period_end)
    steps = 0
    start = pd.Timestamp(last_start)
    if start > end:
        while start > end:
            start -= freq
            steps -= 1
    else:
        while start + freq <= end:
            start += freq
            steps += 1
    # start is now the period containing period_end; a flow's is not over by then.
    over = start + freq <= end + pd.Timedelta(days=1)
    return steps if snapshot or over else steps - 1


def lead_for(links: pd.DataFrame | None, metric: str) -> tuple[str, int] | None:
    """The leading metric and lag of metric's strongest significant lead (lag ≥ 1), if any."""
    if links is None or links.empty:
        return None
    found = links[
        (links["lagging"] == metric)
        & links["significant"].fillna(False).astype(bool)
        & (pd.to_numeric(links["best_lag"], errors="coerce") >= 1)
    ]
    if found.empty:
        return None
    strongest = pd.to_numeric(found["correlation"], errors="coerce").abs().fillna(0).to_numpy()
    best = found.iloc[int(np.argmax(strongest))]
    return str(best["leading"]), int(best["best_lag"])


def _nan_forecast(note: str) -> dict[str, Any]:
    return {
        "horizon": math.nan,
        "median_end": math.nan,
        "lo80": math.nan,
        "hi80": math.nan,
        "model": None,
        "backtest_coverage80": math.nan,
        "n_history": 0,
        "nowcast_end": math.nan,
        "nowcast_from": None,
        "note": note,
    }


def floor_of(history: pd.Series) -> float | None:
    """0 when the metric has never been negative (counts, times, rates, money), else None."""
    return 0.0 if bool((history.dropna() >= 0).all()) else None


def _forecast_fields(
    history: pd.Series, horizon: int, grain: Grain, draws: int, seed: int
) -> tuple[dict[str, Any], EndForecast]:
    options: dict[str, Any] = {"season": GRAIN_SEASON[grain], "seed": seed}
    options["floor"] = floor_of(history)
    f = forecast_end_value(history, horizon, draws=draws, **options)
    coverage = math.nan
    if horizon > 0:
        # Fewer draws per origin: the coverage is a share of a handful of origins anyway.
        coverage = backtest_coverage(history, horizon, draws=max(draws // 4, 200), **options)
    fields = {
        "horizon": horizon,
        "median_end": f.median,
        "lo80": f.lo80,
        "hi80": f.hi80,
        "model": f.model,
        "backtest_coverage80": coverage,
        "n_history": f.n_history,
        "note": f.note,
    }
    return fields, f


def _nowcast_fields(
    rows: pd.DataFrame,
    metric: str,
    history: pd.Series,
    horizon: int,
    links: pd.DataFrame | None,
    catalog: MetricCatalog,
    grain: Grain,
    seed: int,
) -> dict[str, Any]:
    lead = lead_for(links, metric)
    if lead is None or horizon <= 0 or lead[0] not in {m.name for m in catalog.metrics}:
        return {"nowcast_end": math.nan, "nowcast_from": None}
    leading = metric_history(rows, lead[0], catalog.get(lead[0]).grain)
    value = nowcast_end_value(
        history, leading, lead[1], horizon, season=GRAIN_SEASON[grain], seed=seed
    )
    return {"nowcast_end": value, "nowcast_from": None if math.isnan(value) else lead[0]}


def _kr_row(
    kr: pd.Series,
    cycle: Period,
    catalog: MetricCatalog,
    rows: pd.DataFrame,
    links: pd.DataFrame | None,
    preset: str,
    draws: int,
    seed: int,
) -> dict[str, Any]:
    metric = catalog.get(str(kr["metric"]))
    base = {c: kr[c] for c in ("objective_id", "kr_id", "key_result", "metric", "kind")}
    base |= {c: kr[c] for c in ("type", "baseline", "target", "current")}
    base |= {"period": cycle.name, "period_end": cycle.end}
    labels = PRESETS[preset].labels
    history = metric_history(rows, metric.name, metric.grain)
    if history.notna().sum() == 0:
        return (
            base
            | _nan_forecast("no data before as_of")
            | dict.fromkeys([f"p_{lab}" for lab in labels], math.nan)
            | {"expected_band": None}
        )
    history = history.loc[: history.last_valid_index()]
    horizon = periods_to_end(
        history.index[-1], cycle.end, metric.grain, metric.aggregation == "last"
    )
    if horizon < 0:
        # The period closed before the data did: its graded value is observed.
        history = history.iloc[: len(history) + horizon]
        horizon = 0
    fields, f = _forecast_fields(history, horizon, metric.grain, draws, seed)
    if horizon == 0:
        fields["note"] = _join("period over: the end value is observed", fields["note"])
    probs = band_probabilities(f.draws, kr["baseline"], kr["target"], str(kr["type"]), preset)
    p_median = progress(f.median, kr["baseline"], kr["target"], str(kr["type"]))
    undefined = all(math.isnan(v) for v in probs.values()) and not math.isnan(f.median)
    note = _join(
        fields["note"], "no baseline or target: band probabilities undefined" if undefined else ""
    )
    return (
        base
        | fields
        | {"note": note, "expected_band": band(p_median, preset)}
        | {f"p_{lab}": v for lab, v in probs.items()}
        | _nowcast_fields(rows, metric.name, history, horizon, links, catalog, metric.grain, seed)
    )


def metric_forecast(
    series: pd.DataFrame,
    metric: Metric,
    as_of: date,
    period_end: date,
    *,
    draws: int = 1000,
    seed: int = 0,
) -> EndForecast | None:
    """The forecast of metric from the data known at as_of to the period graded at period_end.

    The same procedure as `kr_forecasts`, keeping the path for a fan chart; None without data
    or when the graded period is already observed.
    """
    history = metric_history(known_rows(series, as_of), metric.name, metric.grain)
    if history.notna().sum() == 0:
        return None
    history = history.loc[: history.last_valid_index()]
    horizon = periods_to_end(
        history.index[-1], period_end, metric.grain, metric.aggregation == "last"
    )
    if horizon <= 0:
        return None
    return forecast_end_value(
        history,
        horizon,
        season=GRAIN_SEASON[metric.grain],
        draws=draws,
        seed=seed,
        floor=floor_of(history),
    )


def forecast_columns(preset: str) -> list[str]:
    """The columns of `kr_forecasts` for a band preset."""
    probs = [f"p_{label}" for label in PRESETS[preset].labels]
    return [*FORECAST_COLUMNS, *probs, *TAIL_COLUMNS]


def kr_forecasts(
    okrs: OkrSet,
    catalog: MetricCatalog,
    series: pd.DataFrame,
    as_of: date,
    period: str | None = None,
    links: pd.DataFrame | None = None,
    *,
    draws: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per metric-backed increase / decrease / stay key result of the period.

    period: a period name; default the one containing as_of (`referenced_period`). Only series
    rows known at as_of are used (`known_rows`): nothing after as_of is seen. Baseline, target
    and type are the ones `key_result_scores` resolves at as_of. The forecast targets the
    period scoring reads at the period's end (the one containing it for a snapshot metric, the
    last one over by then for a flow); ``horizon`` counts periods to it from the last known
    one. ``p_<label>`` per band of ``okrs.band_preset``; ``expected_band`` is the median's
    band; ``backtest_coverage80`` the share of rolling origins whose realised value fell in
    the 80 % interval (`backtest_coverage`). links (columns leading, lagging, best_lag,
    correlation, significant) adds ``nowcast_end`` / ``nowcast_from`` for lagging metrics with
    a significant lead (`nowcast_end_value`). A KR without usable data gets NaNs and a note.
    """
    columns = forecast_columns(okrs.band_preset)
    names = [p.name for p in okrs.periods]
    if period is not None and period not in names:
        raise OkrlensError(
            f"unknown period {period!r}",
            where="okrs.yaml, periods",
            fix=f"choose one of {', '.join(names)}",
        )
    cycle = okrs.period(period) if period is not None else referenced_period(okrs, as_of)
    if cycle is None:
        return pd.DataFrame(columns=columns)
    rows = known_rows(series, as_of)
    scores = key_result_scores(okrs, catalog, rows, as_of, cycle.name)
    wanted = scores[scores["metric"].notna() & scores["type"].isin(FORECAST_TYPES)]
    records = [
        _kr_row(kr, cycle, catalog, rows, links, okrs.band_preset, draws, seed)
        for _, kr in wanted.iterrows()
    ]
    return pd.DataFrame.from_records(records, columns=columns)
