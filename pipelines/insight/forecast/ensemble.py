"""Where a metric will be some periods on, as the pooled draws of a weighted mix of models.

Method (`forecast_end_value`):

- Models: damped-trend exponential smoothing (statsmodels ``ExponentialSmoothing(trend="add",
  damped_trend=True)``), drift (a random walk with drift), no change (a random walk), a linear
  trend with AR(1) errors (statsmodels ``GLSAR``), an AR(1) on the changes (momentum that
  fades, ARIMA(1,1,0) with drift: a rising unemployment rate keeps rising for a while) and,
  when the history covers two seasons, seasonal naive and damped-trend exponential smoothing
  with additive seasons (Holt-Winters) (`pipelines.insight.forecast.models`).
- Weights: a rolling-origin backtest on the history itself. At each of the last 10 origins
  every model is fitted on the data before it and forecasts ``horizon`` periods ahead; its
  absolute error over the training data's mean one-step change (MASE) is averaged over the
  origins, and each model is weighted by 1 / MASE⁴, so skill out of sample decides: a model
  twice as wrong gets 1/16 of the weight, and models that already failed neither move the
  median nor widen the interval. The power and the AR(1)-on-changes model were chosen on the
  tuning origins of ``bench/bench_forecast.py`` only (the first half in time of each series),
  never on the held-out ones it scores: there the Brier score of the band probabilities was
  0.262 with cubes and no AR(1) on changes, 0.255 with it, 0.251 with fourth powers and 0.249
  with sixth; but sixth powers pick one model so sharply that the 80 % interval of short
  synthetic series covered 0.695 (`test_interval_calibration_on_synthetic_series`; 0.735 with
  fourth powers), so fourth powers it is.
- Uncertainty: every model simulates future paths. Exponential smoothing through its state
  space form with bootstrapped in-sample errors (``HoltWintersResults.simulate``); drift by
  resampling the period-to-period changes, the drift itself redrawn from a bootstrap
  resample; no change by resampling the centred changes; trend + AR(1) with the trend line
  redrawn from its estimate's covariance and resampled AR innovations; AR(1) on changes by
  resampling its residuals; seasonal naive by
  resampling seasonal differences. Each model simulates its weight's share of the draws.
- Calibration: in-sample errors make a model over-confident, and model disagreement
  over-widens the pool. So the pooled paths' spread around their median is scaled until the
  80 % interval's half-width matches the 80 % (conformal) quantile of the mixture's own
  absolute errors at the backtest's origins, shrunk towards no scaling when origins are few
  (`interval_scale`). The 80 % interval is then the 10th–90th percentile of the end values.
- Fallbacks: fewer than 8 usable points → drift only; fewer than 3 → no forecast (NaN); a
  constant history → that constant, with no spread. Missing values inside the history are
  interpolated, trailing ones lengthen the horizon. Every fallback is said in ``note``.

`backtest_coverage` checks the 80 % interval the same way: the share of rolling origins whose
realised value fell inside it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipelines.insight.forecast.models import MIN_HISTORY, MODELS, Floats, usable_models

# Drift needs two changes to have any spread at all.
MIN_POINTS = 3
# Origins of the backtest that weights the models and calibrates the interval: enough to rank
# them and to estimate the 80 % quantile of the errors, few enough to stay fast.
BACKTEST_ORIGINS = 10
# How sharply skill decides the weights: 1 / MASE to this power (module docstring).
SKILL_POWER = 4
# Fewer backtest errors than this leave the simulated interval as it is.
MIN_CALIBRATION = 4
# Pseudo-origins that shrink the calibration factor towards 1 (see interval_scale).
CALIBRATION_PRIOR = 5
# Origins of the coverage backtest reported per KR.
COVERAGE_ORIGINS = 8
LO, HI = 10.0, 90.0


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
    # How much the backtest's errors widened (> 1) or narrowed the simulated interval.
    interval_factor: float = 1.0


def weight_origins(n_points: int, horizon: int, count: int) -> list[int]:
    """The last `count` training lengths whose target (horizon later) is still observed."""
    first = MIN_HISTORY
    last = n_points - horizon
    return list(range(max(first, last - count + 1), last + 1)) if last >= first else []


@dataclass(frozen=True)
class Backtest:
    """Each model's point forecasts at the rolling origins, with what they are scored against."""

    horizon: int  # the horizon backtested: shorter than asked when the history is short
    actual: Floats  # the realised value of each origin's target
    scale: Floats  # each training window's mean absolute one-step change (1 when flat)
    points: dict[str, Floats]  # per model, one forecast per origin (NaN where it cannot run)


def backtest(y: Floats, horizon: int, names: list[str], season: int | None, count: int) -> Backtest:
    """Every model's forecast horizon periods on from each of the last `count` origins.

    When the history is too short for the full horizon the backtest uses the longest
    horizon it can, since ranking the models on a shorter one beats not ranking them.
    """
    h = horizon
    origins = weight_origins(len(y), h, count)
    while not origins and h > 1:
        h -= 1
        origins = weight_origins(len(y), h, count)
    scales = [float(np.mean(np.abs(np.diff(y[:o])))) for o in origins]
    points = {name: np.full(len(origins), np.nan) for name in names}
    for i, o in enumerate(origins):
        for name in names:
            if name.startswith("seasonal") and (season is None or o < 2 * season):
                continue
            points[name][i] = MODELS[name][0](y[:o], h, season)
    return Backtest(
        horizon=h,
        actual=np.array([y[o - 1 + h] for o in origins], dtype=float),
        scale=np.array([s if s > 0 else 1.0 for s in scales], dtype=float),
        points=points,
    )


