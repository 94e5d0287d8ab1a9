"""Weekly standup: this week against last week, in large type for a shared screen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping
from typing import Any

import streamlit as st

from dashboard import data
from dashboard.components import downloads, filters, gate
from dashboard.formatting import percent_text
from pipelines import standup

ctx = gate.require_workspace()
c1, c2 = st.columns(2)
with c1:
    team = filters.team(ctx.okrs, key="team")
with c2:
    as_of = filters.as_of()
period = data.current_period(ctx.okrs, as_of)
st.title(f"Standup · {team if team != filters.ALL else 'all teams'} · week of {as_of:%d %b %Y}")

now, _ = data.scores(ctx.home, as_of, period, ctx.version)
before, _ = data.scores(ctx.home, as_of - dt.timedelta(days=7), period, ctx.version)
if team != filters.ALL:
    now, before = now[now["team"] == team], before[before["team"] == team]
if now.empty:
    st.info("No key results for this team in the current period.")
    st.stop()
changes = standup.week_over_week(now, before)


def line(row: Mapping[Hashable, Any]) -> str:
    """One key result as a short, readable line."""
    return f"**{row['kr_id']}** {row['key_result']}"


st.header("Changed band or status")
moved = standup.band_or_status_changes(changes)
if moved.empty:
    st.markdown("### Nothing crossed a band or changed status since last week.")
for row in moved.to_dict("records"):
    st.markdown(
        f"### {line(row)}\n{row['band_before'] or 'no data'} → **{row['band'] or 'no data'}**, "
        f"{str(row['status_before']).replace('_', ' ')} → **{str(row['status']).replace('_', ' ')}**"
    )

st.header("Biggest movers")
movers = standup.biggest_movers(changes)
if movers.empty:
    st.markdown("### No key result moved.")
for row in movers.to_dict("records"):
    arrow = "▲" if row["progress_change"] > 0 else "▼"
    st.markdown(
        f"### {arrow} {abs(row['progress_change']):.0%} · {line(row)}\n"
        f"{percent_text(row['progress_before'])} → {percent_text(row['progress'])}"
    )

st.header("Stale data")
stale = standup.stale_data(now)
if stale.empty:
    st.markdown("### Every metric is fresh.")
for row in stale.to_dict("records"):
    st.markdown(f"### {line(row)}\nlatest data {row['data_as_of']}")

st.header("Milestones without a recent check-in")
overdue = standup.milestones_without_recent_checkin(ctx.okrs, now, as_of)
if overdue.empty:
    st.markdown(f"### Every milestone was checked in within {standup.CHECKIN_STALE_DAYS} days.")
for row in overdue.to_dict("records"):
    last = row["last_checkin"] or "never"
    st.markdown(f"### {line(row)}\nlast check-in: {last}")

table = changes[
    [
        "kr_id",
        "key_result",
        "band_before",
        "band",
        "status_before",
        "status",
        "progress_before",
        "progress",
        "progress_change",
    ]
]
with st.expander("All key results, this week against last week"):
    st.dataframe(table, hide_index=True, key="standup_table")
    downloads.csv_button(table, f"standup-{as_of}.csv", key="standup_csv")
