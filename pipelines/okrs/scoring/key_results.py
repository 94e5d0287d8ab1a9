"""Key-result scores: one row per KR, read from its metric, its check-ins or its child objectives."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from pipelines.metrics.readings import data_through
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.scoring.columns import KR_COLUMNS, score_frame
from pipelines.okrs.scoring.objectives import ObjectiveSummary, summarize_objective
from pipelines.okrs.scoring.readings import (
    auto_baseline,
    check_series,
    checkin_range,
    effective_type,
    graded_at,
    latest_checkin,
    value_at,
)
from pipelines.okrs.scoring.rules import (
    Status,
    band,
    expected_progress,
    is_stale,
    objective_progress,
    progress,
    progress_clamped,
    status,
    worst_status,
)
from pipelines.okrs.spec import KeyResult, Objective, OkrSet, Period

ROLLUP_TYPE = "rollup"


def _base_row(o: Objective, kr: KeyResult, window: Period, as_of: date) -> dict[str, Any]:
    """The fields of a KR row that come from okrs.yaml (and the date) alone."""
    return {
        "objective_id": o.id,
        "objective": o.title,
        "team": o.team,
        "period": o.period,
        "kr_id": kr.id,
        "key_result": kr.title,
        "metric": kr.metric,
        "kind": None,
        "unit": None,
        "weight": kr.weight,
        "as_of": as_of,
        "rolled_up_from": None,
        "final": as_of >= window.end,
    }


def _scored(
    row: dict[str, Any], p: float | None, preset: str, expected: float, state: Status
) -> dict[str, Any]:
    """row with its progress, clamped progress, band, expected progress and status."""
    return row | {
        "progress": p,
        "progress_clamped": progress_clamped(p),
        "band": band(p, preset),
        "expected_progress": expected,
        "status": state,
    }


def _metric_kr_row(
    row: dict[str, Any],
    kr: KeyResult,
    window: Period,
    catalog: MetricCatalog,
    rows: pd.DataFrame,
    as_of: date,
    preset: str,
) -> dict[str, Any]:
    """A KR measured by a metric: its value at the grading date against its baseline."""
    metric = catalog.get(str(kr.metric))
    at = graded_at(window, as_of)
    reading = value_at(rows, at, metric.aggregation)
    if kr.baseline == "auto":
        baseline = auto_baseline(rows, window, at, metric.aggregation)
    else:
        baseline = kr.baseline
    kr_type = effective_type(kr, baseline)
    current = None if reading is None else reading.value
    data_as_of = None if reading is None else reading.period_start
    checkin = latest_checkin(kr, at)
    confidence = None if checkin is None else checkin.confidence
    p = progress(current, baseline, kr.target, kr_type)
    expected = expected_progress(window.start, window.end, as_of)
    row |= {
        "kind": metric.kind,
        "unit": metric.unit,
        "type": kr_type,
        "baseline": baseline,
        "target": kr.target,
        "current": current,
        "current_period": data_as_of,
        "confidence": confidence,
        "data_as_of": data_as_of,
        "data_through": data_through(rows, at),
        "stale": is_stale(data_as_of, at, metric.grain),
    }
    return _scored(row, p, preset, expected, status(p, expected, kr_type, confidence=confidence))


def _checkin_kr_row(
    row: dict[str, Any], kr: KeyResult, window: Period, as_of: date, preset: str
) -> dict[str, Any]:
    """A KR fed by check-ins: a milestone (0 → 1 unless declared) or a manual numeric KR."""
    kr_type = kr.kr_type
    checkin = latest_checkin(kr, graded_at(window, as_of))
    baseline, target = checkin_range(kr)
    current = None if checkin is None else checkin.value
    confidence = None if checkin is None else checkin.confidence
    p = progress(current, baseline, target, kr_type)
    expected = expected_progress(window.start, window.end, as_of)
    binary = kr_type == "milestone" and target == 1.0 and baseline == 0.0
    row |= {
        "type": kr_type,
        "baseline": baseline,
        "target": target,
        "current": current,
        "current_period": None if checkin is None else checkin.date,
        "confidence": confidence,
        "data_as_of": None if checkin is None else checkin.date,
        "data_through": None,  # check-ins are people's word, not exports that cover days
        # Check-ins declare no update frequency to be stale against.
        "stale": False,
    }
    state = status(p, expected, kr_type, confidence=confidence, binary_milestone=binary)
    return _scored(row, p, preset, expected, state)


def _rolled_up_row(
    row: dict[str, Any],
    window: Period,
    child_ids: list[str],
    summaries: dict[str, ObjectiveSummary],
    kr_rows: dict[str, list[dict[str, Any]]],
    as_of: date,
    preset: str,
) -> dict[str, Any]:
    """A parent KR scored by its child objectives (telescoping), equally weighted."""
    children = [summaries[c] for c in child_ids]
    p = objective_progress([c.progress for c in children], [1.0] * len(children))
    inputs = [r for c in child_ids for r in kr_rows[c]]
    dates = [r["data_as_of"] for r in inputs if r["data_as_of"] is not None]
    through = [r["data_through"] for r in inputs if r["data_through"] is not None]
    row |= {
        "metric": None,
        "type": ROLLUP_TYPE,
        "baseline": None,
        "target": None,
        "current": None,
        "current_period": None,
        "confidence": None,
        # As fresh as its stalest input.
        "data_as_of": min(dates, default=None),
        "data_through": min(through, default=None),
        "stale": any(r["stale"] for r in inputs),
        "rolled_up_from": tuple(child_ids),
    }
    expected = expected_progress(window.start, window.end, as_of)
    return _scored(row, p, preset, expected, worst_status(c.status for c in children))


def key_result_scores(
    okrs: OkrSet,
    catalog: MetricCatalog,
    series: pd.DataFrame,
    as_of: date,
    period: str | None = None,
) -> pd.DataFrame:
    """One row per key result (of `period`, or all periods when None), scored at as_of.

    Columns `KR_COLUMNS`, rows in okrs.yaml order. Each KR is scored over its window
    (`KeyResult.window`: its period up to its deadline), so a KR due mid-period expects full
    progress by its deadline and is graded on its value then. ``progress`` is raw,
    ``progress_clamped`` in [0, 1]; ``band`` classifies the raw value with
    ``okrs.band_preset``. A KR with a metric reads ``current`` with `value_at` and
    ``baseline: auto`` with `auto_baseline`; a KR without one is fed by its check-ins; a
    parent KR with neither is rolled up from its child objectives (``rolled_up_from``, see
    `OkrSet.is_rolled_up`). Every objective is scored, whatever `period`, children first
    (`OkrSet.children_first`), so that parents can roll up children of any period.

    Raises OkrlensError for a series lacking a column, a metric missing from the catalog or an
    unknown period, and TelescopingCycleError (a ValueError) when parent_kr links form a cycle.
    """
    check_series(series, "key_result_scores(series=...)")
    if period is not None:
        okrs.period(period)  # OkrlensError for an unknown name, before any scoring
    okrs.check_metrics(catalog)
    by_metric = {str(name): rows for name, rows in series.groupby("metric", sort=False)}
    no_rows = series.iloc[0:0]
    kr_rows: dict[str, list[dict[str, Any]]] = {}
    summaries: dict[str, ObjectiveSummary] = {}
    for o in okrs.children_first():
        cycle = okrs.period(o.period)
        rows = []
        for kr in o.key_results:
            window = kr.window(cycle)
            row = _base_row(o, kr, window, as_of)
            if kr.metric is not None:
                metric_rows = by_metric.get(str(kr.series_key), no_rows)
                rows.append(
                    _metric_kr_row(row, kr, window, catalog, metric_rows, as_of, okrs.band_preset)
                )
            elif okrs.is_rolled_up(kr):
                child_ids = [c.id for c in okrs.children_of(kr.id)]
                rows.append(
                    _rolled_up_row(
                        row, window, child_ids, summaries, kr_rows, as_of, okrs.band_preset
                    )
                )
            else:
                rows.append(_checkin_kr_row(row, kr, window, as_of, okrs.band_preset))
        kr_rows[o.id] = rows
        summaries[o.id] = summarize_objective(rows)
    records = [
        r for o in okrs.objectives if period is None or o.period == period for r in kr_rows[o.id]
    ]
    return score_frame(records, KR_COLUMNS)
