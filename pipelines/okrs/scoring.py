"""Key-result and objective scores: progress, attainment band, expected progress, status, roll-up.

Pure functions: validated okrs.yaml / metrics.yaml models and a tidy metric series in, frames
out. No I/O. The scalar rules (`progress`, `expected_progress`, `status`, `band`, `value_at`)
are public so the dashboard, the CLI and the tests share one definition of each.

The series has one row per (metric, period): ``metric``, ``period_start``, ``period_end``
(exclusive: the next period's start), ``value`` (NaN when a ratio's denominator is zero) and
``complete`` (the period has fully elapsed within the available data).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, NamedTuple

import pandas as pd

from pipelines.errors import OkrlensError
from pipelines.metrics.readings import known_rows
from pipelines.metrics.spec import Grain, MetricCatalog
from pipelines.okrs.bands import PRESETS
from pipelines.okrs.spec import CheckIn, KeyResult, Objective, OkrSet, Period

Status = Literal["on_track", "at_risk", "off_track", "no_data"]

# UpRaise cut points on progress / expected; the ratio makes them scale-free.
# https://amoeboids.atlassian.net/wiki/spaces/USA/pages/1566736458
ON_TRACK_RATIO = 0.95
AT_RISK_RATIO = 0.75
# Early in a cycle expected progress is near 0, so progress / expected swings wildly.
TOO_EARLY = 0.10
# WorkBoard's confidence scale: high >= 70 %, medium 40–70 %.
CONFIDENCE_ON_TRACK = 0.7
CONFIDENCE_AT_RISK = 0.4
# Long enough that a weekly metric is not stale while next week's data is still arriving.
STALE_AFTER_GRAINS = 2
GRAIN_DAYS: dict[Grain, int] = {"day": 1, "week": 7, "month": 31, "quarter": 92}
# Worst first: an objective's status is its weakest key result's (Perdoo's rule).
STATUS_ORDER: tuple[Status, ...] = ("off_track", "at_risk", "on_track")
ROLLUP_TYPE = "rollup"

KR_COLUMNS: tuple[str, ...] = (
    "objective_id", "objective", "team", "period", "kr_id", "key_result", "metric", "kind",
    "unit", "type", "weight", "baseline", "target", "current", "current_period", "progress",
    "progress_clamped", "band", "expected_progress", "status", "confidence", "as_of",
    "data_as_of", "stale", "rolled_up_from",
)  # fmt: skip
OBJECTIVE_COLUMNS: tuple[str, ...] = (
    "objective_id", "objective", "team", "period", "parent_kr", "commitment", "progress",
    "band", "status", "n_key_results", "n_scored", "as_of",
)  # fmt: skip
FLOAT_COLUMNS = frozenset(
    {"weight", "baseline", "target", "current", "progress", "progress_clamped"}
    | {"expected_progress", "confidence"}
)
SERIES_COLUMNS = ("metric", "period_start", "period_end", "value", "complete")


class Reading(NamedTuple):
    """A metric value and the start of the period it describes."""

    value: float
    period_start: date


@dataclass(frozen=True)
class ObjectiveSummary:
    """An objective's roll-up of its key results."""

    progress: float | None
    status: Status
    n_key_results: int
    n_scored: int


class TelescopingCycleError(OkrlensError, ValueError):
    """Objectives whose parent_kr links loop back on themselves."""


def _missing(x: float | None) -> bool:
    return x is None or math.isnan(x)


def progress(
    current: float | None, baseline: float | None, target: float | None, kr_type: str
) -> float | None:
    """Raw progress of a key result (1.0 = target reached), unclamped; None when undefined.

    - increase, decrease, milestone: ``(current − baseline) / (target − baseline)``. One
      expression for both directions; the direction only validates the definition.
    - stay_above: 1.0 if ``current >= target`` else 0.0. Inclusive, unlike Quantive's strict
      ``>`` that scores ``current == target`` as 0 %.
    - stay_below: 1.0 if ``current <= target`` else 0.0, inclusive. Both ignore the baseline.

    None when current or target is missing, when an interpolated type has no baseline, or when
    target equals baseline (progress is undefined there). Never a silent 0.

    Example:
        >>> round(progress(0.003, 0.005, 0.002, "decrease"), 4)
        0.6667
        >>> round(progress(66, 63, 70, "increase"), 4)
        0.4286
        >>> progress(99.5, None, 99.5, "stay_above")
        1.0
    """
    if _missing(current) or _missing(target):
        return None
    assert current is not None and target is not None
    if kr_type == "stay_above":
        return 1.0 if current >= target else 0.0
    if kr_type == "stay_below":
        return 1.0 if current <= target else 0.0
    if _missing(baseline) or baseline == target:
        return None
    assert baseline is not None
    return (current - baseline) / (target - baseline)


