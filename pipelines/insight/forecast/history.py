"""A metric's history as the forecast reads it: values on the period grid, and the horizon.

The rows passed in are the ones known at as_of (see `kr_forecasts`); the horizon counts periods
from the last known value to the period scoring reads at the end of the OKR period.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipelines.metrics.grains import GRAINS
from pipelines.metrics.readings import SNAPSHOT
from pipelines.metrics.spec import Grain, Metric


def metric_history(rows: pd.DataFrame, metric: str, grain: Grain) -> pd.Series:
    """One metric's values on its regular period grid (missing periods as NaN)."""
    own = rows[rows["metric"] == metric].sort_values("period_start")
    values = pd.Series(
        own["value"].to_numpy(dtype=float), index=pd.DatetimeIndex(own["period_start"])
    )
    values = values[~values.index.duplicated(keep="last")]
    if values.empty:
        return values
    grid = pd.date_range(values.index[0], values.index[-1], freq=GRAINS[grain].starts)
    return values.reindex(grid) if len(grid) >= len(values) else values


def periods_to_end(last_start: pd.Timestamp, period_end: date, grain: Grain, snapshot: bool) -> int:
    """Periods from the last observed one to the one scoring reads at period_end (≤ 0: observed).

    A snapshot (aggregation ``last``) is read from the period containing period_end; a flow
    only once its period is over, so from the last period ending by the day after period_end.
    """
    freq = pd.tseries.frequencies.to_offset(GRAINS[grain].starts)
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


def history_and_horizon(
    rows: pd.DataFrame, metric: Metric, period_end: date
) -> tuple[pd.Series, int] | None:
    """metric's history to its last value and the periods from there to the graded one.

    None when the metric has no value in rows. When the graded period is already observed
    the history ends at it, with horizon 0.
    """
    history = metric_history(rows, metric.name, metric.grain)
    if history.notna().sum() == 0:
        return None
    history = history.loc[: history.last_valid_index()]
    snapshot = metric.aggregation == SNAPSHOT
    horizon = periods_to_end(history.index[-1], period_end, metric.grain, snapshot)
    if horizon < 0:
        # The period closed before the data did: its graded value is observed. A period that
        # closed before the history began keeps no history (a negative stop would wrap round).
        return history.iloc[: max(len(history) + horizon, 0)], 0
    return history, horizon


def floor_of(history: pd.Series) -> float | None:
    """0 when the metric has never been negative (counts, times, rates, money), else None."""
    return 0.0 if bool((history.dropna() >= 0).all()) else None
