"""Key-result quality rules, KR007–KR009: vanity metrics, outputs, milestones without confidence.

KR007 flags a KR on a vanity metric (see `pipelines.insight.lint.catalog`) and suggests
metrics of the same kind that are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipelines.insight.lint.catalog import alternatives, vanity_reason
from pipelines.insight.lint.context import LintContext
from pipelines.insight.lint.rule import Hit

OUTPUT_VERBS = re.compile(
    r"\b(launch|ship|release|build|deliver|implement|complete|finish|roll ?out|migrate)\b"
)


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
