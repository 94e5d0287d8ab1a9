"""Key-result quality rules, KR007–KR009: vanity metrics, outputs, milestones without confidence.

KR008 and KR009 point an output (a launch, a milestone) at an initiative serving an outcome key
result (pipelines.okrs.initiatives), where its expected effect is stated and ranked.

KR007 flags a KR on a vanity metric, a login count or a running total by its definition (see
`pipelines.insight.lint.catalog`), says when the data shows the total only grew, and suggests
metrics of the same kind that are not vanity metrics.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipelines.insight.lint.catalog import (
    alternatives,
    login_count_evidence,
    only_grew,
    running_total_evidence,
)
from pipelines.insight.lint.context import LintContext
from pipelines.insight.lint.rule import Hit

OUTPUT_VERBS = re.compile(
    r"\b(launch|ship|release|build|deliver|implement|complete|finish|roll ?out|migrate)\b"
)


def vanity_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR007: KRs on a running total, or on a metric that counts logins, sessions or page views."""
    for v in ctx.krs:
        if v.metric is None:
            continue
        logins = login_count_evidence(v.metric)
        total = running_total_evidence(v.metric)
        if logins is not None:
            reason = (
                f"counts logins/sessions/page views ({logins}), which rise with the user base "
                "rather than with the value users get"
            )
        elif total is not None:
            grew = only_grew(v.metric, ctx.histories.get(v.metric.name, v.history))
            reason = f"is a running total ({total}), which rises whatever the team does" + (
                f": it only grew in {grew}" if grew else ""
            )
        else:
            continue
        better = alternatives(
            ctx, v.metric.kind, {v.metric.name}, "distinct" if logins else "ratio"
        )
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
            f"KR {v.kr.id} ({v.kr.title!r}) is an output, not an outcome: an output belongs in "
            "an initiative (initiatives.yaml) that serves an outcome key result; rephrase the "
            f"KR as the behaviour change the {match.group(1)} should cause, with a metric, e.g. "
            f"'raise {alternatives(ctx, 'leading', set())} from … to …'",
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
                "probability of success) to each check-in; if the milestone is an output, it "
                "belongs in an initiative (initiatives.yaml) that serves an outcome key result",
            )
