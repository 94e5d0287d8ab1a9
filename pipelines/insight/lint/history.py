"""Key-result data rules, KR010–KR013: a KR's baseline and target checked against the history.

They judge increase and decrease KRs with a metric (`measured_krs`); stay_above / stay_below
guardrails are meant to be held, so sandbagging, fantasy and noise do not apply to them.

- History: the metric's complete, non-missing periods that were over by the KR's grading date
  (see `pipelines.insight.lint.context`).
- Baseline: the declared number, or for ``baseline: auto`` scoring's `auto_baseline` (the value
  known the day before the period starts). KR010 compares a declared baseline with
  `auto_baseline`: ``|declared − data| / |data| > 20 %``.
- Window: the KR period's length in days (end inclusive); ``steps`` = that length in metric
  grains (day 1, week 7, month 31, quarter 92 days), rounded, at least 1.
- KR011, sandbagging: the 4 windows of the period's length just before the period start. A
  window's value is its last value for a snapshot metric (aggregation ``last``) and the mean
  of its periods for a flow (count, sum, average, ratio …): one week of a flow is too noisy to
  say "already reached". A window needs at least half its periods in the data; a window
  without data counts as not reached. Flagged when the target was reached (increase:
  value ≥ target; decrease: value ≤ target) in ≥ 3 of the 4.
- KR012, fantasy: every change over ``steps`` consecutive periods of the history (pairs with
  a gap in the data are skipped); the history must span at least two KR periods
  (``2 × steps + 1`` points), else overlapping windows are nearly one sample. Flagged when the
  required change ``|target − baseline|`` exceeds 1.5 × the largest change in the KR's
  direction (or the metric never moved that way). The maximum, not the 99th percentile:
  histories hold tens of windows, where the 99th percentile is the maximum anyway. Changes
  already shown inside the period count as support.
- KR013, noise: how far the metric moves by chance over one KR period, read from its own
  history rather than from a model of it. Every change over ``steps`` consecutive periods of
  the last ``8 × steps + 1`` periods (two years for a quarterly KR on a weekly metric; pairs
  with a gap are skipped) is compared with the trend's change over a period, their mean; the
  noise is the standard deviation of those residuals. A level with independent noise of s.d.
  σ around a trend (a rate, NPS, net revenue retention) shows σ × √2, whatever the period's
  length; a metric that wanders like a random walk (MRR, whose weekly change is the noise)
  shows about its step s.d. × √steps (a little less: the history holds few independent
  periods). The data, not the aggregation, tells the two apart. It needs two KR periods of
  history (``2 × steps + 1`` points, as KR012) and at least 8 changes. Flagged when
  ``|target − baseline| < 1 × noise``: the result could not be told from chance.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, timedelta
from typing import NamedTuple

import numpy as np
import pandas as pd

from pipelines.insight.lint.context import INTERPOLATED, MIN_POINTS, KrView, LintContext
from pipelines.insight.lint.figures import shown, shown_change
from pipelines.insight.lint.rule import Hit
from pipelines.metrics.grains import GRAINS
from pipelines.metrics.spec import Metric
from pipelines.okrs.scoring import auto_baseline, graded_at, value_at
from pipelines.okrs.spec import Period

# A declared baseline this far (relative) from the data at period start is probably stale.
BASELINE_TOLERANCE = 0.20
# Sandbagging: target reached in SANDBAG_HITS of the last SANDBAG_WINDOWS earlier windows.
SANDBAG_WINDOWS = 4
SANDBAG_HITS = 3
# Fantasy: required change beyond FANTASY_FACTOR × the largest change ever shown.
FANTASY_FACTOR = 1.5
# Overlapping windows of one short history are nearly one window: ask for two periods' worth.
MIN_HISTORY_PERIODS = 2
# Noise: target change below NOISE_MULTIPLE × the noise over the period.
NOISE_MULTIPLE = 1.0
# Noise is read from the last NOISE_PERIODS KR periods (two years for a quarterly KR): recent
# enough to be today's noise. Fewer would hide a random walk's wander: from one year of weekly
# data the spread of 13-week changes is three quarters of a random walk's (median of 400
# simulated walks), from two years 0.88; a level with independent noise reads 1.0 from either.
NOISE_PERIODS = 8


class MeasuredKr(NamedTuple):
    """An increase/decrease KR with its period, metric, baseline and target, all known."""

    view: KrView
    period: Period
    metric: Metric
    baseline: float
    target: float


def measured_krs(ctx: LintContext) -> Iterator[MeasuredKr]:
    """Increase/decrease KRs with a known metric, a period, a baseline and a target apart."""
    for v in ctx.krs:
        if v.metric is None or v.period is None or v.baseline is None or v.target is None:
            continue
        if v.kr_type in INTERPOLATED and v.baseline != v.target:
            yield MeasuredKr(v, v.period, v.metric, v.baseline, v.target)


def period_days(period: Period) -> int:
    """The period's length in days, both ends included."""
    return (period.end - period.start).days + 1


