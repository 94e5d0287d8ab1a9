"""The overview: every objective of a period with its roll-up, and each key result as a row to read."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipelines.service.formatting import percent_text, value_text

TREND_PERIODS = 12


@dataclass(frozen=True)
class Overview:
    """What the overview shows for one period, team and kind at one as-of date."""

    krs: pd.DataFrame  # score rows of the key results shown
    objectives: pd.DataFrame  # their objectives' roll-ups
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # objective id → rows as read
    band_counts: dict[str, int] = field(default_factory=dict)
    status_counts: dict[str, int] = field(default_factory=dict)
    elapsed: float | None = None  # the share of the period gone by at as_of

    def roots(self) -> list[pd.Series]:
        """The objectives shown at the top level: those not telescoped from a shown key result."""
        shown = set(self.krs["kr_id"])
        return [
            o
            for _, o in self.objectives.iterrows()
            if o["parent_kr"] is None or o["parent_kr"] not in shown
        ]

    def children(self, kr_id: str) -> list[pd.Series]:
        """The objectives telescoped from key result kr_id."""
        return [o for _, o in self.objectives[self.objectives["parent_kr"] == kr_id].iterrows()]


def _chances(forecasts: pd.DataFrame) -> dict[str, str]:
    """Each forecast KR's chance of every band at period end, e.g. "missed 10% · met 30% · …"."""
    columns = [c for c in forecasts.columns if c.startswith("p_")]
    out = {}
    for row in forecasts.to_dict("records"):
        probabilities = [(c[2:], row[c]) for c in columns]
        if probabilities and not any(pd.isna(p) for _, p in probabilities):
            out[row["kr_id"]] = " · ".join(f"{band} {p:.0%}" for band, p in probabilities)
    return out


def _trends(series: pd.DataFrame) -> dict[str, list[float]]:
    """Each metric's last complete values, oldest first, for a sparkline."""
    done = series[series["complete"]].sort_values("period_start")
    return {
        str(name): rows["value"].tail(TREND_PERIODS).tolist()
        for name, rows in done.groupby("metric")
    }


def key_result_table(
    rows: pd.DataFrame,
    units: dict[str, str],
    trends: dict[str, list[float]],
    chances: dict[str, str],
) -> pd.DataFrame:
    """Key-result score rows as read: values with units, progress, band, status, trend, freshness."""
    unit = rows["metric"].map(lambda m: units.get(m or "", ""))
    rolled = rows["rolled_up_from"]
    return pd.DataFrame(
        {
            "key result": rows["key_result"],
            "now": [
                f"rolled up from {', '.join(r)}" if r else value_text(c, u)
                for c, u, r in zip(rows["current"], unit, rolled, strict=True)
            ],
            "baseline → target": [
                "" if r else f"{value_text(b, u)} → {value_text(t, u)}"
                for b, t, u, r in zip(rows["baseline"], rows["target"], unit, rolled, strict=True)
            ],
            "progress": rows["progress_clamped"],
            "raw": rows["progress"].map(percent_text),
            "band": rows["band"].fillna("no data"),
            "status": rows["status"].str.replace("_", " "),
            "chance at period end": rows["kr_id"].map(lambda k: chances.get(k, "–")),
            "trend": [trends.get(m or "", []) for m in rows["metric"]],
            "data through": rows["data_through"],
            "stale": rows["stale"],
        }
    )


def overview(
    krs: pd.DataFrame,
    objectives: pd.DataFrame,
    series: pd.DataFrame,
    forecasts: pd.DataFrame,
    units: dict[str, str],
    *,
    team: str | None,
    kind: str | None,
) -> Overview:
    """The overview of scored key results, narrowed to team and kind (None: all)."""
    keep = pd.Series(True, index=krs.index)
    if team:
        keep &= krs["team"] == team
    if kind:
        keep &= krs["kind"] == kind
    shown = krs.loc[keep].reset_index(drop=True)
    if shown.empty:
        return Overview(shown, objectives.iloc[0:0])
    kept = objectives[objectives["objective_id"].isin(shown["objective_id"])]
    trends, chances = _trends(series), _chances(forecasts)
    return Overview(
        krs=shown,
        objectives=kept.reset_index(drop=True),
        tables={
            str(oid): key_result_table(rows, units, trends, chances)
            for oid, rows in shown.groupby("objective_id", sort=False)
        },
        band_counts={
            str(k): int(v) for k, v in shown["band"].fillna("no data").value_counts().items()
        },
        status_counts={
            str(k).replace("_", " "): int(v) for k, v in shown["status"].value_counts().items()
        },
        elapsed=float(shown["expected_progress"].iloc[0]),
    )
