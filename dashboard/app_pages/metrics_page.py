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

everything = tuple(chosen["leading"] + chosen["lagging"])
for column, kind in ((c1, "leading"), (c2, "lagging")):
    with column:
        spec = data.metrics_spec(ctx.home, tuple(chosen[kind]), everything, ctx.version)
        if spec is None:
            st.info(f"No {kind} metric with data chosen (ingest exports on the Upload page).")
        else:
            downloads.chart(ctx.actor, spec, f"{kind}-metrics.png", key=f"chart_{kind}")

catalog_table = data.metric_catalog(ctx.home, ctx.version)[
    ["name", "label", "kind", "unit", "used_by", "definition"]
].rename(columns={"name": "metric", "used_by": "used by key results"})
catalog_table["used by key results"] = catalog_table["used by key results"].replace("", "–")
st.subheader("Catalog")
st.dataframe(catalog_table, hide_index=True, key="catalog")
downloads.csv_button(ctx.actor, catalog_table, "metrics.csv", key="catalog_csv")
