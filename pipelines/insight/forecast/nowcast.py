"""A lagging metric's end value, nowcast from the recent changes of a measured lead."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pipelines.insight.forecast.ensemble import forecast_end_value
from pipelines.insight.forecast.models import MIN_HISTORY


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
    # Imported on first use: statsmodels and scipy take ~2 s to import, which a cold server
    # would otherwise spend before drawing the first page (none of which needs them).
    import statsmodels.api as sm  # type: ignore[import-untyped, unused-ignore]

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
