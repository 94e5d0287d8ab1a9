"""Key result detail: the metric against baseline, target, expected path and bands; its history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, data
from dashboard.components import downloads, effects, filters, gate, kr_picker
from pipelines.service import in_words
from pipelines.service.formatting import (
    cell_text,
    markdown_text,
    percent_text,
    readable,
    value_text,
)

ctx = gate.require_workspace()
st.title("Key result")
c1, c2 = st.columns([1, 3])
with c1:
    as_of = filters.as_of()
with c2:
    current = ctx.okrs.period_at(as_of)
    objective, kr = kr_picker.show(ctx.okrs, current.name if current else None)

detail = data.key_result(ctx.home, kr.id, as_of, ctx.version)
row, metric = detail.score, detail.metric
unit = metric.unit if metric else ""

st.subheader(markdown_text(kr.title))
# The deadline is said only when it is not the period's end, which the period name already says.
due = f" · due {charts.date_text(detail.due)}" if detail.due else ""
through = row["data_through"]
covered = f" · data through {charts.date_text(through)}" if pd.notna(through) else ""
st.caption(
    markdown_text(
        f"{objective.id} · {objective.title} · {objective.team} · {objective.period}{due}{covered}"
    )
)
with st.container(horizontal=True):
    st.metric("current", value_text(row["current"], unit), border=True)
    st.metric(
        "baseline → target",
        f"{value_text(row['baseline'], unit)} → {value_text(row['target'], unit)}",
        border=True,
    )
    st.metric("progress", percent_text(row["progress"]), border=True)
    st.metric(
        "final band" if row["final"] else "band so far", row["band"] or "no data", border=True
    )
    st.metric("status", cell_text("status", row["status"]), border=True)
    st.metric("expected by now", percent_text(row["expected_progress"]), border=True)
if takes := detail.what_it_takes(as_of):
    st.markdown(f"**What it takes.** {markdown_text(takes)}")
for unseen in detail.unseen:
    st.warning(
        markdown_text(
            f"This key result may read 0 % because its metric filters on what no stored event "
            f"has: {unseen}."
        )
    )

if metric is not None:
    st.markdown(
        f"**Definition.** {markdown_text(in_words(metric, ctx.catalog))} "
        f"{markdown_text(metric.description)}"
    )
    spec = data.kr_spec(ctx.home, as_of, kr.id, ctx.version)
    if spec is None:
        st.info(
            f"No data for {markdown_text(metric.display_label)} yet: ingest the export that "
            "carries it."
        )
    else:
        downloads.chart(ctx.actor, spec, f"{kr.id}.png", key="kr_chart")
elif row["rolled_up_from"]:
    st.markdown(
        f"**Rolled up** from the telescoped objective(s) "
        f"{markdown_text(', '.join(row['rolled_up_from']))}."
    )
else:
    st.markdown(
        "**Milestone** fed by check-ins: progress is the latest check-in's value over the target."
    )

st.subheader("Initiatives serving this key result")
effects.draw_serving(ctx, as_of, kr.id, key="effects")

st.subheader("Score week by week")
history_spec = data.progress_history_spec(ctx.home, as_of, objective.period, kr.id, ctx.version)
if history_spec is not None:
    downloads.chart(ctx.actor, history_spec, f"{kr.id}-history.png", key="history")
history = data.history(ctx.home, as_of, objective.period, ctx.version)
table = history[history["kr_id"] == kr.id][
    ["scored_at", "current", "progress", "band", "status", "expected_progress"]
]
unit = detail.metric.unit if detail.metric is not None else ""
# Shown as read everywhere else (values in the metric's unit, statuses in words); the CSV
# keeps the plain numbers.
st.dataframe(readable(table, unit), hide_index=True, key="history_table")
downloads.csv_button(ctx.actor, table, f"{kr.id}-history.csv", key="history_csv")

if not detail.checkins.empty:
    st.subheader("Check-ins")
    checkins = detail.checkins
    st.dataframe(
        readable(checkins, unit),
        hide_index=True,
        key="checkins",
    )
    downloads.csv_button(ctx.actor, checkins, f"{kr.id}-checkins.csv", key="checkins_csv")

if detail.counter_metric is not None:
    counter = detail.counter_metric
    st.subheader(f"Counter-metric: {markdown_text(counter.display_label)}")
    st.caption(
        f"A guardrail that must not get worse while this key result improves. "
        f"{markdown_text(in_words(counter, ctx.catalog))}"
    )
    counter_spec = data.metrics_spec(ctx.home, (counter.name,), ctx.version)
    if counter_spec is not None:
        downloads.chart(ctx.actor, counter_spec, f"{counter.name}.png", key="counter")
