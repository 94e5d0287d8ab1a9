"""KR lint: objectives and key results checked against OKR practice and against the data.

`lint` runs every rule of `RULES` (or the subset passed as ``rules``) over all objectives and
key results of an OKR set, at an as-of date, and returns one row per finding: ``code``,
``severity``, ``objective_id``, ``kr_id`` (None for an objective-level finding) and
``message``, one line saying what is wrong, with the numbers, and what to do about it.

| code | severity | finds |
|---|---|---|
| OBJ001 | warning | an objective with fewer than 3 or more than 5 key results |
| OBJ002 | warning | a team with more than one objective in the same period |
| OBJ003 | warning | an objective whose metric KRs are all lagging: no early signal |
| OBJ004 | warning | an objective whose metric KRs are all leading: no business outcome |
| OBJ005 | error | an objective without a deadline: its period is missing or unknown |
| KR001 | error | an increase/decrease KR without a baseline (or `auto` with no data) |
| KR002 | error | a KR without a target |
| KR003 | error | a KR with no metric, no check-ins and no child objective: nothing measures it |
| KR004 | error | a KR whose metric or counter-metric is not in metrics.yaml |
| KR005 | error | a KR whose target equals its baseline (also `baseline: auto` resolving to it) |
| KR006 | error | a KR moving its metric the wrong way for the metric's direction |
| KR007 | warning | a vanity metric: a total that only grows, or logins / sessions / page views |
| KR008 | warning | an output KR (launch, ship, build …) with no metric instead of an outcome |
| KR009 | warning | a milestone KR whose check-ins state no confidence (probability of success) |
| KR010 | warning | a declared baseline more than 20 % away from the data at period start |
| KR011 | warning | a sandbagged target, already reached in ≥ 3 of the last 4 earlier periods |
| KR012 | warning | a fantasy target, beyond 1.5 × the largest change the history shows |
| KR013 | warning | a target change smaller than the metric's noise over the period |

How the data rules decide (increase and decrease KRs with a metric; stay_above / stay_below
guardrails are meant to be held, so sandbagging, fantasy and noise do not apply to them):

- History: the metric's complete, non-missing periods that were over by the KR's grading date
  (`graded_at`: as_of, or the period's end once it is over).
- Baseline: the declared number, or for ``baseline: auto`` scoring's `auto_baseline` (the value
  known the day before the period starts). KR010 compares a declared baseline with
  `auto_baseline`: ``|declared − data| / |data| > 20 %``.
- Window: the KR period's length in days (end inclusive); ``steps`` = that length in metric
  grains (day 1, week 7, month 31, quarter 92 days), rounded, at least 1.
- KR007, cumulative: ≥ 8 complete periods, no period-to-period decrease, at least one rise.
  By name: the metric's name, label or filter mentions logins, sessions started, page views
  or visits.
- KR011, sandbagging: the 4 windows of the period's length just before the period start. A
  window's value is its last value for a snapshot metric (aggregation ``last``) and the mean
  of its periods for a flow (count, sum, average, ratio …): one week of a flow is too noisy to
  say "already reached". A window needs at least half its periods in the data; a window
  without data counts as not reached. Flagged when the target was reached (increase:
  value ≥ target; decrease: value ≤ target) in ≥ 3 of the 4.
- KR012, fantasy: every change over ``steps`` consecutive periods of the history (pairs with
  a gap in the data are skipped); the history must span at least two KR periods
  (``2 × steps + 1`` points), else overlapping windows are nearly one sample. Flagged when the required change
  ``|target − baseline|`` exceeds 1.5 × the largest change in the KR's direction (or the
  metric never moved that way). The maximum, not the 99th percentile: histories hold tens of
  windows, where the 99th percentile is the maximum anyway. Changes already shown inside the
  period count as support.
- KR013, noise: at least 8 history periods. A snapshot metric wanders like a random walk, so
  its noise over the period is the standard deviation of its period-to-period differences
  × √steps. A flow is a level plus independent noise per period, and a KR compares one
  period's reading at the start with one at the end, so its noise is the standard deviation
  of the residuals around a linear trend × √2 (√steps would overstate it, the noise does not
  accumulate). Flagged when ``|target − baseline| < 1 × noise``: the result could not be told
  from chance within the period.
- OBJ003 / OBJ004: an objective's own KRs with a known metric, if any. A leading KR in an
  objective telescoped from one of its KRs (a child, at any depth) counts as an early signal;
  a lagging KR in the objective its ``parent_kr`` belongs to (at any height) counts as the
  business outcome.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from pipelines.errors import OkrlensError
from pipelines.metrics.spec import Metric, MetricCatalog
from pipelines.okrs.scoring import (
    GRAIN_DAYS,
    SERIES_COLUMNS,
    auto_baseline,
    effective_type,
    graded_at,
    is_rolled_up,
    value_at,
)
from pipelines.okrs.spec import KeyResult, Objective, OkrSet, Period

Severity = Literal["error", "warning", "info"]
FINDING_COLUMNS: tuple[str, ...] = ("code", "severity", "objective_id", "kr_id", "message")

# OKR practice: 3–5 key results measure an objective without diluting it.
MIN_KRS = 3
MAX_KRS = 5
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
# Fewer points than this say nothing about a trend or a spread.
MIN_POINTS = 8
SUGGESTIONS = 2

INTERPOLATED = ("increase", "decrease")
# The metric direction each KR type needs: an increase KR is only good news on "higher".
DIRECTION_OF_TYPE: dict[str, str] = {
    "increase": "higher",
    "stay_above": "higher",
    "decrease": "lower",
    "stay_below": "lower",
}
VANITY_WORDS = re.compile(r"\blog ?ins?\b|\bsessions? started\b|\bpage ?views?\b|\bvisits?\b")
OUTPUT_VERBS = re.compile(
    r"\b(launch|ship|release|build|deliver|implement|complete|finish|roll ?out|migrate)\b"
)


@dataclass(frozen=True)
class Finding:
    """One problem with an objective or key result, and what to do about it."""

    code: str
    severity: Severity
    objective_id: str
    kr_id: str | None
    message: str


class Hit(NamedTuple):
    """Where a rule found a problem and its message; the rule adds code and severity."""

    objective_id: str
    kr_id: str | None
    message: str


@dataclass(frozen=True)
class KrView:
    """A key result with everything the rules read: its period, metric, data and baseline."""

    objective: Objective
    kr: KeyResult
    period: Period | None
    metric: Metric | None
    # Every row of the metric's series, and its complete periods over by the grading date.
    rows: pd.DataFrame
    history: pd.DataFrame
    baseline: float | None
    target: float | None
    kr_type: str
    rolled_up: bool

    @property
    def label(self) -> str:
        """The metric's display label, or the KR id when it has no metric."""
        return self.metric.display_label if self.metric is not None else self.kr.id

    @property
    def unit(self) -> str:
        """The metric's unit, '' without a metric."""
        return self.metric.unit if self.metric is not None else ""


