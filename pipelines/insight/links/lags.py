"""Correlations of the leading changes with the lagging changes k periods later: Pearson's r, its
p-value and Spearman's rho at every lag, the best lag, its interval, and how stable that lag is
across rolling windows."""

from __future__ import annotations

import math

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
Z_95 = 1.959963984540054


def ahead_by_lag(y: FloatArray, max_lag: int) -> FloatArray:
    """y_{t+k} in row k, for k = 0..max_lag, on y's calendar (NaN beyond its end)."""
    padded = np.concatenate([y, np.full(max_lag, np.nan)])
    return sliding_window_view(padded, len(y))[: max_lag + 1]


def paired_r(x: FloatArray, y: FloatArray, min_pairs: int) -> tuple[FloatArray, IntArray]:
    """Pearson r along the last axis over the pairs with both sides present (NaN below
    min_pairs or without variation), and the number of those pairs.

    The pairwise-complete r of pandas' corr and rolling corr, vectorised over lags and windows:
    pandas takes about a millisecond per lag, which the window scan multiplies by the windows.
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


def ranks(values: FloatArray) -> FloatArray:
    """The ranks of the finite values along the last axis (ties share their mean rank), NaN
    elsewhere."""
    from scipy.stats import rankdata  # type: ignore[import-untyped, unused-ignore]

    finite = np.isfinite(values)
    return np.where(
        finite, rankdata(np.where(finite, values, np.nan), axis=-1, nan_policy="omit"), np.nan
    )


def spearman_by_lag(x: FloatArray, ahead: FloatArray) -> tuple[FloatArray, IntArray]:
    """Spearman's rho of x_t with y_{t+k} for each row k of ahead, over the pairs present at
    that lag, and the number of those pairs.

    The check on r: a handful of joint outliers (a holiday week, an outage, a one-off campaign)
    can carry r past any threshold on 25 points, while in ranks each point counts once. Each lag
    is ranked over its own pairs, so rho is exactly scipy's spearmanr.
    """
    both = np.isfinite(x) & np.isfinite(ahead)
    return paired_r(
        ranks(np.where(both, x, np.nan)), ranks(np.where(both, ahead, np.nan)), MIN_LAG_PAIRS
    )


def p_values(r: FloatArray, n: IntArray) -> FloatArray:
    """The two-sided p-value of each correlation against none (Student's t on n − 2 degrees of
    freedom: exact for Pearson's r as scipy's pearsonr, the approximation of its spearmanr for
    rho); NaN where the correlation is."""
    from scipy import stats  # type: ignore[import-untyped, unused-ignore]

    with np.errstate(invalid="ignore", divide="ignore"):
        dof = (n - 2).astype(np.float64)
        t = np.abs(r) * np.sqrt(dof / np.maximum(1.0 - r * r, 0.0))
        p = 2.0 * stats.t.sf(t, np.maximum(dof, 1.0))
    return np.where(np.isfinite(r), np.clip(p, 0.0, 1.0), np.nan)


def best_lag(p: FloatArray, n: IntArray, min_points: int) -> int | None:
    """The lag with the smallest p-value among lags with min_points pairs (any lag when none has).

    The smallest p, not the largest |r|: longer lags have fewer pairs, so chance correlations
    there are larger, and picking by |r| hands the longest lag the win (4 of 7 false links on
    unrelated real pairs sat at the largest lag tried).
    """
    measured = np.isfinite(p)
    if not measured.any():
        return None
    enough = measured & (n >= min_points)
    pool = enough if enough.any() else measured
    return int(np.argmin(np.where(pool, p, np.inf)))  # the shortest lag wins a tie


def interval(r: float, n: int) -> tuple[float, float]:
    """The 95 % Fisher-z interval of Pearson's r from n pairs (scipy's pearsonr interval)."""
    if abs(r) >= 1.0:  # a perfect line: atanh is infinite, and so is the evidence
        return r, r
    z, half = math.atanh(r), Z_95 / math.sqrt(n - 3)
    return math.tanh(z - half), math.tanh(z + half)


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