def progress_clamped(progress_raw: float | None) -> float | None:
    """Progress limited to [0, 1], so a 300 % KR cannot hide a 0 % one in a roll-up.

    Example:
        >>> progress_clamped(1.25), progress_clamped(-0.4), progress_clamped(0.5)
        (1.0, 0.0, 0.5)
    """
    if _missing(progress_raw):
        return None
    assert progress_raw is not None
    return min(max(progress_raw, 0.0), 1.0)


def band(progress_raw: float | None, preset: str = "default") -> str | None:
    """The attainment band of the raw progress in the named preset; None without progress.

    Bands classify the raw value: 1.25 is simply "exceeded", a negative value "missed".

    Example:
        >>> band(0.6), band(0.8), band(0.8001), band(1.0, "puzzle")
        ('met', 'met', 'exceeded', 'stretch')
    """
    return PRESETS[preset].band(progress_raw)


def expected_progress(start: date, end: date, as_of: date) -> float:
    """The elapsed fraction of the period [start, end] (end inclusive) at as_of, in [0, 1].

    ``(as_of − start) / (end + 1 day − start)``: 0 on the first day, 1 from the day after the
    last day; linear in between.

    Example:
        >>> expected_progress(date(2025, 1, 1), date(2025, 3, 31), date(2025, 2, 15))
        0.5
    """
    length = (end + timedelta(days=1) - start).days
    return min(max((as_of - start).days / length, 0.0), 1.0)


def confidence_status(confidence: float) -> Status:
    """The status a person's confidence of success stands for: >= 0.7 on track, >= 0.4 at risk."""
    if confidence >= CONFIDENCE_ON_TRACK:
        return "on_track"
    return "at_risk" if confidence >= CONFIDENCE_AT_RISK else "off_track"


def status(
    progress_raw: float | None,
    expected: float,
    kr_type: str,
    *,
    confidence: float | None = None,
    binary_milestone: bool = False,
) -> Status:
    """Whether a key result is on track for this point in its period, given expected progress.

    In order: no progress → no_data. stay_above / stay_below → on_track when satisfied, else
    off_track. Progress >= 1 → on_track. A binary milestone (0 → 1) with a confidence → the
    confidence's status (see `confidence_status`). In the first 10 % of the period (expected
    < 0.10) → on_track if progress >= 0 else at_risk. Otherwise r = progress / expected:
    r >= 0.95 on_track, 0.75 <= r < 0.95 at_risk, r < 0.75 off_track.

    Example:
        >>> status(0.48, 0.5, "increase"), status(0.45, 0.5, "increase")
        ('on_track', 'at_risk')
        >>> status(0.0, 0.5, "milestone", confidence=0.8, binary_milestone=True)
        'on_track'
    """
    if _missing(progress_raw):
        return "no_data"
    assert progress_raw is not None
    if kr_type in ("stay_above", "stay_below"):
        return "on_track" if progress_raw >= 1 else "off_track"
    if progress_raw >= 1:
        return "on_track"
    if binary_milestone and confidence is not None and not math.isnan(confidence):
        return confidence_status(confidence)
    if expected < TOO_EARLY:
        return "on_track" if progress_raw >= 0 else "at_risk"
    ratio = progress_raw / expected
    if ratio >= ON_TRACK_RATIO:
        return "on_track"
    return "at_risk" if ratio >= AT_RISK_RATIO else "off_track"


