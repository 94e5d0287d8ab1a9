"""Weekly standup: this week against last week, in large type for a shared screen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import pandas as pd
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


def section(
    title: str, rows: pd.DataFrame, when_empty: str, render: Callable[[Mapping[Hashable, Any]], str]
) -> None:
    """A standup section: a header, then one large line per row, or what it means to have none."""
    st.header(title)
    if rows.empty:
        st.markdown(f"### {when_empty}")
    for row in rows.to_dict("records"):
        st.markdown(render(row))


section(
    "Changed band or status",
    standup.band_or_status_changes(changes),
    "Nothing crossed a band or changed status since last week.",
    lambda row: (
        f"### {line(row)}\n{row['band_before'] or 'no data'} → **{row['band'] or 'no data'}**, "
        f"{str(row['status_before']).replace('_', ' ')} → **{str(row['status']).replace('_', ' ')}**"
    ),
)
section(
    "Biggest movers",
    standup.biggest_movers(changes),
    "No key result moved.",
    lambda row: (
        f"### {'▲' if row['progress_change'] > 0 else '▼'} {abs(row['progress_change']):.0%} · "
        f"{line(row)}\n{percent_text(row['progress_before'])} → {percent_text(row['progress'])}"
    ),
)
section(
    "Stale data",
    standup.stale_data(now),
    "Every metric is fresh.",
    lambda row: f"### {line(row)}\nlatest data {row['data_as_of']}",
)
section(
    "Milestones without a recent check-in",
    standup.milestones_without_recent_checkin(ctx.okrs, now, as_of),
    f"Every milestone was checked in within {standup.CHECKIN_STALE_DAYS} days.",
    lambda row: f"### {line(row)}\nlast check-in: {row['last_checkin'] or 'never'}",
)

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