@dataclass(frozen=True)
class LintContext:
    """The OKR set, catalog and data a rule reads, with every key result prepared once."""

    okrs: OkrSet
    catalog: MetricCatalog
    as_of: date
    krs: tuple[KrView, ...]
    # Metric histories known at as_of, by metric name, for catalog-wide questions.
    histories: dict[str, pd.DataFrame] = field(default_factory=dict)

    def period_of(self, o: Objective) -> Period | None:
        """The objective's period, None when it names no known period."""
        return next((p for p in self.okrs.periods if p.name == o.period), None)

    def children(self) -> dict[str, list[Objective]]:
        """Objectives telescoped from each key result, by parent KR id."""
        out: dict[str, list[Objective]] = {}
        for o in self.okrs.objectives:
            if o.parent_kr is not None:
                out.setdefault(o.parent_kr, []).append(o)
        return out

    def owner(self, kr_id: str) -> Objective | None:
        """The objective holding key result kr_id."""
        return next(
            (o for o in self.okrs.objectives if any(k.id == kr_id for k in o.key_results)), None
        )

    def metric(self, name: str | None) -> Metric | None:
        """The catalog metric called name, None when absent or unknown."""
        return next((m for m in self.catalog.metrics if m.name == name), None)


Check = Callable[[LintContext], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """One lint check: a stable code, its severity, a one-line summary and the check."""

    code: str
    severity: Severity
    summary: str
    check: Check

    def findings(self, ctx: LintContext) -> list[Finding]:
        """The findings of this rule in ctx."""
        return [
            Finding(self.code, self.severity, h.objective_id, h.kr_id, h.message)
            for h in self.check(ctx)
        ]


# --- numbers in messages -------------------------------------------------------------------


def shown(x: float, unit: str = "") -> str:
    """x for a message: a percentage for % metrics, else a number with thousands separators."""
    if unit == "%":
        return f"{x * 100:.3g}%"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:,.1f}".removesuffix(".0")
    return f"{x:.3g}"


