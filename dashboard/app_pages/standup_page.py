"""Weekly standup for a shared screen: what moved this week, what to discuss, what is stale.

The moves are a board, one row per key result, band and status drawn as chips in the band
colours of every page; the key results to discuss follow, worst first; the rest of the brief
and its Markdown wait in expanders. Tables, not headings, so a dozen moves fit at 1280×720.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from dashboard import charts, data
from dashboard.components import downloads, filters, gate
from dashboard.navigation import PAGES
from pipelines.service import PRESETS, brief_markdown, brief_sections
from pipelines.service.formatting import markdown_text

KR_PAGE = next(spec.url_path for spec in PAGES if spec.file == "kr_detail_page.py")
TEXT = st.column_config.TextColumn
# Widths in pixels (the grid stretches them alike to its width): ten moves, every column, in
# 1280×720 without scrolling either way.
CHIP = TEXT(width=74)
COLUMNS = {
    "key result": TEXT(width=280),
    "team": TEXT(width=115),
    "band was": CHIP,
    "band now": CHIP,
    "status was": CHIP,
    "status now": CHIP,
    "status": CHIP,
    "band": CHIP,
    "progress": TEXT(width=125),
    "expected": TEXT(width=74, help="Progress expected by now, for this share of the period"),
    "why": TEXT(width=250, help="The latest check-in note"),
    "link": st.column_config.LinkColumn(
        "", display_text=":material/open_in_new:", width=34, help="Open on the Key result page"
    ),
}
ROW_HEIGHT = 32  # px; Streamlit's 35 would push the tenth move below the fold


def day(value: dt.date) -> str:
    """A date as people write it: "22 Nov 2026"."""
    return f"{value.day} {value:%b %Y}"


def chip_colors(band_preset: str) -> dict[str, str]:
    """The colour of every band and status word a chip shows."""
    bands = PRESETS[band_preset].colors
    shades = list(bands.values())
    # Statuses borrow the band palette, worst to best, so a colour means the same on both chips.
    statuses = {"off track": shades[0], "at risk": shades[1], "on track": shades[-1]}
    return {**bands, **statuses, "no data": charts.NO_DATA}


def chip_style(word: object, colors: dict[str, str]) -> str:
    """The CSS of a cell drawn as a chip: its word's colour, dark or light text, whichever reads."""
    color = colors.get(str(word))
    if color is None:
        return ""
    red, green, blue = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    # Relative luminance (WCAG 2, gamma rounded to 2.2): below 0.18 white text reads better.
    light_text = 0.2126 * red**2.2 + 0.7152 * green**2.2 + 0.0722 * blue**2.2 < 0.18
    return f"background-color: {color}; color: {'#FFFFFF' if light_text else '#000000'}"


def show(
    frame: pd.DataFrame,
    chips: list[Hashable],
    key: str,
    *,
    as_of: dt.date,
    colors: dict[str, str],
    hide: set[str],
) -> None:
    """Key results as a table, chips coloured, each linked to its page, every row on screen."""
    links = frame["kr_id"].map(
        lambda kr_id: f"{KR_PAGE}?{urlencode({'kr': kr_id, 'as_of': as_of.isoformat()})}"
    )
    st.dataframe(
        frame.assign(link=links).style.map(chip_style, colors=colors, subset=chips),
        hide_index=True,
        height="content",  # no scrolling inside a table on a shared screen
        row_height=ROW_HEIGHT,
        column_order=[c for c in COLUMNS if c in frame.columns and c not in hide] + ["link"],
        column_config=COLUMNS,
        key=key,
    )


ctx = gate.require_workspace()
latest_week_end = data.brief_as_of(ctx.home, ctx.version)
heading, pick_team, pick_date = st.columns([4, 1, 1], vertical_alignment="bottom")
with pick_team:
    team = filters.team(ctx.okrs, key="team")
with pick_date:
    as_of = filters.as_of(default=latest_week_end)
one_team = team != filters.ALL
hide = {"team"} if one_team else set()
colors = chip_colors(ctx.okrs.band_preset)
who = markdown_text(team) if one_team else "All teams"
with heading:
    # One line at 1280 px (the team is in the caption): each line above the board costs a row.
    st.title(f"Standup · {day(as_of)}")
    if as_of == latest_week_end:
        st.caption(
            f"{who}: the latest complete week of data, against the week before. Pick another "
            "date to look back."
        )
    else:
        st.caption(
            f"{who}: this week against the week before. The latest complete week of data ends "
            f"{day(latest_week_end)}."
        )

brief = data.brief(ctx.home, as_of, team if one_team else None, ctx.version)
if brief.period is None:
    st.info("No OKR period contains this date. Pick a date inside a period.")
    st.stop()
if review := brief.review_line():
    st.caption(markdown_text(review))
if stale := brief.stale_line():
    st.warning(markdown_text(stale), icon=":material/schedule:")

week_before = day(as_of - dt.timedelta(days=7))
moves = brief.board()
st.subheader(f"{len(moves)} moved since {week_before}")
if moves.empty:
    st.caption(f"No key result changed band or status since {week_before}.")
else:
    chips: list[Hashable] = ["band was", "band now", "status was", "status now"]
    show(moves, chips, "moves", as_of=as_of, colors=colors, hide=hide)

to_discuss = brief.discussion()
st.subheader("To discuss")
if to_discuss.empty:
    st.caption(f"Every key result is on track as of {day(as_of)}.")
else:
    show(to_discuss, ["status", "band"], "to_discuss", as_of=as_of, colors=colors, hide=hide)

sections = brief_sections(brief)
with st.expander(
    "More this week: " + ", ".join(f"{s.title.lower()} ({len(s.items)})" for s in sections)
):
    for section in sections:
        st.markdown(f"**{section.title}**\n\n" + "\n".join(section.markdown_lines()))

with st.expander("The brief as Markdown, to paste into chat"):
    text = brief_markdown(brief)
    st.code(text, language="markdown")
    downloads.markdown_button(ctx.actor, text, f"brief-{as_of}.md", "brief_md", "standup brief")
    downloads.csv_button(ctx.actor, brief.changes, f"standup-{as_of}.csv", key="standup_csv")