def worst_status(statuses: Iterable[str]) -> Status:
    """The weakest status among key results; no_data is ignored unless it is all there is."""
    present = set(statuses)
    return next((s for s in STATUS_ORDER if s in present), "no_data")


def objective_progress(
    progresses: Sequence[float | None], weights: Sequence[float]
) -> float | None:
    """Weighted mean of the scored progress values (unscored ones skipped); None if none scored.

    Example:
        >>> objective_progress([1.0, 0.0, None], [3, 1, 5])
        0.75
    """
    scored = [(p, w) for p, w in zip(progresses, weights, strict=True) if not _missing(p)]
    total = sum(w for _, w in scored)
    if not scored or total <= 0:
        return None
    return sum(p * w for p, w in scored if p is not None) / total


def is_stale(data_as_of: date | None, as_of: date, grain: Grain) -> bool:
    """True when the newest data is more than two grain-lengths older than as_of.

    Grain lengths: day 1, week 7, month 31, quarter 92 days. No data at all is not stale;
    it is no_data.
    """
    if data_as_of is None:
        return False
    return (as_of - data_as_of).days > STALE_AFTER_GRAINS * GRAIN_DAYS[grain]


def _reading(row: pd.Series[Any]) -> Reading:
    return Reading(float(row["value"]), pd.Timestamp(row["period_start"]).date())


def value_at(rows: pd.DataFrame, d: date, aggregation: str | None) -> Reading | None:
    """The value of one metric known at date d: its latest row known then (see `known_rows`).

    None when no row is known.

    Example:
        >>> weeks = pd.DataFrame({
        ...     "period_start": pd.to_datetime(["2025-01-06", "2025-01-13"]),
        ...     "period_end": pd.to_datetime(["2025-01-13", "2025-01-20"]),
        ...     "value": [10.0, 20.0], "complete": [True, True]})
        >>> value_at(weeks, date(2025, 1, 15), "count").value
        10.0
        >>> value_at(weeks, date(2025, 1, 15), "last").value
        20.0
    """
    usable = known_rows(rows, d, aggregation)
    return None if usable.empty else _reading(usable.iloc[-1])


def first_value_from(
    rows: pd.DataFrame, start: date, as_of: date, aggregation: str | None
) -> Reading | None:
    """The earliest row usable at as_of whose period starts on or after start."""
    usable = known_rows(rows, as_of, aggregation)
    usable = usable[usable["period_start"] >= pd.Timestamp(start)]
    return None if usable.empty else _reading(usable.iloc[0])


def auto_baseline(
    rows: pd.DataFrame, period: Period, as_of: date, aggregation: str | None
) -> float | None:
    """The metric's value at the period's start, for ``baseline: auto``.

    The value known the day before the period starts (`value_at`); when the data begins later,
    the first row starting inside the period that is usable at as_of.
    """
    reading = value_at(rows, period.start - timedelta(days=1), aggregation)
    reading = reading or first_value_from(rows, period.start, as_of, aggregation)
    return None if reading is None else reading.value


def graded_at(period: Period, as_of: date) -> date:
    """The date a KR's value is read at: as_of, or the period's end once it is over.

    A closed period is graded on the data of its own end, not on what happened since.
    """
    return min(as_of, period.end)


def latest_checkin(kr: KeyResult, as_of: date) -> CheckIn | None:
    """The key result's latest check-in dated on or before as_of."""
    past = [c for c in kr.checkins if c.date <= as_of]
    return max(past, key=lambda c: c.date) if past else None


def effective_type(kr: KeyResult, baseline: float | None) -> str:
    """The KR type used for scoring: declared, else inferred from the (resolved) baseline.

    With ``baseline: auto`` and no declared type, the KR is a decrease when the baseline read
    from the data is above the target.
    """
    if kr.type is None and kr.baseline == "auto" and baseline is not None and kr.target is not None:
        return "decrease" if baseline > kr.target else "increase"
    return kr.kr_type


def _child_objectives(okrs: OkrSet) -> dict[str, list[Objective]]:
    """Objectives telescoped from each key result, by parent KR id."""
    children: dict[str, list[Objective]] = {}
    for o in okrs.objectives:
        if o.parent_kr is not None:
            children.setdefault(o.parent_kr, []).append(o)
    return children


