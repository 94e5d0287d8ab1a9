"""The workspace's answers: key-result scores, objective roll-ups, store status, metric series."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from pipelines import db
from pipelines.errors import OkrlensError
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.scoring import key_result_scores, objective_scores
from pipelines.okrs.spec import OkrSet, referenced_period
from pipelines.workspace import Workspace

ALL_PERIODS = "all"


def chosen_period(okrs: OkrSet, as_of: dt.date, period: str | None) -> str | None:
    """The period to report: the one named, None for all, else the one containing as_of."""
    if period == ALL_PERIODS:
        return None
    if period is not None:
        if period not in {p.name for p in okrs.periods}:
            raise OkrlensError(
                f"unknown period {period!r}",
                where="--period",
                fix=f"use one of: {', '.join(p.name for p in okrs.periods)}, or {ALL_PERIODS}",
            )
        return period
    current = referenced_period(okrs, as_of)
    return current.name if current else None


def kr_report(
    workspace: Workspace, as_of: dt.date, period: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Key-result scores and objective roll-ups of the chosen period at as_of."""
    okrs = workspace.okrs()
    catalog = workspace.catalog()
    series = workspace.series()
    krs = key_result_scores(okrs, catalog, series, as_of, chosen_period(okrs, as_of, period))
    return krs, objective_scores(okrs, krs)


def inputs(workspace: Workspace) -> tuple[OkrSet, MetricCatalog, pd.DataFrame]:
    """The workspace's OKRs, metric catalog and every metric's series."""
    return workspace.okrs(), workspace.catalog(), workspace.series()


def series_of(workspace: Workspace, name: str) -> pd.DataFrame:
    """The time series of one metric of the workspace."""
    catalog = workspace.catalog()
    try:
        catalog.get(name)
    except KeyError:
        raise OkrlensError(
            f"no metric called {name!r}",
            where=str(workspace.metrics_path),
            fix=f"use one of: {', '.join(m.name for m in catalog.metrics)}",
        ) from None
    series = workspace.series()
    return series[series["metric"] == name].reset_index(drop=True)


_COUNTS = """
SELECT
    (SELECT count(*) FROM events) AS events,
    (SELECT count(DISTINCT user_id) FROM events) AS users,
    (SELECT count(DISTINCT account_id) FROM events) AS accounts,
    (SELECT min(event_time) FROM events) AS first_event,
    (SELECT max(event_time) FROM events) AS last_event,
    (SELECT count(*) FROM kpis) AS kpi_values,
    (SELECT count(DISTINCT metric) FROM kpis) AS kpi_metrics,
    (SELECT count(*) FROM rejected_lines) AS rejected_lines
"""

_KPI_FRESHNESS = """
SELECT k.metric, any_value(l.label) AS label, count(*) AS values, min(k.date) AS first_date,
       max(k.date) AS last_date
FROM kpis k LEFT JOIN kpi_labels l USING (metric)
GROUP BY k.metric ORDER BY k.metric
"""


def store_status(workspace: Workspace, as_of: dt.date) -> dict[str, Any]:
    """Row counts per source, data freshness and the latest ingests of the workspace's store."""
    with workspace.reading() as con:
        counts = db.query(con, _COUNTS).iloc[0].to_dict()
        freshness = db.query(con, _KPI_FRESHNESS)
        ingests = db.query(
            con,
            "SELECT ingest_id, kind, file_name, shape, rows_added, rows_duplicate, rows_revised, "
            "rows_rejected, ingested_at, ingested_by, sha256 FROM ingests "
            "ORDER BY ingest_id DESC LIMIT 10",
        )
    last_event = counts["last_event"]
    freshness["days_old"] = [(as_of - pd.Timestamp(d).date()).days for d in freshness["last_date"]]
    return {
        "workspace": str(workspace.home),
        "as_of": as_of,
        "events": {
            "rows": int(counts["events"]),
            "users": int(counts["users"]),
            "accounts": int(counts["accounts"]),
            "first": counts["first_event"],
            "last": last_event,
            "days_old": None
            if pd.isna(last_event)
            else (as_of - pd.Timestamp(last_event).date()).days,
        },
        "kpis": {"values": int(counts["kpi_values"]), "metrics": int(counts["kpi_metrics"])},
        "rejected_lines": int(counts["rejected_lines"]),
        "kpi_freshness": freshness,
        "ingests": ingests,
    }
