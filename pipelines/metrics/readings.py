"""Which rows of a metric series were known at a date: the one definition every reader uses.

A row of a series (one period of one metric) is known at the end of day d when its period has
started by d, its value is not missing, and

- for a flow (count, sum, average, ratio, …): the period is over by the end of d and the data
  covered it (``complete``), since a running week's count is only part of the week;
- for a snapshot (aggregation ``last``, e.g. MRR): as soon as it is observed, so it reads live.

Forecasts and lint ask the stricter question (``live_snapshots=False``): they fit models to
finished periods only, because a running period's latest snapshot may already hold data from
after d and would leak the future into a backtest.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

SNAPSHOT = "last"


def known_rows(
    rows: pd.DataFrame,
    d: date,
    aggregation: str | None = None,
    *,
    live_snapshots: bool = True,
) -> pd.DataFrame:
    """The rows of rows known at the end of d, oldest period first.

    aggregation is the metric's (None for ratio and derived metrics, which count as flows); with
    live_snapshots=False a snapshot must be over and complete like a flow.

    Example:
        >>> weeks = pd.DataFrame({
        ...     "period_start": pd.to_datetime(["2025-01-06", "2025-01-13"]),
        ...     "period_end": pd.to_datetime(["2025-01-13", "2025-01-20"]),
        ...     "value": [10.0, 20.0], "complete": [True, True]})
        >>> known_rows(weeks, date(2025, 1, 15), "count")["value"].tolist()
        [10.0]
        >>> known_rows(weeks, date(2025, 1, 15), "last")["value"].tolist()
        [10.0, 20.0]
        >>> known_rows(weeks, date(2025, 1, 15), "last", live_snapshots=False)["value"].tolist()
        [10.0]
    """
    day = pd.Timestamp(d)
    started = rows["period_start"] <= day
    over = rows["period_end"] <= day + pd.Timedelta(days=1)
    complete = rows["complete"].fillna(False).astype(bool)
    live = aggregation == SNAPSHOT and live_snapshots
    known = started & rows["value"].notna() & (True if live else over & complete)
    return rows[known].sort_values("period_start", kind="stable")


def data_through(rows: pd.DataFrame, d: date) -> date | None:
    """The last day of data behind rows at the end of d: their last covered day, d at most.

    A series without covered_through (one built by hand) is covered through its complete
    periods.

    Example:
        >>> weeks = pd.DataFrame({
        ...     "period_start": pd.to_datetime(["2025-01-06", "2025-01-13"]),
        ...     "period_end": pd.to_datetime(["2025-01-13", "2025-01-20"]),
        ...     "value": [10.0, 20.0], "complete": [True, False],
        ...     "covered_through": pd.to_datetime(["2025-01-12", "2025-01-17"])})
        >>> data_through(weeks, date(2025, 1, 30)), data_through(weeks, date(2025, 1, 15))
        (datetime.date(2025, 1, 17), datetime.date(2025, 1, 15))
    """
    started = rows[rows["period_start"] <= pd.Timestamp(d)]
    if "covered_through" in started.columns:
        last = started["covered_through"].max()
    else:
        done = started[started["complete"].fillna(False).astype(bool)]
        last = done["period_end"].max() - pd.Timedelta(days=1)
    return None if pd.isna(last) else min(pd.Timestamp(last).date(), d)
