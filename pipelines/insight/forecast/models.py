"""The models the ensemble mixes, each as a point forecast and as simulated paths.

The point forecast is what the weighting backtest scores; the paths are the model's share of
the draws (see `pipelines.insight.forecast.ensemble`). Every model takes the history y, the
horizon and the season (None or periods per cycle), whether it uses the season or not.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Fit = TypeVar("Fit")

# Below this many points a trend model has too little to fit; drift alone is the honest choice.
MIN_HISTORY = 8


def cached_by_value(fit: Callable[[Floats], Fit]) -> Callable[[Floats], Fit]:
    """fit, cached on the values of y: nested backtests refit the same training prefixes often."""

    @lru_cache(maxsize=256)
    def fit_bytes(values: bytes) -> Fit:
        """fit of the floats in values."""
        return fit(np.frombuffer(values, dtype=float))

    @wraps(fit)
    def cached(y: Floats) -> Fit:
        """fit of y, from the cache when y's values were fitted before."""
        return fit_bytes(np.ascontiguousarray(y, dtype=float).tobytes())

    return cached


def fit_smoothing(y: Floats, season: int | None) -> Any:
    """Damped additive-trend exponential smoothing fitted to y, additive seasons if season."""
    with warnings.catch_warnings():
        # Short series make the optimiser grumble about convergence; the backtest judges it.
        warnings.simplefilter("ignore")
        # Imported on first use, like statsmodels.api below (~2 s a cold server need not wait).
        from statsmodels.tsa.holtwinters import (  # type: ignore[import-untyped, unused-ignore]
            ExponentialSmoothing,
        )

        def fitted(initialization: str) -> Any:
            """The fit with the starting states found by initialization."""
            model = ExponentialSmoothing(
                y,
                trend="add",
                damped_trend=True,
                seasonal="add" if season else None,
                seasonal_periods=season,
                initialization_method=initialization,
            )
            # Without the brute-force start grid, SLSQP reaches the same fit several times
            # faster.
            return model.fit(method="SLSQP", use_brute=False)

        if season:
            # Estimating a cycle of starting seasons is ~20 times slower (1.5 s for monthly
            # data) than reading them off the first cycles; the heuristic needs a few of them.
            try:
                return fitted("heuristic")
            except ValueError:
                pass
        return fitted("estimated")


@cached_by_value
def fit_damped(y: Floats) -> Any:
    """Damped additive-trend exponential smoothing fitted to y."""
    return fit_smoothing(y, None)


@lru_cache(maxsize=256)
def _fit_seasonal_bytes(values: bytes, season: int) -> Any:
    """Seasonal smoothing of the floats in values (cached: backtests refit the same prefixes)."""
    return fit_smoothing(np.frombuffer(values, dtype=float), season)


def fit_seasonal(y: Floats, season: int) -> Any:
    """Damped-trend exponential smoothing with additive seasons (Holt-Winters) fitted to y."""
    return _fit_seasonal_bytes(np.ascontiguousarray(y, dtype=float).tobytes(), season)


def smoothing_paths(fitted: Any, horizon: int, n: int, rng: np.random.Generator) -> Floats:
    """n simulated paths (n × horizon) of a smoothing fit, bootstrapping its errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sims = fitted.simulate(
            horizon, anchor="end", repetitions=n, random_errors="bootstrap", rng=rng
        )
    return np.asarray(sims, dtype=float).reshape(horizon, n).T


def damped_point(y: Floats, horizon: int, season: int | None) -> float:
    """The damped-trend model's point forecast horizon periods after y ends.

    Its closed form, level + (phi + ... + phi^horizon) · trend, is what ``forecast`` returns,
    without the ~2 ms statsmodels spends per call building dates (the backtests call it
    hundreds of times a page).
    """
    fitted = fit_damped(y)
    phi = float(fitted.params["damping_trend"])
    level, trend = float(np.asarray(fitted.level)[-1]), float(np.asarray(fitted.trend)[-1])
    return level + trend * sum(phi**i for i in range(1, horizon + 1))


def damped_paths(
    y: Floats, horizon: int, n: int, rng: np.random.Generator, season: int | None
) -> Floats:
    """n simulated paths (n × horizon) of the damped-trend model, bootstrapping its errors."""
    return smoothing_paths(fit_damped(y), horizon, n, rng)


def seasonal_smoothing_point(y: Floats, horizon: int, season: int | None) -> float:
    """The seasonal smoothing model's point forecast horizon periods after y ends."""
    assert season is not None
    return float(np.asarray(fit_seasonal(y, season).forecast(horizon))[-1])


