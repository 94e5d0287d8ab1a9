"""Key-result scores over time: the same scoring rules applied at a series of as-of dates."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.scoring import key_result_scores
from pipelines.okrs.spec import OkrSet


def weekly_as_of_dates(start: dt.date, as_of: dt.date) -> list[dt.date]:
    """as_of and the same weekday of every earlier week back to start, oldest first.

    Example:
        >>> weekly_as_of_dates(dt.date(2026, 11, 1), dt.date(2026, 11, 23))
        [datetime.date(2026, 11, 2), datetime.date(2026, 11, 9), datetime.date(2026, 11, 16), datetime.date(2026, 11, 23)]
    """
    dates = []
    day = as_of
    while day >= start:
        dates.append(day)
        day -= dt.timedelta(days=7)
    return dates[::-1]


def score_history(
    okrs: OkrSet,
    catalog: MetricCatalog,
    series: pd.DataFrame,
    as_of_dates: list[dt.date],
    period: str | None = None,
) -> pd.DataFrame:
    """Key-result scores at each date (column `scored_at`), as they would have read then."""
    frames = [
        key_result_scores(okrs, catalog, series, day, period).assign(scored_at=day)
        for day in as_of_dates
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
