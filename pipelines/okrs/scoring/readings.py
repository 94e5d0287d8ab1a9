"""What a key result reads: its metric's value at a date, its baseline, its type, its check-in.

The series has one row per (metric, period): ``metric``, ``period_start``, ``period_end``
(exclusive: the next period's start), ``value`` (NaN when a ratio's denominator is zero) and
``complete`` (the period has fully elapsed within the available data). Which rows are known
at a date is `pipelines.metrics.readings.known_rows`; these functions only choose among them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NamedTuple

import pandas as pd

from pipelines.errors import OkrlensError
from pipelines.metrics.readings import known_rows
from pipelines.okrs.spec import CheckIn, KeyResult, Period

SERIES_COLUMNS = ("metric", "period_start", "period_end", "value", "complete")


class Reading(NamedTuple):
    """A metric value and the start of the period it describes."""

    value: float
    period_start: date


def check_series(series: pd.DataFrame, where: str) -> None:
    """Nothing; OkrlensError (located at where) when series lacks a column scoring reads."""
    missing = [c for c in SERIES_COLUMNS if c not in series.columns]
    if missing:
        raise OkrlensError(
            f"the metric series lacks column(s) {', '.join(missing)}",
            where=where,
            fix=f"pass the metric pipeline's output with columns {', '.join(SERIES_COLUMNS)}",
        )


def _reading(row: pd.Series[Any]) -> Reading:
    """The reading of one series row."""
    return Reading(float(row["value"]), pd.Timestamp(row["period_start"]).date())


def value_at(rows: pd.DataFrame, d: date, aggregation: str | None) -> Reading | None:
    """The value of one metric known at date d: its latest row known then (see `known_rows`).

    None when no row is known.

    Example:
        >>> weeks = pd.DataFrame({
        ...     "period_start": pd.to_datetime(["2025-01-06", "2025-01-13"]),
        ...     "period_end": pd.to_datetime(["2025-01-13", "2025-01-20"]),
        ...     "value": [10.0, 20.0], "complete": [True, True]})
        >>> value_at(weeks, date(2025, 1, 15), "count").value
        10.0
        >>> value_at(weeks, date(2025, 1, 15), "last").value
        20.0
    """
    usable = known_rows(rows, d, aggregation)
    return None if usable.empty else _reading(usable.iloc[-1])


def first_value_from(
    rows: pd.DataFrame, start: date, as_of: date, aggregation: str | None
) -> Reading | None:
    """The earliest row usable at as_of whose period starts on or after start."""
    usable = known_rows(rows, as_of, aggregation)
    usable = usable[usable["period_start"] >= pd.Timestamp(start)]
    return None if usable.empty else _reading(usable.iloc[0])


def auto_baseline(
    rows: pd.DataFrame, period: Period, as_of: date, aggregation: str | None
) -> float | None:
    """The metric's value at the period's start, for ``baseline: auto``.

    The value known the day before the period starts (`value_at`); when the data begins later,
    the first row starting inside the period that is usable at as_of.
    """
    reading = value_at(rows, period.start - timedelta(days=1), aggregation)
    reading = reading or first_value_from(rows, period.start, as_of, aggregation)
    return None if reading is None else reading.value


def graded_at(window: Period, as_of: date) -> date:
    """The date a KR's value is read at: as_of, or its window's end (`KeyResult.window`) once over.

    A key result past its deadline, or of a closed period, is graded on the data of that day,
    not on what happened since.
    """
    return min(as_of, window.end)


def latest_checkin(kr: KeyResult, as_of: date) -> CheckIn | None:
    """The key result's latest check-in dated on or before as_of."""
    past = [c for c in kr.checkins if c.date <= as_of]
    return max(past, key=lambda c: c.date) if past else None


def checkin_range(kr: KeyResult) -> tuple[float | None, float | None]:
    """The baseline and target of a KR without a metric: declared; a milestone's default 0 → 1.

    A milestone runs from 0 (not started) to 1 (done) unless it declares other numbers.
    """
    declared = kr.baseline if isinstance(kr.baseline, float) else None
    if kr.kr_type != "milestone":
        return declared, kr.target
    return (0.0 if declared is None else declared), (1.0 if kr.target is None else kr.target)


def effective_type(kr: KeyResult, baseline: float | None) -> str:
    """The KR type used for scoring: declared, else inferred from the (resolved) baseline.

    With ``baseline: auto`` and no declared type, the KR is a decrease when the baseline read
    from the data is above the target.
    """
    if kr.type is None and kr.baseline == "auto" and baseline is not None and kr.target is not None:
        return "decrease" if baseline > kr.target else "increase"
    return kr.kr_type