def shown_change(x: float, unit: str = "") -> str:
    """A signed change for a message; percentage points for % metrics."""
    sign = "+" if x >= 0 else "−"
    if unit == "%":
        return f"{sign}{abs(x) * 100:.3g} pts"
    return sign + shown(abs(x), unit)


# --- data helpers ---------------------------------------------------------------------------


def known_history(rows: pd.DataFrame, cutoff: date) -> pd.DataFrame:
    """The complete, non-missing rows of one metric whose period was over by cutoff, oldest first."""
    over = rows["period_end"] <= pd.Timestamp(cutoff) + pd.Timedelta(days=1)
    keep = rows["complete"].fillna(False).astype(bool) & over & rows["value"].notna()
    return rows[keep].sort_values("period_start", kind="stable")


def period_days(period: Period) -> int:
    """The period's length in days, both ends included."""
    return (period.end - period.start).days + 1


def steps_per_period(period: Period, metric: Metric) -> int:
    """How many metric grains fit in the period, rounded, at least 1."""
    return max(1, round(period_days(period) / GRAIN_DAYS[metric.grain]))


def window_changes(history: pd.DataFrame, steps: int, metric: Metric) -> np.ndarray:
    """Every change of the metric over `steps` consecutive periods, skipping gaps in the data."""
    values = history["value"].to_numpy(dtype=float)
    if len(values) <= steps:
        return np.array([], dtype=float)
    starts = pd.to_datetime(history["period_start"]).to_numpy()
    spans = (starts[steps:] - starts[:-steps]) / np.timedelta64(1, "D")
    # A pair spanning more than steps + 1 grains has a missing period between its ends.
    contiguous = spans <= (steps + 1) * GRAIN_DAYS[metric.grain] - 1
    return np.asarray((values[steps:] - values[:-steps])[contiguous], dtype=float)


