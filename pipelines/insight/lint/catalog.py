"""Catalog metrics as lint judges them: which are vanity metrics, and which to suggest instead.

A metric is a vanity metric (KR007) when its name, label or filter mention logins, sessions
started, page views or visits; or when its definition makes it a running total (cumulative
count, total accounts, sign-ups ever), which rises whatever the team does. A rise alone proves
nothing: MRR, NPS or a retention rate that rose every period is a healthy business, not a
running total. So a running total is read from the definition, never from the data:

- Never a running total: a ratio metric, a ``%`` unit, an events metric (it counts or
  aggregates each period's events afresh), or a KPI aggregated per period as a count, an
  average or a minimum.
- A running total: any other metric whose name, label, description or unit says it
  accumulates (cumulative, running total, to date, ever, all-time, lifetime, since launch,
  year to date); or a KPI snapshot (``last`` or ``max``) called a total, unless it names a
  level (MRR, ARR, revenue, NPS, score, rate, share, retention, churn, margin, average,
  balance) or has a money unit.

Suggestions skip vanity metrics, metrics whose every known period is zero (a filter on a
misspelt property reads so) and metrics filtering on names no stored event has; they put rates
(or, instead of a login count, distinct counts) first.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipelines.insight.lint.context import MIN_POINTS, LintContext
from pipelines.insight.lint.figures import shown
from pipelines.metrics.spec import Metric
from pipelines.metrics.vocabulary import unseen_names

VANITY_WORDS = re.compile(r"\blog ?ins?\b|\bsessions? started\b|\bpage ?views?\b|\bvisits?\b")
ACCUMULATING_WORDS = re.compile(
    r"\bcumulative\b|\brunning totals?\b|(?<!\bup )\bto date\b|\bever\b|\ball ?time\b"
    r"|\blifetime\b|\bsince (launch|inception|the start)\b|\bytd\b|\byear to date\b"
)
TOTAL_WORDS = re.compile(r"\btotals?\b")
LEVEL_WORDS = re.compile(
    r"\b(mrr|arr|revenue|nps|score|rate|ratio|share|retention|churn|margin|average|mean|"
    r"balance|per)\b"
)
MONEY_UNITS = re.compile(r"^(usd|eur|gbp|chf|jpy|cad|aud|sek|nok|dkk)$|[$€£¥]", re.IGNORECASE)
# KPI aggregations that read each period on its own: a count of readings, an average, a minimum.
PER_PERIOD_AGGREGATIONS = ("count", "count_distinct", "avg", "min")
# KPI aggregations that keep a snapshot of the KPI: its latest or largest reading.
SNAPSHOT_AGGREGATIONS = ("last", "max")
# How many metrics a message suggests at most.
SUGGESTIONS = 2


def words_of(*texts: str) -> str:
    """texts lowercased, with every run of other characters than letters and digits one space."""
    return re.sub(r"[^a-z0-9]+", " ", " ".join(texts).lower())


def running_total_evidence(metric: Metric) -> str | None:
    """What in the metric's definition makes it a running total (a phrase), None if it is not."""
    per_period = (
        metric.type == "ratio"
        or metric.unit == "%"
        or metric.source == "events"
        or metric.aggregation in PER_PERIOD_AGGREGATIONS
    )
    if per_period:
        return None
    declared = [
        ("name", metric.name),
        ("label", metric.label),
        ("unit", metric.unit),
        ("description", metric.description),
    ]
    for field, text in declared:
        found = ACCUMULATING_WORDS.search(words_of(text))
        if found:
            return f"its {field} says {found.group(0)!r}"
    names_a_level = LEVEL_WORDS.search(words_of(metric.name, metric.label, metric.description))
    if (
        metric.aggregation in SNAPSHOT_AGGREGATIONS
        and not names_a_level
        and not MONEY_UNITS.search(metric.unit)
    ):
        for field, text in declared[:2]:
            if TOTAL_WORDS.search(words_of(text)):
                return f"the {metric.aggregation} reading of a KPI whose {field} says 'total'"
    return None


def login_count_evidence(metric: Metric) -> str | None:
    """What in the metric's name, label or filter says it counts logins (a phrase), or None."""
    if not VANITY_WORDS.search(words_of(metric.name, metric.label, metric.filter or "")):
        return None
    return metric.name + (f", filter {metric.filter}" if metric.filter else "")


def is_vanity(metric: Metric) -> bool:
    """True when the metric counts logins, sessions or page views, or is a running total."""
    return login_count_evidence(metric) is not None or running_total_evidence(metric) is not None


def only_grew(metric: Metric, history: pd.DataFrame) -> str | None:
    """'all N complete weeks of data (a → b)' when the history never fell and rose, else None."""
    values = history["value"].to_numpy(dtype=float)
    steps = np.diff(values)
    if len(values) < MIN_POINTS or (steps < 0).any() or not (steps > 0).any():
        return None
    return (
        f"all {len(values)} complete {metric.grain}s of data "
        f"({shown(values[0], metric.unit)} → {shown(values[-1], metric.unit)})"
    )


def reads_nothing(ctx: LintContext, metric: Metric) -> bool:
    """Whether every known period of metric is zero, or its filter names what no event has."""
    history = ctx.histories.get(metric.name)
    if history is not None and not history.empty and (history["value"] == 0).all():
        return True
    return ctx.vocabulary is not None and bool(unseen_names(metric, ctx.vocabulary, ctx.catalog))


def alternatives(ctx: LintContext, kind: str, exclude: set[str], prefer: str = "ratio") -> str:
    """Up to two catalog metrics of `kind` to suggest, rates (or distinct counts) first."""

    def rank(m: Metric) -> int:
        """Where m sorts among the suggestions: 0 first."""
        if prefer == "distinct":
            return 0 if m.aggregation == "count_distinct" else 1 if m.ratio else 2
        return 0 if m.ratio else 1 if m.aggregation == "count_distinct" else 2

    pool = [
        m
        for m in ctx.catalog.metrics
        if m.kind == kind
        and m.name not in exclude
        and not is_vanity(m)
        and not reads_nothing(ctx, m)
    ]
    picked = sorted(pool, key=rank)[:SUGGESTIONS]
    if not picked:
        return f"a {kind} rate" if kind == "leading" else "a revenue or retention metric"
    return " or ".join(f"{m.display_label} ({m.name})" for m in picked)
