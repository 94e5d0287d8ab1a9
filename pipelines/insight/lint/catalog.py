"""Catalog metrics as lint judges them: which are vanity metrics, and which to suggest instead.

A metric is a vanity metric (KR007) by its name, label or filter when they mention logins,
sessions started, page views or visits; or by its data when it has at least 8 complete periods
with no period-to-period decrease and at least one rise: a running total. Suggestions skip
vanity metrics and put rates (or, instead of a login count, distinct counts) first.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipelines.insight.lint.context import MIN_POINTS, LintContext
from pipelines.insight.lint.figures import shown
from pipelines.metrics.spec import Metric
from pipelines.okrs.scoring import SERIES_COLUMNS

VANITY_WORDS = re.compile(r"\blog ?ins?\b|\bsessions? started\b|\bpage ?views?\b|\bvisits?\b")
# How many metrics a message suggests at most.
SUGGESTIONS = 2


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
        """Where m sorts among the suggestions: 0 first."""
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
