"""The output/outcome balance of a period, as the Insight page and `okrlens balance` show it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipelines.insight.balance import KR_LISTS, SHARES, key_result_tiers, output_outcome_balance
from pipelines.insight.ladder import TIERS
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.spec import OkrSet
from pipelines.service.formatting import percent_text, readable

SHARE_TABLE_COLUMNS = [
    "scope", "team", "objective_id", "counted", *SHARES, "position", "spectrum",
]  # fmt: skip
KR_TABLE_COLUMNS = ["team", "tier", "kr_id", "key_result", "because"]
SEGMENT_COLUMNS = ["who", "tier", "tier_order", "share", "key_results", "ids"]
ALL_TEAMS = "All teams"


@dataclass(frozen=True)
class Balance:
    """The output/outcome balance of one period, and the tier of each of its key results."""

    period: str
    shares: pd.DataFrame  # pipelines.insight.balance.BALANCE_COLUMNS: company, teams, objectives
    key_results: pd.DataFrame  # pipelines.insight.balance.TIER_COLUMNS, in okrs.yaml order

    def of_team(self, team: str | None) -> Balance:
        """This balance for team alone (its own row, its objectives', its key results); None: all."""
        if team is None:
            return self
        return Balance(
            self.period,
            self.shares[self.shares["team"] == team].reset_index(drop=True),
            self.key_results[self.key_results["team"] == team].reset_index(drop=True),
        )

    @property
    def call_outs(self) -> list[str]:
        """Why a team's mix of key results should change, one sentence per team called out."""
        return self.shares["call_out"].dropna().tolist()

    def share_table(self) -> pd.DataFrame:
        """The shares as people read them: percentages, the position to two decimals, words."""
        rows = self.shares[SHARE_TABLE_COLUMNS]
        shown = rows.assign(
            **{share: rows[share].map(percent_text) for share in SHARES},
            position=rows["position"].map(lambda p: "–" if pd.isna(p) else f"{p:.2f}"),
        )
        return readable(shown)

    def kr_table(self) -> pd.DataFrame:
        """The key results behind each share, team by team, tier by tier, as people read them.

        Left-out key results come last in their team, tier "–", with why.
        """
        krs = self.key_results
        teams = {team: i for i, team in enumerate(dict.fromkeys(krs["team"]))}
        order = krs.assign(
            team_order=krs["team"].map(teams),
            tier_order=krs["tier"]
            .map({tier: i for i, tier in enumerate(TIERS)})
            .fillna(len(TIERS)),
        ).sort_values(["team_order", "tier_order"], kind="stable")
        return readable(order[KR_TABLE_COLUMNS].reset_index(drop=True))

    def segments(self) -> pd.DataFrame:
        """One row per segment of the chart's bars: the company, then each team (`who`, with its
        spectrum word), each tier with its share, count and the key results behind it."""
        bars = self.shares[self.shares["scope"] != "objective"].reset_index(drop=True)
        who = bars["team"].where(bars["scope"] != "company", ALL_TEAMS)
        labels = who + " · " + bars["spectrum"].fillna("nothing to weigh")
        rows = [
            {
                "who": label,
                "tier": tier,
                "tier_order": t,
                "share": row[share],
                "key_results": len(row[krs]),
                "ids": ", ".join(row[krs]),
            }
            for label, row in zip(labels, bars.to_dict("records"), strict=True)
            for t, (tier, share, krs) in enumerate(zip(TIERS, SHARES, KR_LISTS, strict=True))
        ]
        return pd.DataFrame(rows, columns=SEGMENT_COLUMNS)


def balance_of(okrs: OkrSet, catalog: MetricCatalog, period: str) -> Balance:
    """The output/outcome balance of period; OkrlensError for a period okrs lacks."""
    okrs.period(period)
    tiers = key_result_tiers(okrs, catalog, period)
    return Balance(period, output_outcome_balance(tiers), tiers)
