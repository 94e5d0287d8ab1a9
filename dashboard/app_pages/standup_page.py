"""Weekly standup: the brief written from the data, in large type for a shared screen."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.components import downloads, filters, gate
from dashboard.formatting import percent_text
from pipelines.insight.brief import brief_markdown

ctx = gate.require_workspace()
c1, c2 = st.columns(2)
with c1:
    team = filters.team(ctx.okrs, key="team")
with c2:
    as_of = filters.as_of()
st.title(f"Standup · {team if team != filters.ALL else 'all teams'} · week of {as_of:%d %b %Y}")

brief = data.brief(ctx.home, as_of, None if team == filters.ALL else team, ctx.version)
if brief.period is None:
    st.info("No OKR period contains this date.")
    st.stop()


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
    brief.changes,
    "Nothing crossed a band or changed status since last week.",
    lambda row: (
        f"### {line(row)}\n{row['band_before'] or 'no data'} → **{row['band'] or 'no data'}**, "
        f"{str(row['status_before']).replace('_', ' ')} → **{str(row['status']).replace('_', ' ')}**"
    ),
)
section(
    "Biggest movers",
    brief.movers,
    "No key result moved.",
    lambda row: (
        f"### {'▲' if row['progress_change'] > 0 else '▼'} {abs(row['progress_change']):.0%} · "
        f"{line(row)}\n{percent_text(row['progress_before'])} → {percent_text(row['progress'])}"
    ),
)
section(
    "Forecasts that shifted",
    brief.forecast_shifts,
    "No forecast changed its likely outcome.",
    lambda row: (
        f"### {line(row)}\nmost likely {row['band_before']} ({percent_text(row['p_before'])}) → "
        f"**{row['band_now']}** ({percent_text(row['p_now'])})"
    ),
)
section(
    "Stale data",
    brief.stale,
    "Every metric is fresh.",
    lambda row: f"### {line(row)}\nlatest data {row['data_as_of']}",
)
section(
    "Milestones without a recent check-in",
    brief.overdue_milestones,
    "Every milestone has a recent check-in.",
    lambda row: f"### {line(row)}\nlast check-in: {row['last_checkin'] or 'never'}",
)
section(
    "New lint findings",
    brief.new_findings,
    "No new findings.",
    lambda row: f"### {row['code']} · {row['kr_id'] or row['objective_id']}\n{row['message']}",
)

with st.expander("The brief as Markdown, to paste into chat"):
    text = brief_markdown(brief)
    st.code(text, language="markdown")
    st.download_button(
        "Download brief",
        data=text,
        file_name=f"brief-{as_of}.md",
        mime="text/markdown",
        key="brief_md",
        on_click="ignore",
    )
    downloads.csv_button(brief.changes, f"standup-{as_of}.csv", key="standup_csv")
