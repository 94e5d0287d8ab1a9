"""What it takes: the change per period a key result still needs, against its recent pace.

Mid-period a leader asks not only "where are we" but "is the pace enough": the change per
period still needed to reach the target by the deadline, beside the metric's own recent
change per period (the least-squares slope of its last RECENT complete periods known at the
date, so one noisy week does not set it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from pipelines.metrics.grains import GRAINS
from pipelines.metrics.readings import known_rows
from pipelines.okrs.spec import Period

RECENT = 4  # periods the recent pace is read over


@dataclass(frozen=True)
class Pace:
    """The change per period needed from here and the recent change per period."""

    needed: float
    recent: float | None  # None with fewer than two complete periods known
    periods_left: int
    grain: str


def pace(
    rows: pd.DataFrame, current: float, target: float, window: Period, grain: str, as_of: date
) -> Pace | None:
    """What it takes for a metric at current to reach target by window's end; None once over.

    Example:
        >>> weeks = pd.DataFrame({
        ...     "period_start": pd.date_range("2026-11-02", periods=3, freq="7D"),
        ...     "period_end": pd.date_range("2026-11-09", periods=3, freq="7D"),
        ...     "value": [10.0, 12.0, 14.0], "complete": True})
        >>> q4 = Period(name="q", start=date(2026, 10, 1), end=date(2026, 12, 31))
        >>> found = pace(weeks, 14.0, 26.0, q4, "week", date(2026, 11, 23))
        >>> found.needed, round(found.recent, 6), found.periods_left
        (2.0, 2.0, 6)
    """
    periods_left = math.ceil((window.end - as_of).days / GRAINS[grain].days)
    if periods_left <= 0:
        return None
    done = known_rows(rows, as_of, live_snapshots=False)
    done = done[done["complete"]].dropna(subset=["value"]).tail(RECENT)
    recent = (
        float(np.polyfit(np.arange(len(done)), done["value"].to_numpy(float), 1)[0])
        if len(done) >= 2
        else None
    )
    return Pace((target - current) / periods_left, recent, periods_left, grain)