def seasonal_smoothing_paths(
    y: Floats, horizon: int, n: int, rng: np.random.Generator, season: int | None
) -> Floats:
    """n simulated paths of the seasonal smoothing model, bootstrapping its errors."""
    assert season is not None
    return smoothing_paths(fit_seasonal(y, season), horizon, n, rng)


def no_change_point(y: Floats, horizon: int, season: int | None) -> float:
    """The no-change forecast: the last value."""
    return float(y[-1])


def no_change_paths(
    y: Floats, horizon: int, n: int, rng: np.random.Generator, season: int | None
) -> Floats:
    """n paths of a random walk without drift: the last value plus resampled centred changes."""
    steps = np.diff(y)
    return y[-1] + np.cumsum(rng.choice(steps - steps.mean(), size=(n, horizon)), axis=1)


def drift_point(y: Floats, horizon: int, season: int | None) -> float:
    """The random walk with drift's point forecast: the last value plus horizon mean changes."""
    return float(y[-1] + horizon * (y[-1] - y[0]) / (len(y) - 1))


def drift_paths(
    y: Floats, horizon: int, n: int, rng: np.random.Generator, season: int | None
) -> Floats:
    """n paths of a random walk with drift: resampled changes around a bootstrapped drift."""
    steps = np.diff(y)
    # Redrawing the drift from a resample of the changes carries its estimation error,
    # which dominates long horizons.
    drifts = rng.choice(steps, size=(n, len(steps))).mean(axis=1)
    shocks = rng.choice(steps - steps.mean(), size=(n, horizon))
    return y[-1] + np.cumsum(drifts[:, None] + shocks, axis=1)


@dataclass(frozen=True)
class TrendAr:
    """A linear trend with AR(1) errors: coefficients, their covariance, rho, the last error."""

    params: Floats
    cov: Floats
    rho: float
    last_error: float
    innovations: Floats


