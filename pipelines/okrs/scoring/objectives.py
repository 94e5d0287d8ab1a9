"""Objective scores: each objective's weighted progress and worst-of status from its KRs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipelines.okrs.scoring.columns import OBJECTIVE_COLUMNS, score_frame
from pipelines.okrs.scoring.rules import Status, band, is_missing, objective_progress, worst_status
from pipelines.okrs.spec import OkrSet


@dataclass(frozen=True)
class ObjectiveSummary:
    """An objective's roll-up of its key results."""

    progress: float | None
    status: Status
    n_key_results: int
    n_scored: int


def summarize_objective(rows: Sequence[Mapping[Any, Any]]) -> ObjectiveSummary:
    """An objective's weighted progress and worst-of status from its key-result rows."""
    progresses = [r["progress_clamped"] for r in rows]
    return ObjectiveSummary(
        progress=objective_progress(progresses, [r["weight"] for r in rows]),
        status=worst_status(r["status"] for r in rows),
        n_key_results=len(rows),
        n_scored=sum(not is_missing(p) for p in progresses),
    )


def objective_scores(okrs: OkrSet, kr_scores: pd.DataFrame) -> pd.DataFrame:
    """One row per objective present in kr_scores: weighted roll-up of its key results.

    ``progress`` is the weighted mean (KR ``weight``) of the scored KRs' ``progress_clamped``;
    ``n_scored`` counts them. ``status`` is the worst KR status (off_track < at_risk <
    on_track; no_data only when every KR has no data). ``band`` classifies the progress with
    ``okrs.band_preset``. Rows in okrs.yaml order.
    """
    records: list[dict[str, Any]] = []
    by_objective = {str(oid): rows for oid, rows in kr_scores.groupby("objective_id", sort=False)}
    for o in okrs.objectives:
        if o.id not in by_objective:
            continue
        rows = by_objective[o.id]
        summary = summarize_objective(rows.to_dict("records"))
        records.append(
            {
                "objective_id": o.id,
                "objective": o.title,
                "team": o.team,
                "period": o.period,
                "parent_kr": o.parent_kr,
                "commitment": o.commitment,
                "progress": summary.progress,
                "band": band(summary.progress, okrs.band_preset),
                "status": summary.status,
                "n_key_results": summary.n_key_results,
                "n_scored": summary.n_scored,
                "as_of": rows["as_of"].iloc[0],
            }
        )
    return score_frame(records, OBJECTIVE_COLUMNS)
