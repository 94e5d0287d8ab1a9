"""Insight: measured lead/lag links, the outputs → outcomes ladder, and KR lint findings.

Tables read as every page and the CLI print them (formatting.readable); downloads keep the numbers.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.components import downloads, filters, gate
from pipelines.service.formatting import readable

ctx = gate.require_workspace()
st.title("Insight")
c1, c2 = st.columns(2)
with c1:
    as_of = filters.as_of()
with c2:
    period = filters.period(ctx.okrs, as_of)

st.header("Does the product KPI lead the business KPI?")
st.caption(
    "Both series are differenced first (shared trends make any two growing series look related), then "
    "correlated at lags of 0 to 8 periods; significance is corrected across every pair and lag tested "
    "(false discovery rate), a lead at the largest lag tried needs stronger evidence, the rank "
    "correlation must agree, and a link needs enough points. Association, not proof of cause."
)
found = data.links(ctx.home, ctx.version)
if found.empty:
    st.info("No leading and lagging metrics of the same grain with data yet.")
else:
    st.dataframe(readable(found), hide_index=True, key="links")
    downloads.csv_button(ctx.actor, found, "links.csv", key="links_csv")

st.header("Ladder: outputs → product outcomes → business outcomes")
st.caption(
    "Solid edges are measured links; dashed edges are declared by the OKRs (same or telescoped objective)."
)
spec = data.ladder_spec(ctx.home, period, ctx.version)
if spec is None:
    st.info("No key results in this period.")
else:
    downloads.chart(ctx.actor, spec, f"ladder-{period}.png", key="ladder")
    edges = data.ladder_edge_table(ctx.home, period, ctx.version)
    st.dataframe(readable(edges), hide_index=True, key="ladder_edges")
    downloads.csv_button(ctx.actor, edges, f"ladder-{period}.csv", key="ladder_csv")

st.header("Key-result lint")
st.caption("Each objective and key result checked against OKR practice and against its own data.")
lint_rows = data.findings(ctx.home, as_of, period, ctx.version)
if lint_rows.empty:
    st.success("No findings for this period.")
else:
    st.dataframe(readable(lint_rows), hide_index=True, key="lint")
    downloads.csv_button(ctx.actor, lint_rows, f"lint-{period}.csv", key="lint_csv")
