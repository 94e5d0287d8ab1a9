"""Link, the measured lead/lag link of one leading series to one lagging series, and lead_lag,
which measures it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from pipelines.errors import OkrlensError
from pipelines.insight.links.changes import on_calendar, whitened_changes
from pipelines.insight.links.lags import (
    DEFAULT_MIN_POINTS,
    MIN_LAG_PAIRS,
    ahead_by_lag,
    best_lag,
    lag_stability,
    paired_r,
    pearson,
    usable_positions,
    window_best_lags,
)
from pipelines.insight.links.notes import link_note, stability_note, unmeasured_note
from pipelines.metrics.grains import GRAINS


@dataclass(frozen=True)
class Link:
    """The measured lead/lag link from a leading series to a lagging one."""

    leading: str
    lagging: str
    grain: str
    best_lag: int | None  # periods by which the lagging series follows; None when not measurable
    correlation: float | None  # signed r of the (pre-whitened) changes at best_lag
    ci_low: float | None  # 95 % Fisher-z interval of that r
    ci_high: float | None
    p_value: float | None  # Bonferroni-adjusted for the max_lag + 1 lags tried
    significant: bool
    stability: float | None  # 0..1; None when too few points for rolling windows
    n_points: int  # pairs of changes behind correlation (at best_lag)
    note: str

    def record(self) -> dict[str, object]:
        """The link as a JSON-ready dict, one key per field."""
        return asdict(self)


LINK_COLUMNS = [f.name for f in fields(Link)]


def _checked_arguments(grain: str, max_lag: int, alpha: float, min_points: int) -> None:
    """Nothing; OkrlensError when an argument of lead_lag is out of range."""
    if grain not in GRAINS:
        raise OkrlensError(
            f"unknown grain {grain!r}", where="lead_lag", fix=f"use one of {', '.join(GRAINS)}"
        )
    if max_lag < 0:
        raise OkrlensError(f"max_lag {max_lag} is negative", where="lead_lag", fix="pass 0 or more")
    if not 0 < alpha < 1:
        raise OkrlensError(
            f"alpha {alpha} is not between 0 and 1", where="lead_lag", fix="pass e.g. 0.05"
        )
    if min_points < MIN_LAG_PAIRS:
        raise OkrlensError(
            f"min_points {min_points} is too small",
            where="lead_lag",
            fix=f"pass at least {MIN_LAG_PAIRS}",
        )


def _unmeasured(leading: str, lagging: str, grain: str, n_points: int) -> Link:
    """The link of two series that cannot be correlated at any lag: too little overlap, or a
    series that never changes."""
    return Link(
        leading=leading,
        lagging=lagging,
        grain=grain,
        best_lag=None,
        correlation=None,
        ci_low=None,
        ci_high=None,
        p_value=None,
        significant=False,
        stability=None,
        n_points=n_points,
        note=unmeasured_note(n_points),
    )


def lead_lag(
    leading: pd.Series,
    lagging: pd.Series,
    *,
    leading_name: str = "leading",
    lagging_name: str = "lagging",
    grain: str = "week",
    max_lag: int = 8,
    alpha: float = 0.05,
    min_points: int = DEFAULT_MIN_POINTS,
) -> Link:
    """The lead/lag link of two series indexed by period start (DatetimeIndex)."""
    _checked_arguments(grain, max_lag, alpha, min_points)
    x, y = whitened_changes(
        on_calendar(leading, grain, leading_name), on_calendar(lagging, grain, lagging_name)
    )
    xs = x.to_numpy(dtype=np.float64)
    ahead = ahead_by_lag(y.to_numpy(dtype=np.float64), max_lag)
    rs, ns = paired_r(xs, ahead, MIN_LAG_PAIRS)
    lag = best_lag(rs, ns, min_points)
    if lag is None:
        return _unmeasured(leading_name, lagging_name, grain, int(ns.max(initial=0)))
    test = pearson(xs, ahead[lag])
    interval = test.confidence_interval(confidence_level=0.95)  # Fisher's z
    r, n = float(test.statistic), int(ns[lag])
    p_value = min(1.0, float(test.pvalue) * (max_lag + 1))
    significant = n >= min_points and p_value < alpha
    stability = lag_stability(window_best_lags(xs, ahead), lag)
    note = link_note(lag, r, p_value, n, significant, grain, min_points)
    if stability is None:
        note += "; " + stability_note(len(usable_positions(xs, ahead)))
    return Link(
        leading=leading_name,
        lagging=lagging_name,
        grain=grain,
        best_lag=lag,
        correlation=r,
        ci_low=float(interval.low),
        ci_high=float(interval.high),
        p_value=p_value,
        significant=significant,
        stability=stability,
        n_points=n,
        note=note,
    )