def children_first(okrs: OkrSet) -> list[Objective]:
    """All objectives, each after every objective telescoped from its key results.

    Raises TelescopingCycleError (a ValueError) when parent_kr links form a cycle.
    """
    children = _child_objectives(okrs)
    done: set[str] = set()
    ordered: list[Objective] = []

    def visit(o: Objective, path: list[str]) -> None:
        if o.id in done:
            return
        if o.id in path:
            loop = " → ".join([*path[path.index(o.id) :], o.id])
            raise TelescopingCycleError(
                f"objectives telescope into themselves: {loop}",
                where="okrs.yaml, parent_kr",
                fix="make each parent_kr point to a key result of a higher-level objective",
            )
        for kr in o.key_results:
            for child in children.get(kr.id, []):
                visit(child, [*path, o.id])
        done.add(o.id)
        ordered.append(o)

    for o in okrs.objectives:
        visit(o, [])
    return ordered


def is_rolled_up(kr: KeyResult, children: dict[str, list[Objective]]) -> bool:
    """True for a parent KR measured by its child objectives: no metric, no check-ins."""
    return kr.id in children and kr.metric is None and not kr.checkins and kr.type != "milestone"


def summarize_objective(rows: Sequence[Mapping[Any, Any]]) -> ObjectiveSummary:
    """An objective's weighted progress and worst-of status from its key-result rows."""
    progresses = [r["progress_clamped"] for r in rows]
    return ObjectiveSummary(
        progress=objective_progress(progresses, [r["weight"] for r in rows]),
        status=worst_status(r["status"] for r in rows),
        n_key_results=len(rows),
        n_scored=sum(not _missing(p) for p in progresses),
    )


def _check_inputs(okrs: OkrSet, series: pd.DataFrame, period: str | None) -> None:
    missing = [c for c in SERIES_COLUMNS if c not in series.columns]
    if missing:
        raise OkrlensError(
            f"the metric series lacks column(s) {', '.join(missing)}",
            where="key_result_scores(series=...)",
            fix=f"pass the metric pipeline's output with columns {', '.join(SERIES_COLUMNS)}",
        )
    names = [p.name for p in okrs.periods]
    if period is not None and period not in names:
        raise OkrlensError(
            f"unknown period {period!r}",
            where="okrs.yaml, periods",
            fix=f"choose one of {', '.join(names)}",
        )


def _base_row(o: Objective, kr: KeyResult, as_of: date) -> dict[str, Any]:
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
    }


def _scored(
    row: dict[str, Any], p: float | None, preset: str, expected: float, state: Status
) -> dict[str, Any]:
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
    period: Period,
    catalog: MetricCatalog,
    rows: pd.DataFrame,
    as_of: date,
    preset: str,
) -> dict[str, Any]:
    metric = catalog.get(str(kr.metric))
    at = graded_at(period, as_of)
    reading = value_at(rows, at, metric.aggregation)
    if kr.baseline == "auto":
        baseline = auto_baseline(rows, period, at, metric.aggregation)
    else:
        baseline = kr.baseline
    kr_type = effective_type(kr, baseline)
    current = None if reading is None else reading.value
    data_as_of = None if reading is None else reading.period_start
    checkin = latest_checkin(kr, at)
    confidence = None if checkin is None else checkin.confidence
    p = progress(current, baseline, kr.target, kr_type)
    expected = expected_progress(period.start, period.end, as_of)
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
        "stale": is_stale(data_as_of, at, metric.grain),
    }
    return _scored(row, p, preset, expected, status(p, expected, kr_type, confidence=confidence))


