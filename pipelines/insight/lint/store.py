"""Store rules, KR014: what the stored events say about the metric a key result is scored on.

A metric whose filter names a property, a value or an event name that no stored event has
counts 0 every period without a word, and its key result reads 0 %, "missed". Given the store's
vocabulary (`lint(..., vocabulary=...)`), KR014 names what is unseen and the names the store
does hold; without it, or with no events stored yet, there is nothing to check against.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipelines.insight.lint.context import LintContext
from pipelines.insight.lint.rule import Hit
from pipelines.metrics.vocabulary import unseen_names


def unseen_name_hits(ctx: LintContext) -> Iterator[Hit]:
    """KR014: KRs whose metric or counter-metric filters on names no stored event has."""
    if ctx.vocabulary is None:
        return
    for v in ctx.krs:
        for role, name in (("metric", v.kr.metric), ("counter_metric", v.kr.counter_metric)):
            metric = ctx.metric(name)
            if metric is None:
                continue  # KR004 says so
            for unseen in unseen_names(metric, ctx.vocabulary, ctx.catalog):
                yield Hit(
                    v.objective.id,
                    v.kr.id,
                    f"KR {v.kr.id}'s {role} {metric.name} filters on what no stored event has: "
                    f"{unseen}. Correct its filter (Define metrics page or metrics.yaml), or "
                    "upload the export that has it",
                )
