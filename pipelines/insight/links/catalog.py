"""metric_links: the link of every leading metric of the catalog (or those asked for) to every
lagging metric on its grain, strongest significant links first."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.errors import OkrlensError
from pipelines.insight.links.link import LINK_COLUMNS, judged, measure
from pipelines.metrics.spec import MetricCatalog


def _checked_names(names: list[str], catalog: MetricCatalog, side: str) -> list[str]:
    """names without repeats; OkrlensError if any is not in the catalog."""
    known = {m.name for m in catalog.metrics}
    names = list(dict.fromkeys(names))  # asked twice, measured once
    unknown = [n for n in names if n not in known]
    if unknown:
        raise OkrlensError(
            f"unknown metric {', '.join(repr(n) for n in unknown)}",
            where=f"metric_links({side}=...)",
            fix=f"use metrics declared in metrics.yaml: {', '.join(sorted(known))}",
        )
    return names


def _complete_values(series: pd.DataFrame, metric: str) -> pd.Series:
    """One metric's values over its complete periods, indexed by period start."""
    rows = series[(series["metric"] == metric) & series["complete"].astype(bool)]
    return pd.Series(
        rows["value"].to_numpy(dtype=np.float64),
        index=pd.DatetimeIndex(rows["period_start"]),
        name=metric,
    )


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """frame with significant links first, then by |correlation|, strongest first."""
    strength = frame["correlation"].astype("float64").abs().fillna(-1.0)
    keys = pd.DataFrame({"significant": frame["significant"].astype(bool), "strength": strength})
    order = keys.sort_values(["significant", "strength"], ascending=False, kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def metric_links(
    series: pd.DataFrame,
    catalog: MetricCatalog,
    *,
    leading: list[str] | None = None,
    lagging: list[str] | None = None,
    max_lag: int = 8,
) -> pd.DataFrame:
    """One row per (leading, lagging) pair of the catalog (or those asked for) on a common grain:
    Link.record() columns, the false discovery rate controlled across every pair and lag."""
    default_leads = [m.name for m in catalog.metrics if m.kind == "leading"]
    default_lags = [m.name for m in catalog.metrics if m.kind == "lagging"]
    leads = _checked_names(default_leads if leading is None else leading, catalog, "leading")
    lags = _checked_names(default_lags if lagging is None else lagging, catalog, "lagging")
    measured = []
    for lead in leads:
        grain = catalog.get(lead).grain
        for lag in lags:
            # Different grains share no calendar to correlate on: no row rather than a guess.
            if lag == lead or catalog.get(lag).grain != grain:
                continue
            found = measure(
                _complete_values(series, lead),
                _complete_values(series, lag),
                leading_name=lead,
                lagging_name=lag,
                grain=grain,
                max_lag=max_lag,
            )
            measured.append(found)
    records = [link.record() for link in judged(measured)]
    return _ranked(pd.DataFrame.from_records(records, columns=LINK_COLUMNS))
