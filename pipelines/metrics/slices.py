"""Slices: one metric restricted to one value of one declared dimension, as its own series.

Each commit publishes, beside every metric's series, the series of every slice that occurs in
the data (every metric by every dimension it declares), named `metric[dimension=value]`, so a
key result that targets a slice reads it like any metric, from the same snapshot.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipelines.metrics.series import SERIES_COLUMNS, metric_series
from pipelines.metrics.spec import MetricCatalog

MISSING = "(none)"  # the slice of rows that lack the dimension (e.g. no plan property)


def sliced_name(metric: str, dimension: str, value: str) -> str:
    """The series name of metric's slice where dimension is value.

    Example:
        >>> sliced_name("weekly_active_users", "plan", "pro")
        'weekly_active_users[plan=pro]'
    """
    return f"{metric}[{dimension}={value}]"


def sliced_series(con: duckdb.DuckDBPyConnection, catalog: MetricCatalog) -> pd.DataFrame:
    """Every slice of every metric by each dimension it declares, as tidy series rows."""
    frames = []
    for metric in catalog.metrics:
        for dimension in catalog.dimensions(metric):
            rows = metric_series(con, catalog, [metric.name], by=dimension)
            if rows.empty:
                continue
            values = rows["dimension_value"].astype("object").where(rows["dimension_value"].notna())
            names = [
                sliced_name(metric.name, dimension, MISSING if pd.isna(v) else str(v))
                for v in values
            ]
            frames.append(rows.assign(metric=names)[SERIES_COLUMNS])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=SERIES_COLUMNS)