def backtest_mase(found: Backtest) -> dict[str, float]:
    """Each model's mean absolute scaled error over the origins it ran at; {} if none."""
    mase = {}
    for name, points in found.points.items():
        ran = np.isfinite(points)
        if ran.any():
            errors = np.abs(found.actual[ran] - points[ran]) / found.scale[ran]
            mase[name] = float(np.mean(errors))
    return mase


def skill_weights(mase: dict[str, float], names: list[str]) -> dict[str, float]:
    """Weights proportional to 1 / MASE ** SKILL_POWER; equal when nothing was backtested.

    See the module docstring for why the power is above 1.
    """
    scored = {n: mase[n] for n in names if n in mase and math.isfinite(mase[n])}
    if not scored:
        return {n: 1 / len(names) for n in names}
    inverse = {n: 1 / max(e, 1e-9) ** SKILL_POWER for n, e in scored.items()}
    total = sum(inverse.values())
    return {n: w / total for n, w in inverse.items()}


def ensemble_errors(found: Backtest, weights: dict[str, float]) -> Floats:
    """The weighted mixture's absolute errors at each origin, over that origin's scale."""
    errors = np.full(len(found.actual), np.nan)
    for i in range(len(found.actual)):
        ran = {n: w for n, w in weights.items() if np.isfinite(found.points[n][i])}
        if ran:
            point = sum(w * found.points[n][i] for n, w in ran.items()) / sum(ran.values())
            errors[i] = abs(found.actual[i] - point) / found.scale[i]
    return errors[np.isfinite(errors)]


def interval_scale(errors: Floats, half_width: float) -> float:
    """The factor that widens or narrows the 80 % interval to the backtest's errors.

    Split conformal: the interval's half-width should be the 80 % quantile of the absolute
    errors the same forecast made at the backtest's origins (scaled by each window's mean
    change, so a growing series compares like with like). A handful of origins is a noisy
    estimate, so the factor is shrunk towards 1 in log terms by their number (k / (k + 5)),
    and bounded to [1/3, 3]. half_width: the simulated interval's, on the same scale.
    """
    k = len(errors)
    if k < MIN_CALIBRATION or not half_width > 0:
        return 1.0
    # The finite-sample conformal rank: ceil((k + 1) · 0.8)-th smallest of k errors.
    rank = min(math.ceil((k + 1) * 0.8), k) - 1
    target = float(np.sort(errors)[rank])
    if target <= 0:
        return 1.0
    factor = (target / half_width) ** (k / (k + CALIBRATION_PRIOR))
    return float(np.clip(factor, 1 / 3, 3.0))


def calibrated(paths: Floats, factor: float) -> Floats:
    """paths with their spread around each period's median scaled by factor."""
    if factor == 1.0 or not paths.size:
        return paths
    median = np.median(paths, axis=0)
    return median + factor * (paths - median)


def draw_counts(weights: dict[str, float], draws: int) -> dict[str, int]:
    """How many of the draws each model simulates: its weight's share, rounded to sum to draws."""
    raw = {n: w * draws for n, w in weights.items()}
    counts = {n: math.floor(r) for n, r in raw.items()}
    by_remainder = sorted(raw, key=lambda n: raw[n] - counts[n], reverse=True)
    for n in by_remainder[: draws - sum(counts.values())]:
        counts[n] += 1
    return counts


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
    """The median and 80 % interval of the paths in each future period (NaN without paths)."""
    return pd.DataFrame(
        {
            "period_start": starts,
            "median": np.median(paths, axis=0) if len(paths) else np.nan,
            "lo80": np.percentile(paths, LO, axis=0) if len(paths) else np.nan,
            "hi80": np.percentile(paths, HI, axis=0) if len(paths) else np.nan,
        }
    )


def _paths_forecast(
    paths: Floats,
    starts: pd.Index,
    model: str,
    n: int,
    note: str,
    weights: dict[str, float],
    interval_factor: float = 1.0,
) -> EndForecast:
    """The EndForecast of simulated paths (draws × periods): their end values and path."""
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
        interval_factor=interval_factor,
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


def joined_note(*parts: str) -> str:
    """The non-empty parts of a note, joined by "; "."""
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
    trailing = joined_note(gap_note, f"{extra} trailing missing period(s)" if extra else "")
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
        note = joined_note(trailing, f"only {n} usable point(s): no forecast")
        return _paths_forecast(np.empty((0, horizon)), starts, "none", n, note, {})
    if np.ptp(y) == 0:
        note = joined_note(trailing, "constant history: forecast is that constant")
        return _paths_forecast(np.full((draws, horizon), y[-1]), starts, "constant", n, note, {})
    names = usable_models(n, season)
    short = f"short history ({n} points): drift only" if n < MIN_HISTORY else ""
    found = backtest(y, horizon, names, season, BACKTEST_ORIGINS)
    weights = skill_weights(backtest_mase(found), names)
    rng = np.random.default_rng(seed)
    blocks = [
        MODELS[name][1](y, horizon, count, rng, season)
        for name, count in draw_counts(weights, draws).items()
        if count
    ]
    paths = np.vstack(blocks)
    # A diverging fit can overflow; its paths are dropped rather than poisoning the quantiles.
    paths = paths[np.isfinite(paths).all(axis=1)]
    factor = 1.0
    if found.horizon == horizon and len(paths):
        lo, hi = np.percentile(paths[:, -1], [LO, HI])
        scale = float(np.mean(np.abs(np.diff(y)))) or 1.0
        factor = interval_scale(ensemble_errors(found, weights), (hi - lo) / 2 / scale)
        paths = calibrated(paths, factor)
    if floor is not None:
        paths = np.maximum(paths, floor)
    model = " + ".join(f"{name} {w:.2f}" for name, w in weights.items() if w >= 0.005)
    note = joined_note(trailing, short)
    return _paths_forecast(paths, starts, model, n, note, weights, factor)


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