def period_noise(history: pd.DataFrame, steps: int, metric: Metric) -> float | None:
    """The metric's chance change over one KR period (see the module docstring); None if unsure."""
    values = history["value"].to_numpy(dtype=float)
    if len(values) < MIN_POINTS:
        return None
    if metric.aggregation == "last":
        return float(np.std(np.diff(values), ddof=1) * math.sqrt(steps))
    x = np.arange(len(values), dtype=float)
    slope, intercept = np.polyfit(x, values, 1)
    residuals = values - (slope * x + intercept)
    return float(np.std(residuals, ddof=2) * math.sqrt(2))


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
    expected = max(1, round(((end - start).days + 1) / GRAIN_DAYS[metric.grain]))
    if len(inside) < max(1, expected // 2):
        return None
    if metric.aggregation == "last":
        reading = value_at(inside, end, "last")
        return None if reading is None else reading.value
    return float(inside["value"].mean())


def reached(value: float, target: float, kr_type: str) -> bool:
    """True when value is at or beyond target in the KR's direction."""
    return value >= target if kr_type == "increase" else value <= target


def vanity_reason(metric: Metric, history: pd.DataFrame) -> str | None:
    """Why the metric is a vanity metric (a phrase for a message), None when it is not."""
    words = " ".join([metric.name, metric.label, metric.filter or ""]).lower()
    if VANITY_WORDS.search(re.sub(r"[^a-z0-9]+", " ", words)):
        source = f", filter {metric.filter}" if metric.filter else ""
        return (
            f"counts logins/sessions/page views ({metric.name}{source}), which rise with the "
            "user base rather than with the value users get"
        )
    values = history["value"].to_numpy(dtype=float)
    steps = np.diff(values)
    if len(values) >= MIN_POINTS and (steps >= 0).all() and (steps > 0).any():
        return (
            f"only grew in all {len(values)} complete {metric.grain}s of data "
            f"({shown(values[0], metric.unit)} → {shown(values[-1], metric.unit)}): "
            "a running total rises whatever the team does"
        )
    return None


def alternatives(ctx: LintContext, kind: str, exclude: set[str], prefer: str = "ratio") -> str:
    """Up to two catalog metrics of `kind` to suggest, rates (or distinct counts) first."""

    def rank(m: Metric) -> int:
        if prefer == "distinct":
            return 0 if m.aggregation == "count_distinct" else 1 if m.ratio else 2
        return 0 if m.ratio else 1 if m.aggregation == "count_distinct" else 2

    empty = pd.DataFrame(columns=list(SERIES_COLUMNS))
    pool = [
        m
        for m in ctx.catalog.metrics
        if m.kind == kind
        and m.name not in exclude
        and vanity_reason(m, ctx.histories.get(m.name, empty)) is None
    ]
    picked = sorted(pool, key=rank)[:SUGGESTIONS]
    if not picked:
        return f"a {kind} rate" if kind == "leading" else "a revenue or retention metric"
    return " or ".join(f"{m.display_label} ({m.name})" for m in picked)


def metric_views(ctx: LintContext) -> Iterator[KrView]:
    """Increase/decrease KRs with a known metric, a period, a baseline and a target apart."""
    for v in ctx.krs:
        if (
            v.metric is not None
            and v.period is not None
            and v.kr_type in INTERPOLATED
            and v.baseline is not None
            and v.target is not None
            and v.baseline != v.target
        ):
            yield v


# --- objective rules ------------------------------------------------------------------------


def kr_count_hits(ctx: LintContext) -> Iterator[Hit]:
    """OBJ001: objectives with fewer than 3 or more than 5 key results."""
    for o in ctx.okrs.objectives:
        n = len(o.key_results)
        if n < MIN_KRS:
            used = {str(k.metric) for k in o.key_results}
            yield Hit(
                o.id,
                None,
                f"objective {o.id} has {n} key result{'s' if n != 1 else ''}; 3–5 measure an "
                f"objective without diluting it: add {MIN_KRS - n}, e.g. a KR on "
                f"{alternatives(ctx, 'leading', used)}",
            )
        elif n > MAX_KRS:
            yield Hit(
                o.id,
                None,
                f"objective {o.id} has {n} key results; more than {MAX_KRS} dilute focus: keep "
                f"the {MAX_KRS} that matter most and drop the other {n - MAX_KRS} or move them to "
                "a team objective (parent_kr)",
            )


def extra_objective_hits(ctx: LintContext) -> Iterator[Hit]:
    """OBJ002: every objective of a team that has more than one in the same period."""
    groups: dict[tuple[str, str], list[str]] = {}
    for o in ctx.okrs.objectives:
        groups.setdefault((o.team, o.period), []).append(o.id)
    for (team, period), ids in groups.items():
        if len(ids) < 2:
            continue
        for oid in ids:
            yield Hit(
                oid,
                None,
                f"team {team} has {len(ids)} objectives in {period} ({', '.join(ids)}); a team "
                "should have one: merge them into one objective with 3–5 key results",
            )


def own_kinds(ctx: LintContext, o: Objective) -> list[str]:
    """The kinds (leading/lagging) of the objective's KRs with a known metric."""
    return [m.kind for k in o.key_results if (m := ctx.metric(k.metric)) is not None]


def descendant_kinds(ctx: LintContext, o: Objective) -> set[str]:
    """Kinds of the KRs of every objective telescoped from o's key results, at any depth."""
    children = ctx.children()
    seen: set[str] = {o.id}
    kinds: set[str] = set()
    stack = [c for k in o.key_results for c in children.get(k.id, [])]
    while stack:
        child = stack.pop()
        if child.id in seen:
            continue
        seen.add(child.id)
        kinds |= set(own_kinds(ctx, child))
        stack += [c for k in child.key_results for c in children.get(k.id, [])]
    return kinds


def ancestor_kinds(ctx: LintContext, o: Objective) -> set[str]:
    """Kinds of the KRs of the objectives o telescopes from (parent_kr), at any height."""
    seen: set[str] = {o.id}
    kinds: set[str] = set()
    parent = ctx.owner(o.parent_kr) if o.parent_kr else None
    while parent is not None and parent.id not in seen:
        seen.add(parent.id)
        kinds |= set(own_kinds(ctx, parent))
        parent = ctx.owner(parent.parent_kr) if parent.parent_kr else None
    return kinds


def lagging_only_hits(ctx: LintContext) -> Iterator[Hit]:
    """OBJ003: objectives whose metric KRs are all lagging, with no leading KR below them."""
    for o in ctx.okrs.objectives:
        kinds = own_kinds(ctx, o)
        if kinds and set(kinds) == {"lagging"} and "leading" not in descendant_kinds(ctx, o):
            used = {str(k.metric) for k in o.key_results}
            yield Hit(
                o.id,
                None,
                f"objective {o.id}: all {len(kinds)} metric key results are lagging, so progress "
                "shows only weeks after the work: add a leading KR such as "
                f"{alternatives(ctx, 'leading', used)}",
            )


def leading_only_hits(ctx: LintContext) -> Iterator[Hit]:
    """OBJ004: objectives whose metric KRs are all leading, with no lagging KR above them."""
    for o in ctx.okrs.objectives:
        kinds = own_kinds(ctx, o)
        if kinds and set(kinds) == {"leading"} and "lagging" not in ancestor_kinds(ctx, o):
            used = {str(k.metric) for k in o.key_results}
            yield Hit(
                o.id,
                None,
                f"objective {o.id}: all {len(kinds)} metric key results are leading, none shows "
                "the business outcome: add a lagging KR such as "
                f"{alternatives(ctx, 'lagging', used)}, or telescope this objective from a "
                "business KR (parent_kr)",
            )


def missing_period_hits(ctx: LintContext) -> Iterator[Hit]:
    """OBJ005: objectives whose period is missing or not declared under periods."""
    names = [p.name for p in ctx.okrs.periods]
    for o in ctx.okrs.objectives:
        if ctx.period_of(o) is None:
            yield Hit(
                o.id,
                None,
                f"objective {o.id} has no deadline: period {o.period!r} is not declared; set "
                f"period to one of {', '.join(names) or '(none: add one under periods)'}",
            )


# --- key-result definition rules ------------------------------------------------------------


def missing_baseline_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR001: increase/decrease KRs with no baseline, or `auto` with no data to read it from."""
    for v in ctx.krs:
        if v.rolled_up or v.kr_type not in INTERPOLATED or v.baseline is not None:
            continue
        if v.kr.baseline == "auto":
            message = (
                f"KR {v.kr.id} has baseline: auto, but {v.label} has no data at the start of "
                f"{v.objective.period}: load data from before {v.period.start if v.period else 'the period'} "
                "or declare the baseline as a number"
            )
        else:
            message = (
                f"KR {v.kr.id} has no baseline, so its progress cannot be computed: add "
                "`baseline: auto` to read it from the data at period start, or declare the number"
            )
        yield Hit(v.objective.id, v.kr.id, message)


def missing_target_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR002: key results other than milestones and roll-ups that declare no target."""
    for v in ctx.krs:
        if not v.rolled_up and v.kr_type != "milestone" and v.kr.target is None:
            yield Hit(
                v.objective.id,
                v.kr.id,
                f"KR {v.kr.id} has no target: add the value {v.label} should reach by the end "
                f"of {v.objective.period}",
            )


def missing_metric_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR003: KRs with no metric, no check-ins and no child objective to roll up from."""
    for v in ctx.krs:
        if v.kr.metric is None and not v.kr.checkins and not v.rolled_up:
            yield Hit(
                v.objective.id,
                v.kr.id,
                f"KR {v.kr.id} has no metric, no check-ins and no child objective, so nothing "
                "measures it: give it a metric from metrics.yaml, check in its progress with a "
                f"confidence, or telescope it into a team objective (parent_kr: {v.kr.id})",
            )


def unknown_metric_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR004: KRs whose metric or counter-metric metrics.yaml does not define."""
    known = sorted(m.name for m in ctx.catalog.metrics)
    for v in ctx.krs:
        for role, name in (("metric", v.kr.metric), ("counter_metric", v.kr.counter_metric)):
            if name is not None and ctx.metric(name) is None:
                yield Hit(
                    v.objective.id,
                    v.kr.id,
                    f"KR {v.kr.id} uses {role} {name!r}, which metrics.yaml does not define: "
                    f"define it or use one of {', '.join(known) or '(none yet)'}",
                )


def resolved_target(kr: KeyResult, kr_type: str) -> float | None:
    """The target scoring uses: declared, or 1 for a milestone (done)."""
    if kr_type == "milestone" and kr.target is None:
        return 1.0
    return kr.target


def target_equals_baseline_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR005: KRs whose (resolved) target equals their (resolved) baseline."""
    for v in ctx.krs:
        if v.rolled_up or v.kr_type not in (*INTERPOLATED, "milestone"):
            continue
        if v.baseline is None or v.target is None or v.baseline != v.target:
            continue
        source = (
            f"baseline: auto reads {shown(v.baseline, v.unit)} from the data at the start of "
            f"{v.objective.period}, the target itself"
            if v.kr.baseline == "auto"
            else f"baseline and target are both {shown(v.baseline, v.unit)}"
        )
        yield Hit(
            v.objective.id,
            v.kr.id,
            f"KR {v.kr.id}: {source}, so there is nothing to move and progress is undefined: "
            "set a target beyond the baseline, or make it a stay_above / stay_below guardrail",
        )


def wrong_direction_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR006: KRs moving their metric against its direction, or against their declared type."""
    for v in ctx.krs:
        if v.metric is None or v.kr_type not in DIRECTION_OF_TYPE:
            continue
        kr, unit = v.kr, v.unit
        if (
            kr.type in INTERPOLATED
            and v.baseline is not None
            and kr.target is not None
            and v.baseline != kr.target
            and (kr.target > v.baseline) != (kr.type == "increase")
        ):
            side = "below" if kr.type == "increase" else "above"
            yield Hit(
                v.objective.id,
                kr.id,
                f"KR {kr.id} is declared {kr.type} but its target {shown(kr.target, unit)} is "
                f"{side} the baseline {shown(v.baseline, unit)} read from the data: fix the "
                "target, or the type",
            )
            continue
        wanted = DIRECTION_OF_TYPE[v.kr_type]
        if v.metric.direction == wanted:
            continue
        moves = (
            f"from {shown(v.baseline, unit)} to {shown(kr.target, unit)}"
            if v.baseline is not None and kr.target is not None
            else f"(target {shown(kr.target, unit)})"
            if kr.target is not None
            else ""
        )
        fix = {
            "increase": "set the target below the baseline (a decrease KR)",
            "decrease": "set the target above the baseline (an increase KR)",
            "stay_above": "use type stay_below",
            "stay_below": "use type stay_above",
        }[v.kr_type]
        yield Hit(
            v.objective.id,
            kr.id,
            f"KR {kr.id} is a {v.kr_type} KR {moves} on {v.metric.name}, but "
            f"{v.metric.direction} is better for that metric: {fix}, or correct `direction` "
            "in metrics.yaml",
        )


# --- key-result quality rules ---------------------------------------------------------------


def vanity_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR007: KRs on a metric that only grows, or that counts logins, sessions or page views."""
    for v in ctx.krs:
        if v.metric is None:
            continue
        reason = vanity_reason(v.metric, ctx.histories.get(v.metric.name, v.history))
        if reason is None:
            continue
        logins = reason.startswith("counts logins")
        prefer = "distinct" if logins else "ratio"
        better = alternatives(ctx, v.metric.kind, {v.metric.name}, prefer)
        yield Hit(
            v.objective.id,
            v.kr.id,
            f"KR {v.kr.id} is a vanity KR: {v.label} {reason}; measure what users achieve "
            f"instead, e.g. {better}",
        )


def output_kr_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR008: KRs without a metric whose title is an output (launch, ship, build …)."""
    for v in ctx.krs:
        match = OUTPUT_VERBS.search(v.kr.title.lower())
        if v.kr.metric is not None or match is None:
            continue
        yield Hit(
            v.objective.id,
            v.kr.id,
            f"KR {v.kr.id} ({v.kr.title!r}) is an output, not an outcome: rephrase it as the "
            f"behaviour change the {match.group(1)} should cause, with a metric, e.g. 'raise "
            f"{alternatives(ctx, 'leading', set())} from … to …'",
        )


def milestone_confidence_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR009: milestones with check-ins, none of which states a confidence."""
    for v in ctx.krs:
        if v.kr_type != "milestone" or v.rolled_up or v.kr.metric is not None:
            continue
        if v.kr.checkins and all(c.confidence is None for c in v.kr.checkins):
            n = len(v.kr.checkins)
            yield Hit(
                v.objective.id,
                v.kr.id,
                f"milestone KR {v.kr.id} has {n} check-in{'s' if n != 1 else ''} but none states "
                "a confidence, so it reads 0 % until done: add `confidence:` (0–1, the "
                "probability of success) to each check-in",
            )


# --- key-result data rules ------------------------------------------------------------------


def baseline_disagreement_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR010: declared baselines more than 20 % away from the metric at period start."""
    for v in metric_views(ctx):
        if not isinstance(v.kr.baseline, float):
            continue
        assert v.period is not None and v.metric is not None
        at = graded_at(v.period, ctx.as_of)
        data = auto_baseline(v.rows, v.period, at, v.metric.aggregation)
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
    for v in metric_views(ctx):
        assert v.period is not None and v.metric is not None and v.target is not None
        values = [window_value(v.history, w, v.metric) for w in earlier_windows(v.period)]
        seen = [x for x in values if x is not None]
        hits = sum(reached(x, v.target, v.kr_type) for x in seen)
        if hits < SANDBAG_HITS:
            continue
        best = max(seen) if v.kr_type == "increase" else min(seen)
        how = "value at the end" if v.metric.aggregation == "last" else "mean"
        listed = ", ".join("no data" if x is None else shown(x, v.unit) for x in values)
        beyond = "above" if v.kr_type == "increase" else "below"
        yield Hit(
            v.objective.id,
            v.kr.id,
            f"KR {v.kr.id}: target {shown(v.target, v.unit)} was already reached in {hits} of "
            f"the last {SANDBAG_WINDOWS} {period_days(v.period)}-day windows before "
            f"{v.objective.period} ({how}, newest first: {listed}): a sandbagged target; set it "
            f"{beyond} {shown(best, v.unit)}, the best of those windows",
        )


def fantasy_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR012: required changes beyond 1.5 × the largest change the history shows."""
    for v in metric_views(ctx):
        assert v.period is not None and v.metric is not None
        assert v.baseline is not None and v.target is not None
        steps = steps_per_period(v.period, v.metric)
        if len(v.history) < MIN_HISTORY_PERIODS * steps + 1:
            continue
        changes = window_changes(v.history, steps, v.metric)
        if len(changes) == 0:
            continue
        sign = 1.0 if v.kr_type == "increase" else -1.0
        required = sign * (v.target - v.baseline)
        largest = float(np.max(sign * changes))
        if required <= FANTASY_FACTOR * max(largest, 0.0):
            continue
        span = f"{steps}-{v.metric.grain}"
        word = "rise" if sign > 0 else "fall"
        unit = v.unit
        if largest > 0:
            fix = (
                f"aim for about {shown(v.baseline + sign * largest, unit)} (the best "
                f"{span} {word} so far) or name what makes this period different"
            )
            seen = f"the largest {span} {word} was {shown_change(sign * largest, unit)}"
        else:
            fix = "first show it can move (an experiment), then set the target"
            seen = f"it never showed a {span} {word}"
        yield Hit(
            v.objective.id,
            v.kr.id,
            f"KR {v.kr.id} needs {shown_change(v.target - v.baseline, unit)} in {steps} "
            f"{v.metric.grain}s ({shown(v.baseline, unit)} → {shown(v.target, unit)}), but in "
            f"{len(v.history)} {v.metric.grain}s of {v.label} {seen}: a fantasy target; {fix}",
        )


def noise_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR013: target changes smaller than the metric's noise over the period."""
    for v in metric_views(ctx):
        assert v.period is not None and v.metric is not None
        assert v.baseline is not None and v.target is not None
        steps = steps_per_period(v.period, v.metric)
        noise = period_noise(v.history, steps, v.metric)
        change = v.target - v.baseline
        if noise is None or abs(change) >= NOISE_MULTIPLE * noise:
            continue
        unit = v.unit
        basis = (
            f"{v.metric.grain}-to-{v.metric.grain} s.d. × √{steps}"
            if v.metric.aggregation == "last"
            else f"s.d. of one {v.metric.grain} around the trend × √2"
        )
        sign = 1.0 if change > 0 else -1.0
        yield Hit(
            v.objective.id,
            v.kr.id,
            f"KR {v.kr.id} moves {v.label} by {shown_change(change, unit)} "
            f"({shown(v.baseline, unit)} → {shown(v.target, unit)}), less than its noise over "
            f"the period (±{shown(noise, unit)}: {basis}), so the result cannot be "
            f"told from chance: aim for at least {shown(v.baseline + sign * 2 * noise, unit)} "
            "or track a steadier metric (a rate over more users, a multi-week average)",
        )


RULES: tuple[Rule, ...] = (
    Rule("OBJ001", "warning", "fewer than 3 or more than 5 key results", kr_count_hits),
    Rule("OBJ002", "warning", "more than one objective per team and period", extra_objective_hits),
    Rule("OBJ003", "warning", "metric KRs all lagging: no early signal", lagging_only_hits),
    Rule("OBJ004", "warning", "metric KRs all leading: no business outcome", leading_only_hits),
    Rule("OBJ005", "error", "no deadline: period missing or unknown", missing_period_hits),
    Rule("KR001", "error", "missing baseline", missing_baseline_hits),
    Rule("KR002", "error", "missing target", missing_target_hits),
    Rule("KR003", "error", "nothing measures the KR: no metric, check-in or child objective", missing_metric_hits),
    Rule("KR004", "error", "metric or counter-metric not in metrics.yaml", unknown_metric_hits),
    Rule("KR005", "error", "target equals baseline", target_equals_baseline_hits),
    Rule("KR006", "error", "KR moves its metric the wrong way", wrong_direction_hits),
    Rule("KR007", "warning", "vanity metric: an ever-growing total, or logins/page views", vanity_hits),
    Rule("KR008", "warning", "output (launch, ship …) instead of an outcome", output_kr_hits),
    Rule("KR009", "warning", "milestone without a probability of success", milestone_confidence_hits),
    Rule("KR010", "warning", "baseline disagrees with the data at period start", baseline_disagreement_hits),
    Rule("KR011", "warning", "sandbagged target: already reached in earlier periods", sandbag_hits),
    Rule("KR012", "warning", "fantasy target: beyond any change the history shows", fantasy_hits),
    Rule("KR013", "warning", "target change smaller than the metric's noise", noise_hits),
)  # fmt: skip

CODES: dict[str, str] = {r.code: r.summary for r in RULES}


# --- running the rules ----------------------------------------------------------------------


def _check_series(series: pd.DataFrame) -> None:
    missing = [c for c in SERIES_COLUMNS if c not in series.columns]
    if missing:
        raise OkrlensError(
            f"the metric series lacks column(s) {', '.join(missing)}",
            where="lint(series=...)",
            fix=f"pass the metric pipeline's output with columns {', '.join(SERIES_COLUMNS)}",
        )


def kr_view(
    o: Objective,
    kr: KeyResult,
    period: Period | None,
    metric: Metric | None,
    rows: pd.DataFrame,
    as_of: date,
    children: dict[str, list[Objective]],
) -> KrView:
    """The key result prepared for the rules: resolved baseline, type, target and history."""
    baseline: float | None = kr.baseline if isinstance(kr.baseline, float) else None
    history = rows.iloc[0:0]
    if metric is not None and period is not None:
        at = graded_at(period, as_of)
        history = known_history(rows, at)
        if kr.baseline == "auto":
            # The same rule scoring uses, so lint and the dashboard agree on the baseline.
            baseline = auto_baseline(rows, period, at, metric.aggregation)
    if kr.metric is None and kr.kr_type == "milestone" and baseline is None:
        baseline = 0.0  # scoring's default for a milestone: 0 (not started) → 1 (done)
    kr_type = effective_type(kr, baseline) if metric is not None else kr.kr_type
    return KrView(
        objective=o,
        kr=kr,
        period=period,
        metric=metric,
        rows=rows,
        history=history,
        baseline=baseline,
        target=resolved_target(kr, kr_type),
        kr_type=kr_type,
        rolled_up=is_rolled_up(kr, children),
    )


def lint_context(
    okrs: OkrSet, catalog: MetricCatalog, series: pd.DataFrame, as_of: date
) -> LintContext:
    """Every key result of okrs prepared once, with the metric histories known at as_of."""
    _check_series(series)
    by_metric = {str(name): rows for name, rows in series.groupby("metric", sort=False)}
    no_rows = series.iloc[0:0]
    bare = LintContext(okrs, catalog, as_of, ())
    children = bare.children()
    views = tuple(
        kr_view(
            o,
            kr,
            bare.period_of(o),
            bare.metric(kr.metric),
            by_metric.get(str(kr.metric), no_rows),
            as_of,
            children,
        )
        for o in okrs.objectives
        for kr in o.key_results
    )
    histories = {
        m.name: known_history(by_metric.get(m.name, no_rows), as_of) for m in catalog.metrics
    }
    return LintContext(okrs, catalog, as_of, views, histories)


def findings(
    okrs: OkrSet,
    catalog: MetricCatalog,
    series: pd.DataFrame,
    as_of: date,
    *,
    rules: Sequence[Rule] = RULES,
) -> list[Finding]:
    """Every finding of the rules, by objective (okrs.yaml order), objective-level first, then KR."""
    ctx = lint_context(okrs, catalog, series, as_of)
    found = [f for rule in rules for f in rule.findings(ctx)]
    objective_order = {o.id: i for i, o in enumerate(okrs.objectives)}
    kr_order = {v.kr.id: i for i, v in enumerate(ctx.krs)}

    def key(f: Finding) -> tuple[int, int, str]:
        return (
            objective_order.get(f.objective_id, len(objective_order)),
            -1 if f.kr_id is None else kr_order.get(f.kr_id, len(kr_order)),
            f.code,
        )

    return sorted(found, key=key)


def lint(
    okrs: OkrSet,
    catalog: MetricCatalog,
    series: pd.DataFrame,
    as_of: date,
    *,
    rules: Sequence[Rule] = RULES,
) -> pd.DataFrame:
    """Every finding for the objectives and KRs of okrs (all periods), as rows: code, severity, objective_id, kr_id, message."""
    rows = findings(okrs, catalog, series, as_of, rules=rules)
    return pd.DataFrame(
        {c: pd.Series([getattr(f, c) for f in rows], dtype="object") for c in FINDING_COLUMNS},
        columns=list(FINDING_COLUMNS),
    )
