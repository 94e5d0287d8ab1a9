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
| KR007 | warning | a vanity metric: a running total by its definition, or logins / sessions |
| KR008 | warning | an output KR (launch, ship, build …) with no metric instead of an outcome |
| KR009 | warning | a milestone KR whose check-ins state no confidence (probability of success) |
| KR010 | warning | a declared baseline more than 20 % away from the data at period start |
| KR011 | warning | a sandbagged target, already reached in ≥ 3 of the last 4 earlier periods |
| KR012 | warning | a fantasy target, beyond 1.5 × the largest change the history shows |
| KR013 | warning | a target change within the spread of the metric's period-long changes |
| KR014 | error | a metric whose filter names a property, value or event no stored event has |

Each family of rules is a module, whose docstring says how its rules decide: `objectives`
(OBJ001–OBJ005), `definitions` (KR001–KR006), `quality` (KR007–KR009), `history`
(KR010–KR013) and `store` (KR014, given the store's vocabulary). `context` prepares what every rule reads, `rule` is the rule type.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from pipelines.insight.lint.context import lint_context
from pipelines.insight.lint.definitions import (
    missing_baseline_hits,
    missing_metric_hits,
    missing_target_hits,
    target_equals_baseline_hits,
    unknown_metric_hits,
    wrong_direction_hits,
)
from pipelines.insight.lint.history import (
    baseline_disagreement_hits,
    fantasy_hits,
    noise_hits,
    sandbag_hits,
)
from pipelines.insight.lint.objectives import (
    extra_objective_hits,
    kr_count_hits,
    lagging_only_hits,
    leading_only_hits,
    missing_period_hits,
)
from pipelines.insight.lint.quality import milestone_confidence_hits, output_kr_hits, vanity_hits
from pipelines.insight.lint.rule import FINDING_COLUMNS, Finding, Rule, Severity
from pipelines.insight.lint.store import unseen_name_hits
from pipelines.metrics.spec import MetricCatalog
from pipelines.metrics.vocabulary import Vocabulary
from pipelines.okrs.spec import OkrSet

__all__ = ["CODES", "FINDING_COLUMNS", "RULES", "Finding", "Rule", "Severity", "findings", "lint"]

RULES: tuple[Rule, ...] = (
    Rule("OBJ001", "warning", "fewer than 3 or more than 5 key results", kr_count_hits),
    Rule("OBJ002", "warning", "more than one objective per team and period", extra_objective_hits),
    Rule("OBJ003", "warning", "metric KRs all lagging: no early signal", lagging_only_hits),
    Rule("OBJ004", "warning", "metric KRs all leading: no business outcome", leading_only_hits),
    Rule("OBJ005", "error", "no deadline: period missing or unknown", missing_period_hits),
    Rule("KR001", "error", "missing baseline", missing_baseline_hits),
    Rule("KR002", "error", "missing target", missing_target_hits),
    Rule("KR003", "error", "nothing measures the KR: no metric, check-in or child objective",
         missing_metric_hits),
    Rule("KR004", "error", "metric or counter-metric not in metrics.yaml", unknown_metric_hits),
    Rule("KR005", "error", "target equals baseline", target_equals_baseline_hits),
    Rule("KR006", "error", "KR moves its metric the wrong way", wrong_direction_hits),
    Rule("KR007", "warning", "vanity metric: a running total (by its definition), or logins/page "
         "views", vanity_hits),
    Rule("KR008", "warning", "output (launch, ship …) instead of an outcome", output_kr_hits),
    Rule("KR009", "warning", "milestone without a probability of success",
         milestone_confidence_hits),
    Rule("KR010", "warning", "baseline disagrees with the data at period start",
         baseline_disagreement_hits),
    Rule("KR011", "warning", "sandbagged target: already reached in earlier periods", sandbag_hits),
    Rule("KR012", "warning", "fantasy target: beyond any change the history shows", fantasy_hits),
    Rule("KR013", "warning", "target change smaller than the metric's noise", noise_hits),
    Rule("KR014", "error", "metric filters on a property, value or event no stored event has",
         unseen_name_hits),
)  # fmt: skip

CODES: dict[str, str] = {r.code: r.summary for r in RULES}


def findings(
    okrs: OkrSet,
    catalog: MetricCatalog,
    series: pd.DataFrame,
    as_of: date,
    *,
    rules: Sequence[Rule] = RULES,
    vocabulary: Vocabulary | None = None,
) -> list[Finding]:
    """Every finding of the rules: by objective (okrs.yaml order), objective-level, then KRs.

    vocabulary (what the stored events hold, see pipelines.metrics.vocabulary) lets KR014 run.
    """
    ctx = lint_context(okrs, catalog, series, as_of, vocabulary)
    found = [f for rule in rules for f in rule.findings(ctx)]
    objective_order = {o.id: i for i, o in enumerate(okrs.objectives)}
    kr_order = {v.kr.id: i for i, v in enumerate(ctx.krs)}

    def key(f: Finding) -> tuple[int, int, str]:
        """Where f sorts: its objective, then its KR (the objective itself first), then code."""
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
    vocabulary: Vocabulary | None = None,
) -> pd.DataFrame:
    """Every finding for the objectives and KRs of okrs (all periods), one row each."""
    rows = findings(okrs, catalog, series, as_of, rules=rules, vocabulary=vocabulary)
    return pd.DataFrame(
        {c: pd.Series([getattr(f, c) for f in rows], dtype="object") for c in FINDING_COLUMNS},
        columns=list(FINDING_COLUMNS),
    )
