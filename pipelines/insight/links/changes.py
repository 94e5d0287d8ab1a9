"""The series lead_lag correlates: both on one calendar of consecutive periods, differenced
period on period, and pre-whitened by an AR filter of the leading changes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import pandas as pd

from pipelines.errors import OkrlensError
from pipelines.metrics.grains import GRAINS

# Pre-whitening: an AR order above 4 is never worth its parameters on a year of weekly data, and
# with fewer than 10 changes per coefficient the fit is noise.
MAX_AR_ORDER = 4
POINTS_PER_AR_COEFFICIENT = 10
AR_PENALTY = 2.0  # per coefficient: Akaike's criterion
PREWHITEN = True  # the tests switch it off to show what it buys


def _period_numbers(index: pd.DatetimeIndex, grain: str) -> npt.NDArray[np.int64]:
    """The period number of each date: consecutive periods get consecutive integers."""
    periods = index.tz_localize(None).to_period(GRAINS[grain].numbered)
    return np.asarray(periods.asi8, dtype=np.int64)


def period_start(number: int, grain: str) -> dt.date:
    """The first day of the period with that period number (the inverse of _period_numbers)."""
    start: dt.date = pd.Period(ordinal=number, freq=GRAINS[grain].numbered).start_time.date()
    return start


def on_calendar(values: pd.Series, grain: str, name: str) -> pd.Series:
    """The finite values of a series indexed by period start, re-indexed by period number."""
    if not isinstance(values.index, pd.DatetimeIndex):
        raise OkrlensError(
            f"series {name} is not indexed by period start",
            where=f"lead_lag({name})",
            fix="index it by a DatetimeIndex of period starts, e.g. frame.set_index('period_start')",
        )
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    finite = np.isfinite(numbers)
    periods = _period_numbers(values.index[finite], grain)
    if len(np.unique(periods)) != len(periods):
        raise OkrlensError(
            f"series {name} has more than one value in a {grain}",
            where=f"lead_lag({name})",
            fix=f"aggregate it to one value per {grain} first, or pass the grain it is on",
        )
    return pd.Series(numbers[finite], index=periods).sort_index()


def period_changes(leading: pd.Series, lagging: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Period-on-period changes of both series on one calendar; NaN where a period is missing.

    A change spans exactly one period, never a gap: a two-period jump would pass for a fast mover.
    """
    if leading.empty or lagging.empty:
        return pd.Series(dtype="float64"), pd.Series(dtype="float64")
    first = int(min(leading.index.min(), lagging.index.min()))
    last = int(max(leading.index.max(), lagging.index.max()))
    calendar = pd.RangeIndex(first, last + 1)
    return leading.reindex(calendar).diff(), lagging.reindex(calendar).diff()


def _ar_filter(x: pd.Series) -> dict[int, float]:
    """The AR coefficients by lag that whiten x, order chosen by AIC; empty when x is white."""
    observed = x.dropna().to_numpy(dtype=np.float64)
    order = min(MAX_AR_ORDER, len(observed) // POINTS_PER_AR_COEFFICIENT)
    if order < 1 or np.ptp(observed) == 0:
        return {}
    # Levinson–Durbin fits every order up to `order` at once (Yule–Walker equations).
    # Imported on first use: statsmodels and scipy take ~2 s to import, which a cold server
    # would otherwise spend before drawing the first page (none of which needs them).
    from statsmodels.tsa.stattools import (  # type: ignore[import-untyped, unused-ignore]
        levinson_durbin,
    )

    fit = levinson_durbin(observed, nlags=order)
    variances = np.concatenate([[np.var(observed)], fit.sigma[1:]])
    criterion = len(observed) * np.log(variances) + AR_PENALTY * np.arange(order + 1)
    chosen = int(np.argmin(criterion))
    return {lag: float(fit.phi[lag, chosen]) for lag in range(1, chosen + 1)}


def _whitened(series: pd.Series, coefficients: dict[int, float]) -> pd.Series:
    """series minus its AR prediction: e_t = s_t − Σ φ_j s_{t−j}."""
    out = series.copy()
    for lag, coefficient in coefficients.items():
        out = out - coefficient * series.shift(lag)
    return out


def whitened(x: pd.Series, y: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Two series of changes on one calendar, both passed through the filter that whitens x
    (left as they are when PREWHITEN is off)."""
    if not PREWHITEN:
        return x, y
    coefficients = _ar_filter(x)
    return _whitened(x, coefficients), _whitened(y, coefficients)
