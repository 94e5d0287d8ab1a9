"""Forecast calibration on real series: okrlens's forecast against a plain statsmodels ETS peer.

A rolling-origin benchmark over series shipped with statsmodels (no download): CO2 (weekly,
averaged to months), El Niño (monthly sea temperature), US real GDP, unemployment and CPI
(quarterly, macrodata) and sunspots (yearly). At each of --origins origins per series, both
forecasters see the same training window (at most MAX_TRAIN[grain] points before the origin,
as long as a metric's history in the product) and forecast 1, 4 and 8 periods ahead:

- okrlens: `forecast_end_value`, called as `metric_forecast` calls it (the grain's season, the
  floor of a never-negative history);
- peer: statsmodels ``ETSModel`` chosen by AIC over error (add, mul when positive), trend
  (none, add, damped add) and seasonal (none, add when two seasons are known), its 80 %
  interval and draws from ``simulate``.

Tuning and scoring are kept apart: the first half in time of each series' origins are tuning
origins (the forecast's settings were chosen on them alone, see
`pipelines.insight.forecast.ensemble`), the second half are held out and are the figures the
README reports. Both are printed, held-out first.

Reported per series × horizon, per series and pooled: the 80 % interval's coverage, the mean
over series of |coverage − 0.80|, the Brier score of the band probabilities and the median's
MAE over seasonal naive's (naive without a season). Band probabilities are the product's own
(`band_probabilities` of the draws, default preset) for an "increase" key result set at the
origin: baseline the last value, target the baseline plus one s.d. of the training window's
one-step changes × √horizon, so the realised band varies; the Brier score sums the squared
errors over the three bands (0 is perfect, 2 the worst). JSON to bench/results/forecast.json.
"""

from __future__ import annotations

import argparse
import json
import math
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm  # type: ignore[import-untyped, unused-ignore]
from statsmodels.tsa.exponential_smoothing.ets import (  # type: ignore[import-untyped, unused-ignore]
    ETSModel,
)

from pipelines.insight.forecast import band_probabilities, forecast_end_value
from pipelines.insight.forecast.history import floor_of
from pipelines.okrs.bands import PRESETS
from pipelines.okrs.scoring import band, progress

RESULTS = Path(__file__).with_name("results")
HORIZONS = (1, 4, 8)
# Training windows as long as a product history of that grain (monthly: ten years).
MAX_TRAIN = {"month": 120, "quarter": 80, "year": 100}
MIN_TRAIN = {"month": 36, "quarter": 24, "year": 30}
SEASONS = {"month": 12, "quarter": 4, "year": None}
DRAWS = 1000
LABELS = PRESETS["default"].labels


@dataclass(frozen=True)
class Forecast:
    """One forecaster's view of one origin and horizon: median, 80 % interval, band chances."""

    median: float
    lo80: float
    hi80: float
    probs: dict[str, float]


def co2_monthly() -> pd.Series:
    """Mauna Loa CO2, weekly readings averaged to months (gaps interpolated)."""
    weekly = sm.datasets.co2.load_pandas().data["co2"]
    return weekly.resample("MS").mean().interpolate().dropna()


def elnino_monthly() -> pd.Series:
    """El Niño sea surface temperature, one row per year reshaped to one value per month."""
    table = sm.datasets.elnino.load_pandas().data.set_index("YEAR")
    return pd.Series(table.to_numpy().ravel(), dtype=float)


def macro(column: str) -> Callable[[], pd.Series]:
    """A quarterly US macrodata column (1959–2009)."""
    return lambda: sm.datasets.macrodata.load_pandas().data[column].astype(float)


def sunspots_yearly() -> pd.Series:
    """Yearly sunspot activity since 1700."""
    return sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].astype(float)


# The slowest peer (monthly seasonal fits) first, so the worker pool finishes together.
SERIES: dict[str, tuple[Callable[[], pd.Series], str]] = {
    "elnino": (elnino_monthly, "month"),
    "co2": (co2_monthly, "month"),
    "realgdp": (macro("realgdp"), "quarter"),
    "unemp": (macro("unemp"), "quarter"),
    "cpi": (macro("cpi"), "quarter"),
    "sunspots": (sunspots_yearly, "year"),
}


def origins(n: int, grain: str, count: int) -> list[int]:
    """count training ends spread evenly from MIN_TRAIN to the last with 8 periods after it."""
    last = n - max(HORIZONS)
    return sorted({round(o) for o in np.linspace(MIN_TRAIN[grain], last, count)})


