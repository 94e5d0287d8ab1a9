"""Leaders' overview: every objective of a period with its roll-up, and each key result's state."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.components import downloads, filters, gate
from dashboard.formatting import percent_text, value_text

ctx = gate.require_workspace()
st.title("OKR overview")
c1, c2, c3, c4 = st.columns([1, 1, 1, 1.3])
with c1:
    as_of = filters.as_of()
with c2:
    period = filters.period(ctx.okrs, as_of)
with c3:
    team = filters.team(ctx.okrs)
with c4:
    kind = filters.kind()

krs, objectives = data.scores(ctx.home, as_of, period, ctx.version)
if team != filters.ALL:
    krs = krs[krs["team"] == team]
if kind != filters.ALL:
    krs = krs[krs["kind"] == kind]
objectives = objectives[objectives["objective_id"].isin(krs["objective_id"])]
if krs.empty:
    st.info("No key results match these filters. Choose another period, team or kind.")
    st.stop()

with st.container(horizontal=True):
    for band, count in krs["band"].fillna("no data").value_counts().items():
        st.metric(str(band), int(count), border=True)
    for status, count in krs["status"].value_counts().items():
        st.metric(str(status).replace("_", " "), int(count), border=True)
st.caption(
    f"As of {as_of:%d %b %Y}: {percent_text(krs['expected_progress'].iloc[0])} of {period} has elapsed. "
    f"Bands use the {ctx.okrs.band_preset} preset; status compares progress with that elapsed share."
)

series = data.series(ctx.home, ctx.version)
trend = {
    str(name): rows.sort_values("period_start")["value"].tail(12).tolist()
    for name, rows in series[series["complete"]].groupby("metric")
}
units = {m.name: m.unit for m in ctx.catalog.metrics}
ahead = data.forecasts(ctx.home, as_of, period, ctx.version).set_index("kr_id")
chance_columns = [c for c in ahead.columns if c.startswith("p_")]


def chances(kr_id: str) -> str:
    """The forecast chance of each band at period end, e.g. "missed 10% · met 30% · exceeded 60%"."""
    if kr_id not in ahead.index:
        return "–"
    probabilities = ahead.loc[kr_id, chance_columns].astype(float)
    if probabilities.isna().any():
        return "–"
    return " · ".join(f"{str(c)[2:]} {p:.0%}" for c, p in probabilities.items())


def kr_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The key-result rows as shown: values with units, progress, band, status, trend, freshness."""
    unit = rows["metric"].map(lambda m: units.get(m or "", ""))
    return pd.DataFrame(
        {
            "key result": rows["key_result"],
            "now": [
                f"rolled up from {', '.join(r)}" if r else value_text(c, u)
                for c, u, r in zip(rows["current"], unit, rows["rolled_up_from"], strict=True)
            ],
            "baseline → target": [
                "" if r else f"{value_text(b, u)} → {value_text(t, u)}"
                for b, t, u, r in zip(
                    rows["baseline"], rows["target"], unit, rows["rolled_up_from"], strict=True
                )
            ],
            "progress": rows["progress_clamped"],
            "raw": rows["progress"].map(percent_text),
            "band": rows["band"].fillna("no data"),
            "status": rows["status"].str.replace("_", " "),
            "chance at period end": rows["kr_id"].map(chances),
            "trend": [trend.get(m or "", []) for m in rows["metric"]],
            "data as of": rows["data_as_of"],
            "stale": rows["stale"],
        }
    )


def show_objective(objective: pd.Series, depth: int = 0) -> None:
    """One objective: its roll-up, a bullet chart and a table of its key results, then children."""
    rows = krs[krs["objective_id"] == objective["objective_id"]]
    with st.container(border=True):
        if objective["parent_kr"]:
            st.caption(f"↳ telescoped from key result {objective['parent_kr']}")
        st.subheader(f"{objective['objective_id']} · {objective['objective']}")
        st.caption(
            f"{objective['team']} · progress {percent_text(objective['progress'])} · "
            f"{objective['band'] or 'no band'} · {str(objective['status']).replace('_', ' ')} · "
            f"{objective['commitment']}"
        )
        oid = str(objective["objective_id"])
        spec = data.bullet_spec(ctx.home, as_of, period, oid, tuple(rows["kr_id"]), ctx.version)
        st.vega_lite_chart(spec, theme=None, key=f"bullet_{oid}")
        table = kr_table(rows)
        st.dataframe(
            table,
            hide_index=True,
            key=f"table_{objective['objective_id']}",
            column_config={
                "key result": st.column_config.TextColumn(width="medium"),
                "progress": st.column_config.ProgressColumn(
                    "progress", min_value=0, max_value=1, format="percent", width="medium"
                ),
                "raw": st.column_config.TextColumn(width="small", help="unclamped progress"),
                "trend": st.column_config.LineChartColumn(
                    "trend", width="small", help="last 12 periods"
                ),
                "data as of": st.column_config.DateColumn("data as of", width="small"),
                "stale": st.column_config.CheckboxColumn(width="small"),
            },
        )
        with st.popover("Export", icon=":material/ios_share:"):
            downloads.png_button(spec, f"{oid}.png", key=f"png_{oid}")
            downloads.csv_button(rows, f"{oid}.csv", key=f"csv_{oid}")
        for kr_id in rows["kr_id"]:
            for _, child in objectives[objectives["parent_kr"] == kr_id].iterrows():
                show_objective(child, depth + 1)


shown_ids = set(krs["kr_id"])
for _, objective in objectives.iterrows():
    if objective["parent_kr"] is None or objective["parent_kr"] not in shown_ids:
        show_objective(objective)
