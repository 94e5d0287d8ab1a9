"""The output/outcome balance as one stacked bar per team (and the company): pure, like charts.py.

Colours keep the shared palette's meanings: product outcomes are leading metrics (charts.LEADING),
business outcomes lagging ones (charts.LAGGING); outputs take the one Okabe–Ito colour that
neither the bands nor the metric kinds use, so no colour here reads as a band.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard.charts import LAGGING, LEADING, AnyChart

OUTPUT = "#F0E442"  # Okabe–Ito yellow
TIER_COLORS = (OUTPUT, LEADING, LAGGING)  # output, product outcome, business outcome


def balance_chart(segments: pd.DataFrame, tiers: tuple[str, ...]) -> AnyChart:
    """Stacked bars of Balance.segments: each tier's share of the company's and each team's
    key results, tiers in the order of tiers."""
    order = list(dict.fromkeys(segments["who"]))
    return (
        alt.Chart(segments)
        .mark_bar(stroke="#FFFFFF", strokeWidth=1)
        .encode(
            x=alt.X(
                "share:Q",
                stack="zero",
                title="share of key results",
                scale=alt.Scale(domain=[0, 1]),
                # The spectrum's cuts (0.25, 0.5, 0.75) fall on these ticks.
                axis=alt.Axis(format=".0%", values=[0, 0.25, 0.5, 0.75, 1]),
            ),
            y=alt.Y("who:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)),
            color=alt.Color(
                "tier:N",
                title=None,
                scale=alt.Scale(domain=list(tiers), range=list(TIER_COLORS)),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("tier_order:Q"),
            tooltip=[
                alt.Tooltip("who:N", title="team"),
                alt.Tooltip("tier:N"),
                alt.Tooltip("share:Q", format=".0%"),
                alt.Tooltip("key_results:Q", title="key results"),
                alt.Tooltip("ids:N", title="which"),
            ],
        )
        .properties(height=max(120, 34 * len(order)))
    )
