"""The output/outcome balance: the share of key results that measure outputs, product outcomes
and business outcomes, per team, per objective and for the company.

Each key result of a period sits in one tier of the ladder, by the ladder's one rule
(`pipelines.insight.ladder.kr_tier`): an output (a milestone, or a KR without a metric whose title
names what is shipped), a product outcome (a leading metric: what customers do) or a business
outcome (a lagging metric). A rolled-up parent KR is in no tier: its child objectives' key
results count, in their own team. Each row lists the key results behind each share and those
left out.

Shares count key results, not their weights: a weight says how much a KR counts towards its
objective's score, not what kind of result it is, and a count can be checked against the ids
listed. The position on the spectrum is the share of outcomes (product or business): 0 when
every key result is an output, 1 when none is.
"""

from __future__ import annotations

import bisect

import pandas as pd

from pipelines.insight.ladder import TIERS, kr_tier
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.spec import OkrSet

TIER_COLUMNS = [
    "period", "team", "objective_id", "objective", "kr_id", "key_result", "tier", "because",
]  # fmt: skip
# One share column and one column of the key results behind it per tier: output, output_krs, …
SHARES = tuple(tier.replace(" ", "_") for tier in TIERS)
KR_LISTS = tuple(f"{share}_krs" for share in SHARES)
BALANCE_COLUMNS = [
    "period", "scope", "team", "objective_id", "objective", "counted", *SHARES, *KR_LISTS,
    "position", "spectrum", "call_out", "left_out",
]  # fmt: skip

# The spectrum's words, each from its position up to the next cut (the last up to 1 included).
SPECTRUM_CUTS = (0.25, 0.5, 0.75)
SPECTRUM_WORDS = ("output-driven", "leaning to outputs", "balanced", "outcome-driven")


def spectrum_word(position: float) -> str:
    """Where a share of outcomes puts a team between output-driven (0) and outcome-driven (1).

    Example:
        >>> spectrum_word(0.0), spectrum_word(0.25), spectrum_word(0.5), spectrum_word(0.75)
        ('output-driven', 'leaning to outputs', 'balanced', 'outcome-driven')
    """
    return SPECTRUM_WORDS[bisect.bisect_right(SPECTRUM_CUTS, position)]


def key_result_tiers(okrs: OkrSet, catalog: MetricCatalog, period: str) -> pd.DataFrame:
    """One row per key result of period's objectives: its team, its tier (None: left out) and why."""
    rows = [
        {
            "period": period,
            "team": o.team,
            "objective_id": o.id,
            "objective": o.title,
            "kr_id": kr.id,
            "key_result": kr.title,
            **kr_tier(kr, okrs, catalog)._asdict(),
        }
        for o in okrs.objectives
        if o.period == period
        for kr in o.key_results
    ]
    return pd.DataFrame(rows, columns=TIER_COLUMNS)


def team_call_out(team: str, krs: dict[str, list[str]]) -> str | None:
    """Why a team's mix of key results (ids per tier) should change, or None when it need not.

    Called out: every key result an output; most of them outputs; every one a business outcome;
    outputs and business outcomes with no product outcome between them.
    """
    outputs, product, business = (krs[tier] for tier in TIERS)
    if product and len(outputs) > len(product) + len(business):
        return (
            f"{team} leans to outputs: {len(outputs)} of its "
            f"{len(outputs) + len(product) + len(business)} key results say what it ships "
            f"({', '.join(outputs)}), not what changes for customers. Move the deliverables into "
            "initiatives that serve an outcome key result."
        )
    if product:
        return None
    if outputs and not business:
        return (
            f"{team} measures what it ships, not what changes for customers: every key result "
            f"is an output ({', '.join(outputs)}). Add the change in customer behaviour the work "
            "should cause, as a leading product metric."
        )
    if business and not outputs:
        return (
            f"{team} has only lagging numbers it cannot move directly within the period "
            f"({', '.join(business)}): add a leading product metric it can move."
        )
    if outputs and business:
        return (
            f"{team} has no product outcome: nothing shows whether what it ships "
            f"({', '.join(outputs)}) changes what customers do before the business numbers "
            f"({', '.join(business)}) move. Add a leading product metric between them."
        )
    return None


def _ids_per_tier(rows: pd.DataFrame) -> dict[str, list[str]]:
    """The ids of rows' key results in each tier, in okrs.yaml order."""
    return {tier: rows.loc[rows["tier"] == tier, "kr_id"].tolist() for tier in TIERS}


def _shares(rows: pd.DataFrame) -> dict[str, object]:
    """The shares of rows' key results, the ids behind each, position, its word and left-outs."""
    krs = _ids_per_tier(rows)
    n = sum(len(ids) for ids in krs.values())
    position = 1 - len(krs[TIERS[0]]) / n if n else None
    return {
        "period": rows["period"].iloc[0],
        "counted": n,
        **{
            share: len(krs[tier]) / n if n else None
            for share, tier in zip(SHARES, TIERS, strict=True)
        },
        **{column: krs[tier] for column, tier in zip(KR_LISTS, TIERS, strict=True)},
        "position": position,
        "spectrum": None if position is None else spectrum_word(position),
        "left_out": rows.loc[rows["tier"].isna(), "kr_id"].tolist(),
    }


def output_outcome_balance(tiers: pd.DataFrame) -> pd.DataFrame:
    """The balance of key_result_tiers' rows: the company first, then each team and its objectives.

    Only team rows carry a call-out (`team_call_out`): an objective is one team's, and the
    company's mix is its teams' mixes added up.
    """
    rows: list[dict[str, object]] = []
    if not tiers.empty:
        rows.append({"scope": "company", **_shares(tiers)})
    for team, of_team in tiers.groupby("team", sort=False):
        call_out = team_call_out(str(team), _ids_per_tier(of_team))
        rows.append({"scope": "team", "team": team, **_shares(of_team), "call_out": call_out})
        for objective_id, of_objective in of_team.groupby("objective_id", sort=False):
            rows.append(
                {
                    "scope": "objective",
                    "team": team,
                    "objective_id": objective_id,
                    "objective": of_objective["objective"].iloc[0],
                    **_shares(of_objective),
                }
            )
    return pd.DataFrame(rows, columns=BALANCE_COLUMNS)
