"""Forecasts per metric-backed key result: end value, band probabilities, coverage, nowcast.

`kr_forecasts` applies `forecast_end_value` per key result on the data known at as_of, reads
the KR's baseline, target and type from `key_result_scores`, turns the end-value draws into
band probabilities with `band_probabilities`, reports each forecast's own
`backtest_coverage`, and nowcasts a lagging KR from a measured lead (`nowcast_end_value`).
`metric_forecast` runs the same forecast for one metric, keeping its path for a fan chart.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from pipelines.insight.forecast.bands import band_probabilities
from pipelines.insight.forecast.ensemble import (
    EndForecast,
    backtest_coverage,
    forecast_end_value,
    joined_note,
)
from pipelines.insight.forecast.history import (
    floor_of,
    history_and_horizon,
    metric_history,
)
from pipelines.insight.forecast.nowcast import lead_for, nowcast_end_value
from pipelines.metrics.grains import GRAINS
from pipelines.metrics.readings import known_rows
from pipelines.metrics.spec import Grain, Metric, MetricCatalog
from pipelines.okrs.bands import PRESETS
from pipelines.okrs.scoring import band, key_result_scores, progress
from pipelines.okrs.spec import KeyResult, OkrSet, Period

FORECAST_TYPES = ("increase", "decrease", "stay_above", "stay_below")
FORECAST_COLUMNS: tuple[str, ...] = (
    "objective_id", "kr_id", "key_result", "metric", "kind", "type", "baseline", "target",
    "current", "period", "period_end", "deadline", "horizon", "median_end", "lo80", "hi80",
)  # fmt: skip
TAIL_COLUMNS: tuple[str, ...] = (
    "expected_band", "model", "backtest_coverage80", "n_history", "nowcast_end",
    "nowcast_from", "note",
)  # fmt: skip


def forecast_options(history: pd.Series, grain: Grain, seed: int) -> dict[str, Any]:
    """The season, floor and seed that every forecast of this history is run with."""
    return {"season": GRAINS[grain].season, "seed": seed, "floor": floor_of(history)}


def _nan_forecast(note: str) -> dict[str, Any]:
    """The forecast fields of a KR that cannot be forecast, with the note saying why."""
    return {
        "horizon": math.nan,
        "median_end": math.nan,
        "lo80": math.nan,
        "hi80": math.nan,
        "model": None,
        "backtest_coverage80": math.nan,
        "n_history": 0,
        "nowcast_end": math.nan,
        "nowcast_from": None,
        "note": note,
    }


def _forecast_fields(
    history: pd.Series, horizon: int, grain: Grain, draws: int, seed: int
) -> tuple[dict[str, Any], EndForecast]:
    """The forecast fields of a KR row (end value, interval, coverage) and the forecast."""
    options = forecast_options(history, grain, seed)
    f = forecast_end_value(history, horizon, draws=draws, **options)
    coverage = math.nan
    if horizon > 0:
        # Fewer draws per origin: the coverage is a share of a handful of origins anyway.
        coverage = backtest_coverage(history, horizon, draws=max(draws // 4, 200), **options)
    fields = {
        "horizon": horizon,
        "median_end": f.median,
        "lo80": f.lo80,
        "hi80": f.hi80,
        "model": f.model,
        "backtest_coverage80": coverage,
        "n_history": f.n_history,
        "note": f.note,
    }
    return fields, f


def _nowcast_fields(
    rows: pd.DataFrame,
    metric: str,
    history: pd.Series,
    horizon: int,
    links: pd.DataFrame | None,
    catalog: MetricCatalog,
    grain: Grain,
    seed: int,
) -> dict[str, Any]:
    """The nowcast fields of a KR row: the value and its lead, NaN / None without one."""
    lead = lead_for(links, metric)
    if lead is None or horizon <= 0 or lead[0] not in {m.name for m in catalog.metrics}:
        return {"nowcast_end": math.nan, "nowcast_from": None}
    leading = metric_history(rows, lead[0], catalog.get(lead[0]).grain)
    value = nowcast_end_value(
        history, leading, lead[1], horizon, season=GRAINS[grain].season, seed=seed
    )
    return {"nowcast_end": value, "nowcast_from": None if math.isnan(value) else lead[0]}


def _own_rows(
    declared: KeyResult, rows: pd.DataFrame, links: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The rows and links a KR's forecast reads: a sliced KR reads its slice under the metric's
    name, and no nowcast, since links are measured between whole metrics."""
    key = declared.series_key
    if key == declared.metric:
        return rows, links
    return rows[rows["metric"] == key].assign(metric=declared.metric), None


