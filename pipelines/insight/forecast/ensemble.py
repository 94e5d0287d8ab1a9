"""Where a metric will be some periods on, as the pooled draws of a weighted mix of models.

Method (`forecast_end_value`):

- Models: damped-trend exponential smoothing (statsmodels ``ExponentialSmoothing(trend="add",
  damped_trend=True)``), drift (a random walk with drift), a linear trend with AR(1) errors
  (statsmodels ``GLSAR``) and, when the history covers two seasons, seasonal naive
  (`pipelines.insight.forecast.models`).
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
# Origins of the backtest that weights the models: enough to rank them, few enough to stay fast.
WEIGHT_ORIGINS = 5
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
    paths: Floats, starts: pd.Index, model: str, n: int, note: str, weights: dict[str, float]
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
    return _paths_forecast(paths, starts, model, n, joined_note(trailing, short), weights)


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
