"""Leaders' overview: every objective of a period with its roll-up, and each key result's state."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.components import downloads, filters, gate
from pipelines.service.formatting import markdown_text, percent_text

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

found = data.overview(
    ctx.home,
    as_of,
    period,
    None if team == filters.ALL else team,
    None if kind == filters.ALL else kind,
    ctx.version,
)
if found.krs.empty:
    st.info("No key results match these filters. Choose another period, team or kind.")
    st.stop()

with st.container(horizontal=True):
    for name, count in [*found.band_counts.items(), *found.status_counts.items()]:
        st.metric(name, count, border=True)
st.caption(
    f"As of {as_of:%d %b %Y}: {percent_text(found.elapsed)} of {period} has elapsed. "
    f"Bands use the {ctx.okrs.band_preset} preset; status compares progress with that elapsed share."
)
COLUMNS = {
    "key result": st.column_config.TextColumn(width="medium"),
    "progress": st.column_config.ProgressColumn(
        "progress", min_value=0, max_value=1, format="percent", width="medium"
    ),
    "raw": st.column_config.TextColumn(width="small", help="unclamped progress"),
    "trend": st.column_config.LineChartColumn("trend", width="small", help="last 12 periods"),
    "data as of": st.column_config.DateColumn("data as of", width="small"),
    "stale": st.column_config.CheckboxColumn(width="small"),
}


def show_objective(objective: pd.Series) -> None:
    """One objective: its roll-up, a bullet chart and a table of its key results, then children."""
    oid = str(objective["objective_id"])
    rows = found.krs[found.krs["objective_id"] == oid]
    with st.container(border=True):
        if objective["parent_kr"]:
            st.caption(f"↳ telescoped from key result {markdown_text(objective['parent_kr'])}")
        st.subheader(markdown_text(f"{oid} · {objective['objective']}"))
        st.caption(
            f"{markdown_text(objective['team'])} · progress {percent_text(objective['progress'])} · "
            f"{objective['band'] or 'no band'} · {str(objective['status']).replace('_', ' ')} · "
            f"{objective['commitment']}"
        )
        spec = data.bullet_spec(ctx.home, as_of, period, oid, tuple(rows["kr_id"]), ctx.version)
        st.vega_lite_chart(spec, theme=None, key=f"bullet_{oid}")
        st.dataframe(found.tables[oid], hide_index=True, key=f"table_{oid}", column_config=COLUMNS)
        with st.popover("Export", icon=":material/ios_share:"):
            downloads.png_button(ctx.actor, spec, f"{oid}.png", key=f"png_{oid}")
            downloads.csv_button(ctx.actor, rows, f"{oid}.csv", key=f"csv_{oid}")
        for kr_id in rows["kr_id"]:
            for child in found.children(kr_id):
                show_objective(child)


for root in found.roots():
    show_objective(root)
