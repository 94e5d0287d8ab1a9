"""Metric time series: the tidy (metric, period_start, period_end, value, complete) frame."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby

import duckdb
import pandas as pd

from pipelines import db
from pipelines.metrics.compile import events_sql, kpi_sql
from pipelines.metrics.spec import Metric, MetricCatalog

SERIES_COLUMNS = ["metric", "period_start", "period_end", "value", "complete"]


def _empty() -> pd.DataFrame:
    """A series frame with no rows and the right dtypes."""
    return pd.DataFrame(
        {
            "metric": pd.Series(dtype="str"),
            "period_start": pd.Series(dtype="datetime64[us]"),
            "period_end": pd.Series(dtype="datetime64[us]"),
            "value": pd.Series(dtype="float64"),
            "complete": pd.Series(dtype="bool"),
        }
    )


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """frame with the series columns and dtypes, sorted by metric and period."""
    if frame.empty:
        return _empty()
    out = frame[SERIES_COLUMNS].astype({"metric": "str", "value": "float64", "complete": "bool"})
    out["period_start"] = pd.to_datetime(out["period_start"])
    out["period_end"] = pd.to_datetime(out["period_end"])
    return out.sort_values(["metric", "period_start"], ignore_index=True)


def _event_series(con: duckdb.DuckDBPyConnection, metrics: list[Metric]) -> pd.DataFrame:
    """Series of event metrics: one scan of events per grain."""
    frames = []
    by_grain = sorted(metrics, key=lambda m: m.grain)
    for grain, group in groupby(by_grain, key=lambda m: m.grain):
        members = list(group)
        wide = db.query(con, events_sql(members, grain))
        long = wide.melt(
            id_vars=["period_start", "period_end", "complete"],
            value_vars=[m.name for m in members],
            var_name="metric",
            value_name="value",
        )
        frames.append(long)
    return pd.concat(frames, ignore_index=True) if frames else _empty()


def _kpi_series(con: duckdb.DuckDBPyConnection, metric: Metric) -> pd.DataFrame:
    """Series of one KPI metric."""
    frame = db.query(con, kpi_sql(metric, metric.grain), [metric.kpi_name])
    return frame.assign(metric=metric.name)


def _ratio_series(metric: Metric, bases: pd.DataFrame) -> pd.DataFrame:
    """Series of a ratio metric from its numerator's and denominator's series."""
    assert metric.ratio is not None
    num = bases[bases["metric"] == metric.ratio.numerator]
    den = bases[bases["metric"] == metric.ratio.denominator]
    joined = num.merge(den, on=["period_start", "period_end"], suffixes=("_num", "_den"))
    # A zero denominator leaves the ratio undefined (NaN), never infinite.
    value = joined["value_num"] / joined["value_den"].where(joined["value_den"] != 0)
    return pd.DataFrame(
        {
            "metric": metric.name,
            "period_start": joined["period_start"],
            "period_end": joined["period_end"],
            "value": value,
            "complete": joined["complete_num"] & joined["complete_den"],
        }
    )


def metric_series(
    con: duckdb.DuckDBPyConnection, catalog: MetricCatalog, names: Iterable[str] | None = None
) -> pd.DataFrame:
    """The time series of the named metrics (all when None), computed in DuckDB.

    Columns: metric, period_start, period_end (exclusive), value, complete (the period ended
    within the available data). Ratio metrics need their parts, which are computed alongside.
    """
    wanted = [catalog.get(n) for n in names] if names is not None else list(catalog.metrics)
    parts = {p for m in wanted if m.ratio for p in (m.ratio.numerator, m.ratio.denominator)}
    plain = [m for m in catalog.metrics if m.ratio is None and (m in wanted or m.name in parts)]
    bases = [_event_series(con, [m for m in plain if m.source == "events"])]
    bases += [_kpi_series(con, m) for m in plain if m.source == "kpis"]
    base = (
        pd.concat([b for b in bases if not b.empty], ignore_index=True)
        if any(not b.empty for b in bases)
        else _empty()
    )
    ratios = [_ratio_series(m, base) for m in wanted if m.ratio is not None]
    everything = pd.concat([base, *ratios], ignore_index=True) if ratios else base
    names_wanted = {m.name for m in wanted}
    return _tidy(everything[everything["metric"].isin(names_wanted)])
