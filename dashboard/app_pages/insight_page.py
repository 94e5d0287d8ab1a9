"""Insight: measured lead/lag links, the outputs → outcomes ladder, the output/outcome balance,
and KR lint findings.

Tables read as every page and the CLI print them (formatting.readable); downloads keep the numbers.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from dashboard import data
from dashboard.components import downloads, filters, gate
from dashboard.navigation import PAGES
from pipelines.service.formatting import markdown_text, readable

KR_PAGE = next(spec.url_path for spec in PAGES if spec.file == "kr_detail_page.py")

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

st.header("Output/outcome balance")
st.caption(
    "Each key result counts once: an output (a milestone, or no metric and a title that ships "
    "something), a product outcome (a leading metric: what customers do) or a business outcome "
    "(a lagging metric). The position is the share of outcomes: output-driven below 0.25, "
    "leaning to outputs below 0.5, balanced below 0.75, outcome-driven up to 1. A rolled-up key "
    "result is left out: its children count in their team."
)
balance = data.balance(ctx.home, period, ctx.version)
balance_spec = data.balance_spec(ctx.home, period, ctx.version)
if balance_spec is None:
    st.info("No key results in this period to weigh.")
else:
    downloads.chart(ctx.actor, balance_spec, f"balance-{period}.png", key="balance")
    for call_out in balance.call_outs:
        st.warning(markdown_text(call_out), icon=":material/balance:")
    st.dataframe(balance.share_table(), hide_index=True, key="balance_shares")
    downloads.csv_button(ctx.actor, balance.shares, f"balance-{period}.csv", key="balance_csv")
    with st.expander("The key results behind each share"):
        krs = balance.kr_table()
        links = krs["kr id"].map(
            lambda kr_id: f"{KR_PAGE}?{urlencode({'kr': kr_id, 'as_of': as_of.isoformat()})}"
        )
        st.dataframe(
            krs.assign(link=links),
            hide_index=True,
            key="balance_krs",
            column_config={
                "link": st.column_config.LinkColumn(
                    "", display_text=":material/open_in_new:", help="Open on the Key result page"
                )
            },
        )

st.header("Key-result lint")
st.caption("Each objective and key result checked against OKR practice and against its own data.")
lint_rows = data.findings(ctx.home, as_of, period, ctx.version)
if lint_rows.empty:
    st.success("No findings for this period.")
else:
    st.dataframe(readable(lint_rows), hide_index=True, key="lint")
    downloads.csv_button(ctx.actor, lint_rows, f"lint-{period}.csv", key="lint_csv")