def _kr_row(
    kr: pd.Series,
    cycle: Period,
    declared: KeyResult,
    catalog: MetricCatalog,
    rows: pd.DataFrame,
    links: pd.DataFrame | None,
    preset: str,
    draws: int,
    seed: int,
) -> dict[str, Any]:
    """The `kr_forecasts` row of one scored key result (declared: as okrs.yaml states it)."""
    metric = catalog.get(str(kr["metric"]))
    deadline = declared.window(cycle).end
    base = {c: kr[c] for c in ("objective_id", "kr_id", "key_result", "metric", "kind")}
    base |= {c: kr[c] for c in ("type", "baseline", "target", "current")}
    base |= {"period": cycle.name, "period_end": cycle.end, "deadline": deadline}
    labels = PRESETS[preset].labels
    found = history_and_horizon(rows, metric, deadline)
    if found is None:
        return (
            base
            | _nan_forecast("no data before as_of")
            | dict.fromkeys([f"p_{lab}" for lab in labels], math.nan)
            | {"expected_band": None}
        )
    history, horizon = found
    fields, f = _forecast_fields(history, horizon, metric.grain, draws, seed)
    if horizon == 0:
        over = "deadline passed" if declared.deadline else "period over"
        fields["note"] = joined_note(f"{over}: the end value is observed", fields["note"])
    probs = band_probabilities(f.draws, kr["baseline"], kr["target"], str(kr["type"]), preset)
    p_median = progress(f.median, kr["baseline"], kr["target"], str(kr["type"]))
    undefined = all(math.isnan(v) for v in probs.values()) and not math.isnan(f.median)
    note = joined_note(
        fields["note"], "no baseline or target: band probabilities undefined" if undefined else ""
    )
    return (
        base
        | fields
        | {"note": note, "expected_band": band(p_median, preset)}
        | {f"p_{lab}": v for lab, v in probs.items()}
        | _nowcast_fields(rows, metric.name, history, horizon, links, catalog, metric.grain, seed)
    )


def metric_forecast(
    series: pd.DataFrame,
    metric: Metric,
    as_of: date,
    deadline: date,
    *,
    draws: int = 1000,
    seed: int = 0,
) -> EndForecast | None:
    """The forecast of metric from the data known at as_of to the period graded at deadline.

    The same procedure as `kr_forecasts`, keeping the path for a fan chart; None without data
    or when the graded period is already observed.
    """
    found = history_and_horizon(known_rows(series, as_of, live_snapshots=False), metric, deadline)
    if found is None or found[1] == 0:
        return None
    history, horizon = found
    return forecast_end_value(
        history, horizon, draws=draws, **forecast_options(history, metric.grain, seed)
    )


def forecast_columns(preset: str) -> list[str]:
    """The columns of `kr_forecasts` for a band preset."""
    probs = [f"p_{label}" for label in PRESETS[preset].labels]
    return [*FORECAST_COLUMNS, *probs, *TAIL_COLUMNS]


def kr_forecasts(
    okrs: OkrSet,
    catalog: MetricCatalog,
    series: pd.DataFrame,
    as_of: date,
    period: str | None = None,
    links: pd.DataFrame | None = None,
    *,
    draws: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per metric-backed increase / decrease / stay key result of the period.

    period: a period name; default the one containing as_of (`OkrSet.period_at`). Only series
    rows known at as_of are used (`known_rows` with ``live_snapshots=False``): nothing after
    as_of is seen. Baseline, target and type are the ones `key_result_scores` resolves at
    as_of. The forecast targets the period scoring reads at the KR's ``deadline`` (its
    period's end unless it declares one: `KeyResult.window`), the one containing it for a
    snapshot metric, the last one over by then for a flow; ``horizon`` counts periods to it
    from the last known one. ``p_<label>`` per band of
    ``okrs.band_preset``; ``expected_band`` is the median's band; ``backtest_coverage80`` the
    share of rolling origins whose realised value fell in the 80 % interval
    (`backtest_coverage`). links (columns leading, lagging, best_lag, correlation,
    significant) adds ``nowcast_end`` / ``nowcast_from`` for lagging metrics with a
    significant lead (`nowcast_end_value`). A KR without usable data gets NaNs and a note.
    """
    columns = forecast_columns(okrs.band_preset)
    cycle = okrs.period(period) if period is not None else okrs.period_at(as_of)
    if cycle is None:
        return pd.DataFrame(columns=columns)
    rows = known_rows(series, as_of, live_snapshots=False)
    scores = key_result_scores(okrs, catalog, rows, as_of, cycle.name)
    wanted = scores[scores["metric"].notna() & scores["type"].isin(FORECAST_TYPES)]
    records = []
    for _, kr in wanted.iterrows():
        declared = okrs.key_result(str(kr["kr_id"]))[1]
        own = _own_rows(declared, rows, links)
        records.append(_kr_row(kr, cycle, declared, catalog, *own, okrs.band_preset, draws, seed))
    return pd.DataFrame.from_records(records, columns=columns)