def _checkin_kr_row(
    row: dict[str, Any], kr: KeyResult, period: Period, as_of: date, preset: str
) -> dict[str, Any]:
    """A KR fed by check-ins: a milestone (0 → 1 unless declared) or a manual numeric KR."""
    kr_type = kr.kr_type
    checkin = latest_checkin(kr, graded_at(period, as_of))
    declared_baseline = kr.baseline if isinstance(kr.baseline, float) else None
    target: float | None
    baseline: float | None
    if kr_type == "milestone":
        target = 1.0 if kr.target is None else kr.target
        baseline = 0.0 if declared_baseline is None else declared_baseline
    else:
        target, baseline = kr.target, declared_baseline
    current = None if checkin is None else checkin.value
    confidence = None if checkin is None else checkin.confidence
    p = progress(current, baseline, target, kr_type)
    expected = expected_progress(period.start, period.end, as_of)
    binary = kr_type == "milestone" and target == 1.0 and baseline == 0.0
    row |= {
        "type": kr_type,
        "baseline": baseline,
        "target": target,
        "current": current,
        "current_period": None if checkin is None else checkin.date,
        "confidence": confidence,
        "data_as_of": None if checkin is None else checkin.date,
        # Check-ins declare no update frequency to be stale against.
        "stale": False,
    }
    state = status(p, expected, kr_type, confidence=confidence, binary_milestone=binary)
    return _scored(row, p, preset, expected, state)


def _rolled_up_row(
    row: dict[str, Any],
    period: Period,
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
        "stale": any(r["stale"] for r in inputs),
        "rolled_up_from": tuple(child_ids),
    }
    expected = expected_progress(period.start, period.end, as_of)
    return _scored(row, p, preset, expected, worst_status(c.status for c in children))


def _frame(records: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A frame with float64 columns (NaN when absent) and object columns (None when absent)."""

    def dtype(c: str) -> str:
        if c in FLOAT_COLUMNS:
            return "float64"
        return {"stale": "bool", "n_key_results": "int64", "n_scored": "int64"}.get(c, "object")

    return pd.DataFrame(
        {c: pd.Series([r[c] for r in records], dtype=dtype(c)) for c in columns},
        columns=list(columns),
    )


def key_result_scores(
    okrs: OkrSet,
    catalog: MetricCatalog,
    series: pd.DataFrame,
    as_of: date,
    period: str | None = None,
) -> pd.DataFrame:
    """One row per key result (of `period`, or all periods when None), scored at as_of.

    Columns `KR_COLUMNS`, rows in okrs.yaml order. ``progress`` is raw, ``progress_clamped``
    in [0, 1]; ``band`` classifies the raw value with ``okrs.band_preset``. A KR with a metric
    reads ``current`` with `value_at` and ``baseline: auto`` with `auto_baseline`; a KR
    without one is fed by its check-ins; a parent KR with neither is rolled up from its child
    objectives (``rolled_up_from``). Every objective is scored, whatever `period`, so that
    parents can roll up children of any period.

    Raises OkrlensError for a metric missing from the catalog or an unknown period, and
    TelescopingCycleError (a ValueError) when parent_kr links form a cycle.
    """
    _check_inputs(okrs, series, period)
    okrs.check_metrics(catalog)
    by_metric = {str(name): rows for name, rows in series.groupby("metric", sort=False)}
    no_rows = series.iloc[0:0]
    children = _child_objectives(okrs)
    kr_rows: dict[str, list[dict[str, Any]]] = {}
    summaries: dict[str, ObjectiveSummary] = {}
    for o in children_first(okrs):
        cycle = okrs.period(o.period)
        rows = []
        for kr in o.key_results:
            row = _base_row(o, kr, as_of)
            if kr.metric is not None:
                metric_rows = by_metric.get(kr.metric, no_rows)
                rows.append(
                    _metric_kr_row(row, kr, cycle, catalog, metric_rows, as_of, okrs.band_preset)
                )
            elif is_rolled_up(kr, children):
                child_ids = [c.id for c in children[kr.id]]
                rows.append(
                    _rolled_up_row(
                        row, cycle, child_ids, summaries, kr_rows, as_of, okrs.band_preset
                    )
                )
            else:
                rows.append(_checkin_kr_row(row, kr, cycle, as_of, okrs.band_preset))
        kr_rows[o.id] = rows
        summaries[o.id] = summarize_objective(rows)
    records = [
        r for o in okrs.objectives if period is None or o.period == period for r in kr_rows[o.id]
    ]
    return _frame(records, KR_COLUMNS)


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
    return _frame(records, OBJECTIVE_COLUMNS)
