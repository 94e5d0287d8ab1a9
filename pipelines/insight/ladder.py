"""The ladder: outputs → product outcomes (leading KPIs) → business outcomes (lagging KPIs).

Drawn from the key results of a period, the objectives they telescope into, and the measured
lead/lag links; every edge says what backs it: a measured lag and strength, or "not measured".

`kr_tier` is the one rule that puts a key result in a tier; the output/outcome balance
(`pipelines.insight.balance`) counts the same tiers.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

# The verbs of lint's KR008 (launch, ship, release, build, deliver, implement, complete, finish,
# roll out, migrate): one list, so lint, the ladder and the balance call the same KRs outputs.
from pipelines.insight.lint.quality import OUTPUT_VERBS
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.spec import KeyResult, Objective, OkrSet

TIERS = ("output", "product outcome", "business outcome")
NODE_COLUMNS = ["node", "label", "tier", "key_results"]
EDGE_COLUMNS = ["source", "target", "kind", "label", "strength"]


class KrTier(NamedTuple):
    """The tier a key result sits in (None: in none), and why, in words."""

    tier: str | None
    because: str


def kr_tier(kr: KeyResult, okrs: OkrSet, catalog: MetricCatalog) -> KrTier:
    """The tier of kr: an output, a product outcome (leading metric) or a business outcome (lagging).

    A metric decides first, whatever the title: "Launch X to 500 users" on a leading metric
    counts what users do, so it is a product outcome. Without a metric, a milestone or a title
    naming an output verb (lint KR008's) is an output. A rolled-up parent KR is in no tier (its
    child objectives' key results are), nor is a number reported by check-ins alone, since no
    metric says whether it is a product or a business outcome.
    """
    if okrs.is_rolled_up(kr):
        children = ", ".join(o.id for o in okrs.children_of(kr.id))
        return KrTier(None, f"rolled up from {children}, whose key results count in their team")
    if kr.metric is not None:
        metric = catalog.get(kr.metric)
        if metric.kind == "leading":
            return KrTier(TIERS[1], f"its metric {metric.name} is leading")
        return KrTier(TIERS[2], f"its metric {metric.name} is lagging")
    if kr.kr_type == "milestone":
        return KrTier(TIERS[0], "a milestone: done or not")
    verb = OUTPUT_VERBS.search(kr.title.lower())
    if verb is not None:
        return KrTier(TIERS[0], f"no metric, and its title says {verb.group(1)!r}")
    return KrTier(
        None,
        "check-ins without a metric: give it a metric to say whether it is a product or a "
        "business outcome",
    )


def _period_objectives(okrs: OkrSet, period: str) -> list[Objective]:
    """The objectives of period."""
    return [o for o in okrs.objectives if o.period == period]


def ladder_nodes(okrs: OkrSet, catalog: MetricCatalog, period: str) -> pd.DataFrame:
    """One node per output KR and per metric that a KR of the period measures, with its tier."""
    labels: dict[str, tuple[str, str]] = {}
    users: dict[str, list[str]] = {}
    for objective in _period_objectives(okrs, period):
        for kr in objective.key_results:
            tier = kr_tier(kr, okrs, catalog).tier
            if tier == TIERS[0]:
                labels[kr.id] = (kr.title, tier)
                users[kr.id] = [kr.id]
            elif tier is not None and kr.metric is not None:
                metric = catalog.get(kr.metric)
                labels[metric.name] = (metric.display_label, tier)
                users.setdefault(metric.name, []).append(kr.id)
    nodes = [
        {"node": n, "label": label, "tier": tier, "key_results": users[n]}
        for n, (label, tier) in labels.items()
    ]
    return pd.DataFrame(nodes, columns=NODE_COLUMNS)


def _link_label(links: pd.DataFrame | None, leading: str, lagging: str) -> tuple[str, float | None]:
    """How a measured link reads on an edge, and its correlation."""
    if links is None or links.empty:
        return "not measured", None
    match = links[(links["leading"] == leading) & (links["lagging"] == lagging)]
    if match.empty:
        return "not measured", None
    row = match.iloc[0]
    if bool(row["significant"]):
        lag = int(row["best_lag"])
        when = (
            f"same {row['grain']}"
            if lag == 0
            else f"leads by ~{lag} {row['grain']}{'s' if lag > 1 else ''}"
        )
        return f"{when}, r = {row['correlation']:.2f}", float(row["correlation"])
    return "no significant lead measured", None


def ladder_edges(
    okrs: OkrSet, catalog: MetricCatalog, period: str, links: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Edges output → leading metric (same objective), leading → lagging (measured or telescoped)."""
    nodes = ladder_nodes(okrs, catalog, period)
    tier = dict(zip(nodes["node"], nodes["tier"], strict=True))
    edges: dict[tuple[str, str], dict[str, object]] = {}
    objectives = _period_objectives(okrs, period)

    def metrics_of(objective: Objective, wanted: str) -> list[str]:
        return [
            kr.metric for kr in objective.key_results if kr.metric and tier.get(kr.metric) == wanted
        ]

    for objective in objectives:
        leading = metrics_of(objective, TIERS[1])
        for kr in objective.key_results:
            if kr_tier(kr, okrs, catalog).tier == TIERS[0]:
                for metric in leading:
                    edges[(kr.id, metric)] = {
                        "kind": "same objective",
                        "label": "enables (declared)",
                        "strength": None,
                    }
        # A telescoped objective's leading metrics feed the business outcomes of its parent
        # objective, when that parent is on this period's ladder too.
        parent = okrs.parent_of(objective)
        parent = parent if parent is not None and parent.period == period else None
        lagging = metrics_of(objective, TIERS[2]) + (metrics_of(parent, TIERS[2]) if parent else [])
        for lead in leading:
            for lag in lagging:
                label, strength = _link_label(links, lead, lag)
                edges[(lead, lag)] = {
                    "kind": "telescoped" if parent else "same objective",
                    "label": label,
                    "strength": strength,
                }
    if links is not None and not links.empty:
        for row in links[links["significant"].astype(bool)].to_dict("records"):
            lead, lag = str(row["leading"]), str(row["lagging"])
            if tier.get(lead) == TIERS[1] and tier.get(lag) == TIERS[2]:
                label, strength = _link_label(links, lead, lag)
                edges[(lead, lag)] = {"kind": "measured", "label": label, "strength": strength}
    rows = [{"source": s, "target": t, **v} for (s, t), v in edges.items()]
    return pd.DataFrame(rows, columns=EDGE_COLUMNS)
