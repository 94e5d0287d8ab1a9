"""Metrics: leading product KPIs beside lagging business KPIs on one time axis, and who uses them."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.components import downloads, gate

ctx = gate.require_workspace()
st.title("Metrics")
st.caption("Leading product KPIs move first; lagging business KPIs follow. Pick any of each.")

by_kind = {
    kind: [m.name for m in ctx.catalog.metrics if m.kind == kind] for kind in ("leading", "lagging")
}
labels = {m.name: m.display_label for m in ctx.catalog.metrics}
c1, c2 = st.columns(2)
chosen: dict[str, list[str]] = {}
for column, kind in ((c1, "leading"), (c2, "lagging")):
    with column:
        picked = st.multiselect(
            f"{kind.capitalize()} metrics",
            by_kind[kind],
            default=by_kind[kind][:3],
            format_func=lambda name: labels[name],
            key=kind,
            bind="query-params",
        )
        chosen[kind] = [str(p) for p in picked]

# One chart, one time axis: a leading metric's move and the lagging one it precedes line up.
chosen_names = tuple(chosen["leading"] + chosen["lagging"])
spec = data.metrics_spec(ctx.home, chosen_names, ctx.version)
if spec is None:
    st.info("No chosen metric has data yet: pick one above, or ingest exports on the Upload page.")
else:
    st.caption(
        "Several metrics are indexed to 100 at the first period they all have a value (the axis "
        "names it), so different units share one axis; one metric keeps its own units. Hover a "
        "point for its value."
    )
    downloads.chart(ctx.actor, spec, "metrics.png", key="chart_metrics")

catalog_table = data.metric_catalog(ctx.home, ctx.version)[
    ["name", "label", "kind", "unit", "used_by", "definition"]
].rename(columns={"name": "metric", "used_by": "used by key results"})
catalog_table["used by key results"] = catalog_table["used by key results"].replace("", "–")
st.subheader("Catalog")
st.dataframe(catalog_table, hide_index=True, key="catalog")
downloads.csv_button(ctx.actor, catalog_table, "metrics.csv", key="catalog_csv")