def part_of(index: int, count: int) -> str:
    """ "tuning" for the first half of a series' origins in time, "held_out" for the rest."""
    return "tuning" if index < count // 2 else "held_out"


def target_of(train: np.ndarray, horizon: int) -> float:
    """The origin's key-result target: the last value plus one s.d. of changes × √horizon."""
    return float(train[-1] + np.std(np.diff(train)) * math.sqrt(horizon))


def forecast_of(draws: np.ndarray, train: np.ndarray, horizon: int) -> Forecast:
    """Median, 80 % interval and band probabilities of end-value draws."""
    finite = draws[np.isfinite(draws)]
    lo, median, hi = np.percentile(finite, [10, 50, 90])
    probs = band_probabilities(finite, float(train[-1]), target_of(train, horizon), "increase")
    return Forecast(float(median), float(lo), float(hi), probs)


def okrlens_forecasts(train: np.ndarray, season: int | None) -> dict[int, Forecast]:
    """The product's forecast of train at each horizon, called as the product calls it."""
    history = pd.Series(train)
    found = {}
    for h in HORIZONS:
        f = forecast_end_value(history, h, season=season, draws=DRAWS, floor=floor_of(history))
        found[h] = forecast_of(f.draws, train, h)
    return found


def peer_fit(train: np.ndarray, season: int | None) -> Any:
    """The statsmodels ETS fit with the lowest AIC over error, trend and seasonal options."""
    errors = ["add", "mul"] if (train > 0).all() else ["add"]
    trends: list[tuple[str | None, bool]] = [(None, False), ("add", False), ("add", True)]
    seasonals: list[str | None] = [None]
    if season is not None and len(train) >= 2 * season:
        seasonals.append("add")
    best, best_aic = None, math.inf
    for error in errors:
        for trend, damped in trends:
            for seasonal in seasonals:
                model = ETSModel(
                    train, error=error, trend=trend, damped_trend=damped, seasonal=seasonal,
                    seasonal_periods=season if seasonal else None,
                )  # fmt: skip
                try:
                    fit = model.fit(disp=False)
                except (ValueError, np.linalg.LinAlgError):
                    continue
                if math.isfinite(fit.aic) and fit.aic < best_aic:
                    best, best_aic = fit, fit.aic
    return best


def peer_forecasts(train: np.ndarray, season: int | None, seed: int) -> dict[int, Forecast]:
    """The ETS peer's forecast at each horizon, from its simulated paths."""
    fit = peer_fit(train, season)
    paths = np.asarray(
        fit.simulate(
            max(HORIZONS), anchor="end", repetitions=DRAWS, rng=np.random.default_rng(seed)
        )
    ).reshape(max(HORIZONS), DRAWS)
    return {h: forecast_of(paths[h - 1], train, h) for h in HORIZONS}


def reference_point(y: np.ndarray, o: int, h: int, season: int | None) -> float:
    """Seasonal naive's forecast of y[o - 1 + h] from y[:o] (naive without a season)."""
    if season is None:
        return float(y[o - 1])
    return float(y[o - 1 + h - season * math.ceil(h / season)])


def brier(probs: dict[str, float], realised: str | None) -> float:
    """The Brier score of band probabilities against the realised band, summed over bands."""
    return sum((probs[label] - (label == realised)) ** 2 for label in LABELS)


def scored(
    f: Forecast, actual: float, reference: float, train: np.ndarray, h: int
) -> dict[str, Any]:
    """One forecast's hit, Brier score and absolute errors (its median's and the reference's)."""
    realised = band(progress(actual, float(train[-1]), target_of(train, h), "increase"))
    return {
        "hit": f.lo80 <= actual <= f.hi80,
        "brier": brier(f.probs, realised),
        "abs_error": abs(f.median - actual),
        "ref_error": abs(reference - actual),
        "width": f.hi80 - f.lo80,
    }


def summary(rows: pd.DataFrame) -> dict[str, float]:
    """Coverage, Brier score, MAE over the reference's and mean width of some scored rows."""
    return {
        "n": len(rows),
        "coverage80": float(rows["hit"].mean()),
        "brier": float(rows["brier"].mean()),
        "mae_vs_seasonal_naive": float(rows["abs_error"].mean() / rows["ref_error"].mean()),
        "mean_width": float(rows["width"].mean()),
    }


