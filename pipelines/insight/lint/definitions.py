"""Key-result definition rules, KR001–KR006: what okrs.yaml must state for a KR to be scored.

A baseline and a target for increase/decrease KRs, something that measures the KR, metrics
that metrics.yaml defines, a target apart from the baseline, and a type that moves the metric
the way its ``direction`` calls better.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipelines.insight.lint.context import INTERPOLATED, LintContext
from pipelines.insight.lint.figures import shown
from pipelines.insight.lint.rule import Hit

# The metric direction each KR type needs: an increase KR is only good news on "higher".
DIRECTION_OF_TYPE: dict[str, str] = {
    "increase": "higher",
    "stay_above": "higher",
    "decrease": "lower",
    "stay_below": "lower",
}


def missing_baseline_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR001: increase/decrease KRs with no baseline, or `auto` with no data to read it from."""
    for v in ctx.krs:
        if v.rolled_up or v.kr_type not in INTERPOLATED or v.baseline is not None:
            continue
        if v.kr.baseline == "auto":
            message = (
                f"KR {v.kr.id} has baseline: auto, but {v.label} has no data at the start of "
                f"{v.objective.period}: load data from before "
                f"{v.period.start if v.period else 'the period'} or declare the baseline as a "
                "number"
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
