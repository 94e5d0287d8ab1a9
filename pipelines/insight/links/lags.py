"""Correlations of the leading changes with the lagging changes k periods later: paired r at
every lag, the best lag, scipy's test there, and how stable that lag is across rolling windows."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_MIN_POINTS = 20
# Fewer pairs than this give no Fisher interval (it needs n > 3).
MIN_LAG_PAIRS = 4
# Stability windows: 60 % of the points each, and at least 12 points in a window (so 20 overall)
# for a window's own best lag to mean anything.
WINDOW_SHARE = 0.6
MIN_WINDOW_POINTS = 12
MIN_STABILITY_POINTS = math.ceil(MIN_WINDOW_POINTS / WINDOW_SHARE)


def ahead_by_lag(y: FloatArray, max_lag: int) -> FloatArray:
    """y_{t+k} in row k, for k = 0..max_lag, on y's calendar (NaN beyond its end)."""
    padded = np.concatenate([y, np.full(max_lag, np.nan)])
    return sliding_window_view(padded, len(y))[: max_lag + 1]


def paired_r(x: FloatArray, y: FloatArray, min_pairs: int) -> tuple[FloatArray, IntArray]:
    """Pearson r along the last axis over the pairs with both sides present (NaN below
    min_pairs or without variation), and the number of those pairs.

    The pairwise-complete r of pandas' corr and rolling corr, vectorised over lags and windows:
    pandas takes about a millisecond per lag, which the window scan multiplies by the windows.
    The test at the best lag is scipy's.
    """
    both = np.isfinite(x) & np.isfinite(y)
    n = both.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xs, ys = np.where(both, x, 0.0), np.where(both, y, 0.0)
        # Two-pass (centred) sums: the one-pass formula loses digits on large, trending KPIs.
        dx = np.where(both, xs - xs.sum(axis=-1, keepdims=True) / n[..., None], 0.0)
        dy = np.where(both, ys - ys.sum(axis=-1, keepdims=True) / n[..., None], 0.0)
        r = (dx * dy).sum(axis=-1) / np.sqrt((dx * dx).sum(axis=-1) * (dy * dy).sum(axis=-1))
    return np.where((n >= min_pairs) & np.isfinite(r), np.clip(r, -1.0, 1.0), np.nan), n


def best_lag(r: FloatArray, n: IntArray, min_points: int) -> int | None:
    """The lag with the largest |r| among lags with min_points pairs (any lag when none has)."""
    measured = np.isfinite(r)
    if not measured.any():
        return None
    # Lags short of min_points are left out when others qualify: their few pairs make large
    # chance correlations likelier, so they would win the argmax for the wrong reason.
    enough = measured & (n >= min_points)
    pool = enough if enough.any() else measured
    return int(np.argmax(np.where(pool, np.abs(r), -1.0)))  # the shortest lag wins a tie


def pearson(x: FloatArray, y: FloatArray) -> Any:
    """scipy's Pearson test of corr(x, y) over the pairs with both sides present."""
    both = np.isfinite(x) & np.isfinite(y)
    # Imported on first use: statsmodels and scipy take ~2 s to import, which a cold server
    # would otherwise spend before drawing the first page (none of which needs them).
    from scipy import stats  # type: ignore[import-untyped, unused-ignore]

    return stats.pearsonr(x[both], y[both])


def usable_positions(x: FloatArray, ahead: FloatArray) -> IntArray:
    """Calendar positions t where x_t pairs with some y_{t+k}."""
    return np.flatnonzero(np.isfinite(x) & np.isfinite(ahead).any(axis=0))


def window_best_lags(x: FloatArray, ahead: FloatArray) -> IntArray:
    """The best lag (largest |r|) within each rolling window of 60 % of the usable span, step 1."""
    usable = usable_positions(x, ahead)
    if len(usable) < MIN_STABILITY_POINTS:
        return np.empty(0, dtype=np.int64)
    first, last = int(usable[0]), int(usable[-1])
    width = math.ceil(WINDOW_SHARE * (last - first + 1))
    starts = slice(first, last - width + 2)
    x_windows = sliding_window_view(x, width)[starts]  # (windows, width)
    y_windows = sliding_window_view(ahead, width, axis=-1)[:, starts]  # (lags, windows, width)
    r, _ = paired_r(x_windows, y_windows, MIN_WINDOW_POINTS)
    strength = np.abs(r)
    measured = np.isfinite(strength).any(axis=0)
    return np.argmax(np.nan_to_num(strength[:, measured], nan=-1.0), axis=0).astype(np.int64)


def lag_stability(best_lags: IntArray, lag: int) -> float | None:
    """The share of windows whose best lag is within ±1 of lag; None without windows."""
    if len(best_lags) == 0:
        return None
    return float(np.mean(np.abs(best_lags - lag) <= 1))