def series_rows(name: str, count: int) -> list[dict[str, Any]]:
    """Every scored forecast of both forecasters on one series: per origin, horizon, method."""
    load, grain = SERIES[name]
    y = load().to_numpy(dtype=float)
    season = SEASONS[grain]
    started = time.perf_counter()
    records = []
    ends = origins(len(y), grain, count)
    for i, o in enumerate(ends):
        train = y[max(0, o - MAX_TRAIN[grain]) : o]
        with warnings.catch_warnings():
            # ETS fits on short windows warn about convergence; the scores judge them.
            warnings.simplefilter("ignore")
            methods = {
                "okrlens": okrlens_forecasts(train, season),
                "ets_peer": peer_forecasts(train, season, seed=i),
            }
        for method, found in methods.items():
            for h, f in found.items():
                row = scored(f, float(y[o - 1 + h]), reference_point(y, o, h, season), train, h)
                key = {"series": name, "origin": o, "horizon": h, "method": method}
                records.append(key | {"part": part_of(i, len(ends))} | row)
    print(f"{name}: {time.perf_counter() - started:.0f} s", flush=True)
    return records


def run(count: int, only: list[str], workers: int) -> pd.DataFrame:
    """The scored forecasts of every series, one series per worker process at a time."""
    with ProcessPoolExecutor(max_workers=workers) as pool:
        found = pool.map(series_rows, only, [count] * len(only))
        return pd.DataFrame.from_records([row for rows in found for row in rows])


def report(frame: pd.DataFrame) -> dict[str, Any]:
    """The per cell, per series and pooled figures of each method, and the issue's targets."""
    out: dict[str, Any] = {}
    for method, rows in frame.groupby("method"):
        cells = {f"{s} h={h}": summary(r) for (s, h), r in rows.groupby(["series", "horizon"])}
        per_series = {str(s): summary(r) for s, r in rows.groupby("series")}
        gaps = [abs(v["coverage80"] - 0.8) for v in per_series.values()]
        in_band = sum(0.75 <= v["coverage80"] <= 0.85 for v in cells.values())
        out[str(method)] = {
            "pooled": summary(rows)
            | {
                "mean_abs_coverage_gap": float(np.mean(gaps)),
                "cells_within_0.75_0.85": f"{in_band} of {len(cells)}",
            },
            "per_series": per_series,
            "cells": cells,
        }
    return out


def printed(results: dict[str, Any]) -> str:
    """The table of one part's origins: per series and pooled, okrlens beside the peer."""
    lines = [
        f"{'series':<10} {'method':<9} {'n':>4} {'cov80':>6} {'brier':>6} {'MAE/sn':>7} "
        f"{'width':>9}"
    ]
    series = [*results["okrlens"]["per_series"], "pooled"]
    for s in series:
        for method in ("okrlens", "ets_peer"):
            block = results[method]
            v = block["pooled"] if s == "pooled" else block["per_series"][s]
            lines.append(
                f"{s:<10} {method:<9} {v['n']:>4} {v['coverage80']:>6.3f} {v['brier']:>6.3f} "
                f"{v['mae_vs_seasonal_naive']:>7.3f} {v['mean_width']:>9.2f}"
            )
    for method in ("okrlens", "ets_peer"):
        pooled = results[method]["pooled"]
        lines.append(
            f"{method}: mean |coverage − 0.80| over series {pooled['mean_abs_coverage_gap']:.3f}; "
            f"cells within 0.75–0.85: {pooled['cells_within_0.75_0.85']}"
        )
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark, print the table and write bench/results/forecast.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Half tune, half held out: 12 held-out origins a series, as many as one unsplit run had.
    parser.add_argument("--origins", type=int, default=24, help="origins per series")
    parser.add_argument("--series", nargs="*", default=list(SERIES), choices=list(SERIES))
    # The seasonal ETS fits dominate (~9 s an origin on a monthly series): two cores halve it.
    parser.add_argument("--workers", type=int, default=2, help="processes")
    args = parser.parse_args()
    started = time.perf_counter()
    frame = run(args.origins, args.series, args.workers)
    results: dict[str, Any] = {str(part): report(rows) for part, rows in frame.groupby("part")}
    results["settings"] = {
        "origins_per_series": args.origins,
        "workers": args.workers,
        "horizons": list(HORIZONS),
        "max_train": MAX_TRAIN,
        "draws": DRAWS,
        "seconds": round(time.perf_counter() - started, 1),
    }
    for part in ("held_out", "tuning"):
        print(f"\n{part} origins\n{printed(results[part])}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "forecast.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
