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


@cached_by_value
def fit_damped(y: Floats) -> Any:
    """Damped additive-trend exponential smoothing fitted to y."""
    with warnings.catch_warnings():
        # Short series make the optimiser grumble about convergence; the backtest judges it.
        warnings.simplefilter("ignore")
        # Imported on first use, like statsmodels.api below (~2 s a cold server need not wait).
        from statsmodels.tsa.holtwinters import (  # type: ignore[import-untyped, unused-ignore]
            ExponentialSmoothing,
        )

        model = ExponentialSmoothing(
            y, trend="add", damped_trend=True, initialization_method="estimated"
        )
        # Without the brute-force start grid, SLSQP reaches the same fit several times faster.
        return model.fit(method="SLSQP", use_brute=False)


def damped_point(y: Floats, horizon: int, season: int | None) -> float:
    """The damped-trend model's point forecast horizon periods after y ends."""
    return float(np.asarray(fit_damped(y).forecast(horizon))[-1])


def damped_paths(
    y: Floats, horizon: int, n: int, rng: np.random.Generator, season: int | None
) -> Floats:
    """n simulated paths (n × horizon) of the damped-trend model, bootstrapping its errors."""
    fitted = fit_damped(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sims = fitted.simulate(
            horizon, anchor="end", repetitions=n, random_errors="bootstrap", rng=rng
        )
    return np.asarray(sims, dtype=float).reshape(horizon, n).T


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
    "trend_ar1": (trend_ar_point, trend_ar_paths),
    "seasonal_naive": (seasonal_point, seasonal_paths),
}


def usable_models(n_points: int, season: int | None) -> list[str]:
    """The models a history of n_points can support."""
    names = ["drift"]
    if n_points >= MIN_HISTORY:
        names = ["damped_trend", "drift", "trend_ar1"]
    if season is not None and season >= 2 and n_points >= 2 * season:
        names.append("seasonal_naive")
    return names
