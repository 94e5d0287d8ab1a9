"""The scenario's calendar: dates and weeks, the weekly activity shape, and the latent weekly
drivers (seasonality, workflows, support response, downtime) that events and KPIs share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pipelines.sample.arrays import FloatArray, IntArray

# --- Calendar -----------------------------------------------------------------------------------
HISTORY_START = dt.date(2025, 11, 24)  # first week of the billing export: a year of history
EVENTS_START = dt.date(2026, 5, 18)  # a Monday; the events run to Sunday 2026-11-22
EVENT_WEEKS = 27
KPI_WEEKS = 52  # 2025-11-24 .. 2026-11-16, the last complete week on the export date
FIRST_EVENT_WEEK = (EVENTS_START - HISTORY_START).days // 7
EXPORT_DATE = dt.date(2026, 11, 23)
SUBS_LAG = 3  # weeks by which workflows per active user lead new subscriptions
CHURN_LAG = 2  # weeks by which first-response time leads churned accounts
# Latent series start this many weeks before the history so week 0 has lagged drivers.
LEAD = max(SUBS_LAG, CHURN_LAG)
DAY = 86_400
WEEK = 7 * DAY
EPOCH = int(dt.datetime(2026, 5, 18, tzinfo=dt.UTC).timestamp())
DEFAULT_SEED = 7

# --- Week shape ---------------------------------------------------------------------------------
# Weekly activity shape in UTC: weekdays busier, a broad daytime peak spanning Europe and the US.
DAY_WEIGHTS = np.array([1.15, 1.2, 1.2, 1.1, 0.95, 0.4, 0.5])
HOUR_WEIGHTS = np.array([
    1, 0.8, 0.6, 0.5, 0.5, 0.6, 1, 2,  # 00–07 UTC
    3.5, 4.5, 5, 5, 4.5, 5, 5.5, 5.5,  # 08–15
    5, 4.5, 4, 3.5, 3, 2.5, 2, 1.5,  # 16–23
])  # fmt: skip


def history_weeks() -> list[dt.date]:
    """The Mondays of the KPI history, oldest first."""
    return [HISTORY_START + dt.timedelta(weeks=i) for i in range(KPI_WEEKS)]


def times_in_week(rng: np.random.Generator, n: int) -> IntArray:
    """Seconds since the start of a week, shaped by the weekday and hour-of-day profile."""
    days = rng.choice(7, n, p=DAY_WEIGHTS / DAY_WEIGHTS.sum())
    hours = rng.choice(24, n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    return (days * DAY + hours * 3600 + rng.integers(0, 3600, n)).astype(np.int64)


# --- Latent weekly curves: (Monday, value) anchors, linearly interpolated --------------------------
WORKFLOW_ANCHORS = (
    ("2025-11-03", 1.02), ("2026-02-02", 1.1), ("2026-05-18", 1.2), ("2026-06-29", 1.23),
    ("2026-08-31", 1.17), ("2026-09-28", 1.26), ("2026-11-16", 1.6),
)  # fmt: skip
RESPONSE_ANCHORS = (
    ("2025-11-03", 6.2), ("2025-12-22", 7.2), ("2026-01-12", 6.3), ("2026-05-18", 5.8),
    ("2026-07-27", 5.6), ("2026-09-07", 6.6), ("2026-09-28", 6.1), ("2026-10-05", 5.8),
    ("2026-11-16", 4.0),
)  # fmt: skip
ACTIVATION_ANCHORS = (("2025-11-03", 0.5), ("2026-09-28", 0.5), ("2026-11-16", 0.6))
ACTIVITY_ANCHORS = (
    ("2025-11-03", 1.0), ("2026-06-15", 0.95), ("2026-07-06", 0.75), ("2026-08-17", 0.72),
    ("2026-09-07", 0.95), ("2026-09-21", 1.05), ("2026-11-16", 1.08),
)  # fmt: skip
SIGNUP_ANCHORS = (
    ("2025-11-03", 0.7), ("2026-06-01", 0.7), ("2026-07-13", 0.4), ("2026-08-24", 0.8),
    ("2026-09-07", 1.6), ("2026-09-28", 1.7), ("2026-10-19", 1.7), ("2026-11-16", 1.9),
)  # fmt: skip


@dataclass(frozen=True)
class Latent:
    """Weekly drivers shared by events and KPIs; index i is history week i - LEAD."""

    workflows_per_user: FloatArray  # workflows completed per weekly active user
    response_hours: FloatArray  # support first-response time
    downtime: IntArray  # minutes of downtime in the week
    activation_p: FloatArray  # share of a sign-up week's cohort that activates
    activity: FloatArray  # seasonal factor on how likely users are to be active
    signup_season: FloatArray  # relative intensity of sign-ups and roll-outs


def _week_index(monday: str) -> int:
    """Index of a Monday in the latent arrays (history week + LEAD)."""
    return (dt.date.fromisoformat(monday) - HISTORY_START).days // 7 + LEAD


def _curve(anchors: Sequence[tuple[str, float]]) -> FloatArray:
    """A weekly series through the anchor points, flat beyond the first and last."""
    x = [_week_index(day) for day, _ in anchors]
    y = [value for _, value in anchors]
    return np.interp(np.arange(LEAD + KPI_WEEKS), x, y)


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> FloatArray:
    """Stationary AR(1) noise: week-to-week wiggles that do not drift away from the curve."""
    shocks = rng.normal(0.0, sd, n)
    out = np.empty(n)
    out[0] = shocks[0] / np.sqrt(1 - phi**2)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + shocks[i]
    return out


def _downtime(rng: np.random.Generator, n: int) -> IntArray:
    """Minutes down per week: short blips most weeks, an incident now and then."""
    blips = rng.exponential(8.0, n)
    incidents = np.where(rng.random(n) < 0.12, rng.uniform(40, 220, n), 0.0)
    minutes = np.round(blips + incidents).astype(np.int64)
    # A planted Q4 incident (week of 2026-10-19) so CSAT visibly dips once inside the period.
    minutes[_week_index("2026-10-19")] = 164
    return minutes


def latent(seed: int = DEFAULT_SEED) -> Latent:
    """The scenario's weekly drivers; independent of scale so every volume shares them."""
    rng = np.random.default_rng([seed, 0])
    n = LEAD + KPI_WEEKS
    return Latent(
        workflows_per_user=_curve(WORKFLOW_ANCHORS) + _ar1(rng, n, 0.3, 0.07),
        response_hours=np.clip(_curve(RESPONSE_ANCHORS) + _ar1(rng, n, 0.3, 0.35), 2.0, None),
        downtime=_downtime(rng, n),
        activation_p=_curve(ACTIVATION_ANCHORS),
        activity=_curve(ACTIVITY_ANCHORS),
        signup_season=_curve(SIGNUP_ANCHORS),
    )


def event_window(series: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
    """The part of a latent series that falls in the event window."""
    start = LEAD + FIRST_EVENT_WEEK
    return series[start : start + EVENT_WEEKS]
