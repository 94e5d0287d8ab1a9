"""The store's status: row counts per source, data freshness and the latest ingests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipelines import db
from pipelines.ingest.ledger import ingest_history
from pipelines.workspace import Workspace

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
        ingests = ingest_history(con, limit=10)
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


def definition_problems(workspace: Workspace) -> pd.DataFrame:
    """Every definition left out of metrics.yaml and okrs.yaml, one row each (none: all valid).

    OkrlensError when a file cannot be read at all (not YAML, too large, not UTF-8).
    """
    rows = [
        {
            "file": b.file,
            "kind": b.kind,
            "id": b.id,
            "code": b.code,
            "where": b.where,
            "problem": b.problem,
            "fix": b.fix,
        }
        for b in workspace.definitions().broken
    ]
    return pd.DataFrame(rows, columns=["file", "kind", "id", "code", "where", "problem", "fix"])


@dataclass(frozen=True)
class Step:
    """One step of a workspace's first run: what to do, whether it is done, and on which page."""

    title: str
    done: bool
    page: str  # the dashboard page's file where the step is taken
    detail: str


def first_steps(workspace: Workspace) -> tuple[Step, ...]:
    """The first run's steps, from data to a scored key result, each marked done or not."""
    definitions = workspace.definitions()
    metrics = len(definitions.catalog.metrics)
    okrs = definitions.okrs
    key_results = sum(len(o.key_results) for o in okrs.objectives)
    ingested = not workspace.ingests().empty
    return (
        Step(
            "Upload an export",
            ingested,
            "upload_page.py",
            "product events (one row per event) or business KPIs (one row per date) as CSV",
        ),
        Step(
            "Define a metric",
            metrics > 0,
            "define_metrics_page.py",
            f"{metrics} defined" if metrics else "pick a column and how to count it",
        ),
        Step(
            "Set a key result",
            key_results > 0,
            "define_okrs_page.py",
            f"{key_results} set"
            if key_results
            else "a period, an objective, and a metric's target",
        ),
        Step(
            "See it scored",
            ingested and key_results > 0,
            "overview_page.py",
            "progress, band and forecast of every key result",
        ),
    )
