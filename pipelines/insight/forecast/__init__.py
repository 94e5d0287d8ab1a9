"""Where each metric-backed key result will land at period end, as probabilities of each band.

Pure functions over the tidy metric series and the OKR definitions; no I/O.

Modules, each depending only on those before it: `models` (the forecasting models, each as a
point forecast and simulated paths), `ensemble` (their backtest weights, the pooled end-value
draws of `forecast_end_value` and `backtest_coverage`; its docstring gives the method),
`bands` (band probabilities from the draws), `nowcast` (a lagging metric's end value from its
lead), `history` (a metric's history on its grid and the horizon to the graded period) and
`key_results` (`kr_forecasts`, one row per key result, and `metric_forecast`).
"""

from pipelines.insight.forecast.bands import band_probabilities
from pipelines.insight.forecast.ensemble import EndForecast, backtest_coverage, forecast_end_value
from pipelines.insight.forecast.history import periods_to_end
from pipelines.insight.forecast.key_results import (
    FORECAST_TYPES,
    forecast_columns,
    kr_forecasts,
    metric_forecast,
)
from pipelines.insight.forecast.nowcast import nowcast_end_value

__all__ = [
    "FORECAST_TYPES",
    "EndForecast",
    "backtest_coverage",
    "band_probabilities",
    "forecast_columns",
    "forecast_end_value",
    "kr_forecasts",
    "metric_forecast",
    "nowcast_end_value",
    "periods_to_end",
]
