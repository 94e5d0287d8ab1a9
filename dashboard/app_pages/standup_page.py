"""Weekly standup: the brief written from the data, in large type for a shared screen."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.components import downloads, filters, gate
from pipelines.service import brief_markdown, brief_sections
from pipelines.service.formatting import markdown_text

ctx = gate.require_workspace()
c1, c2 = st.columns(2)
with c1:
    team = filters.team(ctx.okrs, key="team")
with c2:
    as_of = filters.as_of()
who = markdown_text(team) if team != filters.ALL else "all teams"
st.title(f"Standup · {who} · week of {as_of:%d %b %Y}")

brief = data.brief(ctx.home, as_of, None if team == filters.ALL else team, ctx.version)
if brief.period is None:
    st.info("No OKR period contains this date.")
    st.stop()


for section in brief_sections(brief):
    st.header(section.title)
    if not section.items:
        st.markdown(f"### {section.when_empty}")
    for item in section.items:
        st.markdown(f"### {markdown_text(item.subject)}\n{markdown_text(item.news)}")

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
    downloads.csv_button(ctx.actor, brief.changes, f"standup-{as_of}.csv", key="standup_csv")