def grains_in(days: int, metric: Metric) -> int:
    """How many of the metric's grains fit in days, rounded, at least 1."""
    return max(1, round(days / GRAINS[metric.grain].days))


def steps_per_period(period: Period, metric: Metric) -> int:
    """How many metric grains fit in the period, rounded, at least 1."""
    return grains_in(period_days(period), metric)


def window_changes(history: pd.DataFrame, steps: int, metric: Metric) -> np.ndarray:
    """Every change of the metric over `steps` consecutive periods, skipping gaps in the data."""
    values = history["value"].to_numpy(dtype=float)
    if len(values) <= steps:
        return np.array([], dtype=float)
    starts = pd.to_datetime(history["period_start"]).to_numpy()
    spans = (starts[steps:] - starts[:-steps]) / np.timedelta64(1, "D")
    # A pair spanning more than steps + 1 grains has a missing period between its ends.
    contiguous = spans <= (steps + 1) * GRAINS[metric.grain].days - 1
    return np.asarray((values[steps:] - values[:-steps])[contiguous], dtype=float)


def period_noise(history: pd.DataFrame, steps: int, metric: Metric) -> float | None:
    """The metric's chance change over one KR period (see the module docstring); None if unsure."""
    if len(history) < MIN_HISTORY_PERIODS * steps + 1:
        return None
    changes = window_changes(history.tail(NOISE_PERIODS * steps + 1), steps, metric)
    if len(changes) < MIN_POINTS:
        return None
    return float(np.std(changes, ddof=1))


def earlier_windows(period: Period) -> list[tuple[date, date]]:
    """The SANDBAG_WINDOWS windows of the period's length just before it, newest first."""
    length = timedelta(days=period_days(period))
    starts = [period.start - length * k for k in range(1, SANDBAG_WINDOWS + 1)]
    return [(s, s + length - timedelta(days=1)) for s in starts]