@cached_by_value
def fit_trend_ar(y: Floats) -> TrendAr:
    """A linear trend with AR(1) errors fitted to y (statsmodels GLSAR)."""
    # Imported on first use: statsmodels and scipy take ~2 s to import, which a cold server
    # would otherwise spend before drawing the first page (none of which needs them).
    import statsmodels.api as sm  # type: ignore[import-untyped, unused-ignore]

    x = sm.add_constant(np.arange(len(y), dtype=float))
    model = sm.GLSAR(y, x, rho=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = model.iterative_fit(maxiter=10)
    # Kept below 1 so the errors stay stationary: a unit root is the drift model's job.
    rho = float(np.clip(np.asarray(model.rho).ravel()[0], -0.95, 0.95))
    params = np.asarray(fitted.params, dtype=float)
    errors = y - x @ params
    innovations = errors[1:] - rho * errors[:-1]
    return TrendAr(
        params=params,
        cov=np.asarray(fitted.cov_params(), dtype=float),
        rho=rho,
        last_error=float(errors[-1]),
        innovations=innovations - innovations.mean(),
    )


def trend_ar_point(y: Floats, horizon: int, season: int | None) -> float:
    """The trend-plus-AR(1) point forecast: the trend line plus the last error, decayed."""
    fit = fit_trend_ar(y)
    t = len(y) - 1 + horizon
    return float(fit.params[0] + fit.params[1] * t + fit.rho**horizon * fit.last_error)


def trend_ar_paths(
    y: Floats, horizon: int, n: int, rng: np.random.Generator, season: int | None
) -> Floats:
    """n trend-plus-AR(1) paths: trend drawn from its estimate's covariance, errors resampled."""
    fit = fit_trend_ar(y)
    # Redrawing the trend line carries its estimation error, the main risk far out.
    lines = rng.multivariate_normal(fit.params, fit.cov, size=n, method="cholesky")
    errors = np.full(n, fit.last_error)
    paths = np.empty((n, horizon))
    for j in range(horizon):
        errors = fit.rho * errors + rng.choice(fit.innovations, size=n)
        paths[:, j] = lines[:, 0] + lines[:, 1] * (len(y) + j) + errors
    return paths


@dataclass(frozen=True)
class ArChanges:
    """An AR(1) on the period-to-period changes: their mean, rho, the last change, residuals."""

    mean: float
    rho: float
    last_change: float
    residuals: Floats


def fit_ar_changes(y: Floats) -> ArChanges:
    """The changes of y as an AR(1) around their mean (ARIMA(1,1,0) with drift), by least squares."""
    steps = np.diff(y)
    mean = float(steps.mean())
    before, after = steps[:-1] - mean, steps[1:] - mean
    spread = float(before @ before)
    # Kept inside (-1, 1) so a burst of change fades rather than compounds.
    rho = float(np.clip((before @ after) / spread, -0.95, 0.95)) if spread > 0 else 0.0
    residuals = after - rho * before
    return ArChanges(mean, rho, float(steps[-1]), residuals - residuals.mean())


def ar_changes_point(y: Floats, horizon: int, season: int | None) -> float:
    """The AR(1)-on-changes forecast: the last value plus the mean change and a fading momentum."""
    fit = fit_ar_changes(y)
    momentum = sum(fit.rho**i for i in range(1, horizon + 1)) * (fit.last_change - fit.mean)
    return float(y[-1] + horizon * fit.mean + momentum)


def ar_changes_paths(
    y: Floats, horizon: int, n: int, rng: np.random.Generator, season: int | None
) -> Floats:
    """n AR(1)-on-changes paths: each change its mean plus the decayed last gap and a residual."""
    fit = fit_ar_changes(y)
    gaps = np.full(n, fit.last_change - fit.mean)
    paths = np.empty((n, horizon))
    level = np.full(n, float(y[-1]))
    for j in range(horizon):
        gaps = fit.rho * gaps + rng.choice(fit.residuals, size=n)
        level = level + fit.mean + gaps
        paths[:, j] = level
    return paths


def seasonal_point(y: Floats, horizon: int, season: int | None) -> float:
    """The seasonal naive forecast: the value one (or more) seasons before the target."""
    assert season is not None
    back = season * math.ceil(horizon / season)
    return float(y[len(y) - 1 + horizon - back])


def seasonal_paths(
    y: Floats, horizon: int, n: int, rng: np.random.Generator, season: int | None
) -> Floats:
    """n seasonal-naive paths: each period is its value a season earlier plus a resampled error."""
    assert season is not None
    errors = y[season:] - y[:-season]
    paths = np.empty((n, horizon))
    for j in range(horizon):
        before = paths[:, j - season] if j >= season else np.full(n, y[len(y) - season + j])
        paths[:, j] = before + rng.choice(errors, size=n)
    return paths


MODELS = {
    "damped_trend": (damped_point, damped_paths),
    "drift": (drift_point, drift_paths),
    "no_change": (no_change_point, no_change_paths),
    "trend_ar1": (trend_ar_point, trend_ar_paths),
    "ar1_changes": (ar_changes_point, ar_changes_paths),
    "seasonal_naive": (seasonal_point, seasonal_paths),
    "seasonal_smoothing": (seasonal_smoothing_point, seasonal_smoothing_paths),
}


def usable_models(n_points: int, season: int | None) -> list[str]:
    """The models a history of n_points can support."""
    names = ["drift"]
    if n_points >= MIN_HISTORY:
        names = ["damped_trend", "drift", "no_change", "trend_ar1", "ar1_changes"]
    if season is not None and season >= 2 and n_points >= 2 * season:
        names += ["seasonal_naive", "seasonal_smoothing"]
    return names