def window_value(history: pd.DataFrame, window: tuple[date, date], metric: Metric) -> float | None:
    """A window's value: last value of a snapshot, mean of a flow; None if under half covered."""
    start, end = window
    inside = history[
        (history["period_start"] >= pd.Timestamp(start))
        & (history["period_end"] <= pd.Timestamp(end) + pd.Timedelta(days=1))
    ]
    expected = grains_in((end - start).days + 1, metric)
    if len(inside) < max(1, expected // 2):
        return None
    if metric.aggregation == "last":
        reading = value_at(inside, end, "last")
        return None if reading is None else reading.value
    return float(inside["value"].mean())


def reached(value: float, target: float, kr_type: str) -> bool:
    """True when value is at or beyond target in the KR's direction."""
    return value >= target if kr_type == "increase" else value <= target


def baseline_disagreement_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR010: declared baselines more than 20 % away from the metric at period start."""
    for v, period, metric, _, _ in measured_krs(ctx):
        if not isinstance(v.kr.baseline, float):
            continue
        at = graded_at(period, ctx.as_of)
        data = auto_baseline(v.rows, period, at, metric.aggregation)
        if data is None:
            continue
        declared = v.kr.baseline
        gap = abs(declared - data) / abs(data) if data != 0 else math.inf
        if gap <= BASELINE_TOLERANCE:
            continue
        off = "" if math.isinf(gap) else f" ({gap:.0%} off)"
        yield Hit(
            v.objective.id,
            v.kr.id,
            f"KR {v.kr.id} declares baseline {shown(declared, v.unit)}, but {v.label} was "
            f"{shown(data, v.unit)} at the start of {v.objective.period}{off}: set "
            f"`baseline: {shown(data, '')}` or `baseline: auto`",
        )


def sandbag_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR011: targets already reached in ≥ 3 of the 4 windows of the same length before."""
    for v, period, metric, _, target in measured_krs(ctx):
        values = [window_value(v.history, w, metric) for w in earlier_windows(period)]
        seen = [x for x in values if x is not None]
        hits = sum(reached(x, target, v.kr_type) for x in seen)
        if hits < SANDBAG_HITS:
            continue
        best = max(seen) if v.kr_type == "increase" else min(seen)
        how = "value at the end" if metric.aggregation == "last" else "mean"
        listed = ", ".join("no data" if x is None else shown(x, v.unit) for x in values)
        beyond = "above" if v.kr_type == "increase" else "below"
        yield Hit(
            v.objective.id,
            v.kr.id,
            f"KR {v.kr.id}: target {shown(target, v.unit)} was already reached in {hits} of "
            f"the last {SANDBAG_WINDOWS} {period_days(period)}-day windows before "
            f"{v.objective.period} ({how}, newest first: {listed}): a sandbagged target; set it "
            f"{beyond} {shown(best, v.unit)}, the best of those windows",
        )


def fantasy_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR012: required changes beyond 1.5 × the largest change the history shows."""
    for v, period, metric, baseline, target in measured_krs(ctx):
        steps = steps_per_period(period, metric)
        if len(v.history) < MIN_HISTORY_PERIODS * steps + 1:
            continue
        changes = window_changes(v.history, steps, metric)
        if len(changes) == 0:
            continue
        sign = 1.0 if v.kr_type == "increase" else -1.0
        required = sign * (target - baseline)
        largest = float(np.max(sign * changes))
        if required <= FANTASY_FACTOR * max(largest, 0.0):
            continue
        span = f"{steps}-{metric.grain}"
        word = "rise" if sign > 0 else "fall"
        unit = v.unit
        if largest > 0:
            fix = (
                f"aim for about {shown(baseline + sign * largest, unit)} (the best "
                f"{span} {word} so far) or name what makes this period different"
            )
            seen = f"the largest {span} {word} was {shown_change(sign * largest, unit)}"
        else:
            fix = "first show it can move (an experiment), then set the target"
            seen = f"it never showed a {span} {word}"
        yield Hit(
            v.objective.id,
            v.kr.id,
            f"KR {v.kr.id} needs {shown_change(target - baseline, unit)} in {steps} "
            f"{metric.grain}s ({shown(baseline, unit)} → {shown(target, unit)}), but in "
            f"{len(v.history)} {metric.grain}s of {v.label} {seen}: a fantasy target; {fix}",
        )


def noise_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR013: target changes smaller than the metric's noise over the period."""
    for v, period, metric, baseline, target in measured_krs(ctx):
        steps = steps_per_period(period, metric)
        noise = period_noise(v.history, steps, metric)
        change = target - baseline
        if noise is None or abs(change) >= NOISE_MULTIPLE * noise:
            continue
        unit = v.unit
        basis = (
            f"s.d. of its {steps}-{metric.grain} changes around the trend over the last "
            f"{min(len(v.history), NOISE_PERIODS * steps + 1)} {metric.grain}s"
        )
        sign = 1.0 if change > 0 else -1.0
        yield Hit(
            v.objective.id,
            v.kr.id,
            f"KR {v.kr.id} moves {v.label} by {shown_change(change, unit)} "
            f"({shown(baseline, unit)} → {shown(target, unit)}), less than its noise over "
            f"the period (±{shown(noise, unit)}: {basis}), so the result cannot be "
            f"told from chance: aim for at least {shown(baseline + sign * 2 * noise, unit)} "
            "or track a steadier metric (a rate over more users, a multi-week average)",
        )
