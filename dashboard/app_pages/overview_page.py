"""Leaders' overview: which key results are off, where each is heading, and why, in ten seconds.

Each objective is a table of words (band and status in colour and in words, value against
target, the forecast's likely band, the change since last week, the latest check-in note); the
charts and the full table are one click away. `?present=true` is the screen-share mode: no
navigation, filters tucked in the sidebar, large type, the whole company and then one objective
per screen, arrow keys.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

import streamlit as st

from dashboard import data
from dashboard.components import downloads, filters, gate, identity, style
from dashboard.components.bands import band_badge, status_word
from pipelines.service.formatting import markdown_text, table_cell
from pipelines.service.glance import Objective, Row

ctx = gate.require_workspace()
presenting = st.query_params.get("present") == "true"
head = st.container(horizontal=True, vertical_alignment="center")
title = head.empty()
if not presenting:
    with head:
        identity.badge(data.workspace(), ctx.actor)
with st.sidebar if presenting else head.popover("Filters", icon=":material/filter_list:"):
    as_of = filters.as_of()
    period = filters.period(ctx.okrs, as_of)
    team = filters.team(ctx.okrs)
    kind = filters.kind()
chosen_team = None if team == filters.ALL else team
chosen_kind = None if kind == filters.ALL else kind
# First paint: everything but the forecasts, at once; the forecasts fill in below.
found = data.glance(ctx.home, as_of, period, chosen_team, chosen_kind, ctx.version, False)
who = markdown_text(chosen_team) if chosen_team else "Company"
# A heading element (not a Markdown line), so assistive tech and the load bench find it.
title.subheader(f"{who} OKRs · {markdown_text(period)} · as of {as_of:%d %b %Y}")
if not found.objectives:
    st.info("No key results match these filters. Choose another period, team or kind.")
    st.stop()

preset = ctx.okrs.band_preset
bands = " ".join(
    f"**{n}** {band_badge(b, preset)}" for b, n in found.band_counts if n or b != "no data"
)
statuses = " ".join(
    f"**{n}** {status_word(s)}" for s, n in found.status_counts if n or s != "no data"
)
so_far = "" if found.final else " so far"
through = f" · data through {found.data_through:%-d %b}" if found.data_through else ""
st.markdown(
    f"{bands}{so_far} &nbsp;·&nbsp; {statuses} &nbsp;·&nbsp; "
    f":gray[{found.elapsed} of the period gone by{through}]",
    help=f"Band: progress to the target ({markdown_text(preset)} preset), a grade only once the "
    "key result's deadline has passed. Status: progress against "
    "the share of the period gone by. Heading for: the forecast's likeliest band at its end, and "
    "its chance. Why: the latest check-in note, else the move of the metric's driver (a leading "
    "metric that a measured link says leads it), else the metric's own move. Data through: the "
    "last day the exports behind every key result shown cover.",
)

WHY_CHARS = 90  # the whole note is on the key result's page


HEADER = (
    f"| Key result | {found.band_heading} | Status | Now | Heading for | Since last week | Why |\n"
    "|---|---|---|---|---|---|---|"
)


def short(text: str) -> str:
    """text cut to WHY_CHARS at a word, with an ellipsis when cut."""
    return text if len(text) <= WHY_CHARS else text[:WHY_CHARS].rsplit(" ", 1)[0] + "…"


def key_result_line(row: Row) -> str:
    """One key result as a row of the table, linking to its page."""
    stale = " :gray[(stale)]" if row.stale else ""
    cells = [
        f"[{table_cell(row.title)}](key-result?kr={quote(row.kr_id, safe='')})",
        # A key result due before the others is graded while they are still in progress.
        band_badge(row.band, preset) + (" :gray[final]" if row.final and not found.final else ""),
        status_word(row.status),
        f"{table_cell(row.now)} · {table_cell(row.progress)}{stale}",
        table_cell(row.heading),
        table_cell(row.change),
        table_cell(short(row.why)),
    ]
    return "| " + " | ".join(cells) + " |"


def objectives_table(objectives: tuple[Objective, ...]) -> str:
    """The objectives as one Markdown table: a bold line for each, then its key results."""
    lines = [HEADER]
    for o in objectives:
        # Telescoping: an objective often carries the title of the key result it rolls up into.
        into = "" if o.parent in ("", o.title) else f" into {table_cell(o.parent)}"
        rolls_up = f" ↳ rolls up{into}" if o.parent else ""
        lines.append(
            f"| **{table_cell(o.title)}** | {band_badge(o.band, preset)} | | "
            f"{table_cell(o.progress)} :gray[· {table_cell(o.team)}{rolls_up}] | | | |"
        )
        lines += [key_result_line(row) for row in o.rows]
    return "\n".join(lines)


def show_slide(objective: Objective) -> None:
    """One objective in large type for a shared screen: each key result a heading and a line."""
    rolls_up = f" · ↳ {markdown_text(objective.parent)}" if objective.parent else ""
    st.markdown(
        f"## {markdown_text(objective.title)}\n"
        f"{markdown_text(objective.team)} · {band_badge(objective.band, preset)} "
        f"{markdown_text(objective.progress)}{rolls_up}"
    )
    for row in objective.rows:
        why = f"  \n:gray[{markdown_text(short(row.why))}]" if row.why else ""
        st.markdown(
            f"### {band_badge(row.band, preset)} {markdown_text(row.title)}\n"
            f"{status_word(row.status)} · {markdown_text(row.now)} · heading for "
            f"{markdown_text(row.heading)} · since last week {markdown_text(row.change)}{why}"
        )


def show_company(objectives: tuple[Objective, ...]) -> None:
    """The whole company on one shared screen: each objective, its band, its key results' bands."""
    for o in objectives:
        bands = Counter(row.band for row in o.rows)
        krs = " ".join(f"**{bands[b]}** {band_badge(b, preset)}" for b in found.bands if bands[b])
        st.markdown(
            f"### {band_badge(o.band, preset)} {markdown_text(o.title)}\n"
            f"{markdown_text(o.team)} · {markdown_text(o.progress)} · key results {krs}"
        )


def details(objective: Objective) -> None:
    """An objective's bullet chart, full table and exports."""
    ids = tuple(r.kr_id for r in objective.rows)
    oid = objective.objective_id
    spec = data.bullet_spec(ctx.home, as_of, period, oid, ids, ctx.version)
    downloads.chart(ctx.actor, spec, f"{oid}.png", key=f"bullet_{oid}")
    rows = data.overview(ctx.home, as_of, period, chosen_team, None, ctx.version).tables.get(oid)
    if rows is not None:
        st.dataframe(rows, hide_index=True, key=f"table_{oid}")
        downloads.csv_button(ctx.actor, rows, f"{oid}.csv", key=f"csv_{oid}")


if presenting:
    # The whole company, then one objective per screen; the arrow keys move, as in a deck.
    slide = min(int(st.session_state.get("slide", 0)), len(found.objectives))
    if slide:  # an objective's slide says where each key result is heading: the forecasts
        found = data.glance(ctx.home, as_of, period, chosen_team, chosen_kind, ctx.version)
    with st.container(key=style.SLIDE):
        if slide == 0:
            show_company(found.objectives)
        else:
            show_slide(found.objectives[slide - 1])
    c1, c2, c3 = st.columns([1, 4, 1])
    if c1.button(
        "Previous", icon=":material/arrow_back:", shortcut="ArrowLeft", disabled=slide == 0
    ):
        st.session_state["slide"] = slide - 1
        st.rerun()
    where = f"Objective {slide} of {len(found.objectives)}" if slide else f"All of {who}"
    c2.caption(f"{where} · arrow keys move")
    last = slide == len(found.objectives)
    if c3.button("Next", icon=":material/arrow_forward:", shortcut="ArrowRight", disabled=last):
        st.session_state["slide"] = slide + 1
        st.rerun()
else:
    board = st.container(key=style.GLANCE).empty()
    board.markdown(objectives_table(found.objectives))
    with st.spinner("Forecasting each key result to the end of the period…", show_time=True):
        found = data.glance(ctx.home, as_of, period, chosen_team, chosen_kind, ctx.version)
    board.markdown(objectives_table(found.objectives))
    downloads.html_button(
        ctx.actor,
        lambda: data.overview_html(ctx.home, as_of, period, chosen_team, ctx.version),
        f"okrs-{as_of}.html",  # no user text in a file name
        key="overview_html",
    )
    for objective in found.objectives:
        with st.expander(f"Details: {markdown_text(objective.title)}"):
            details(objective)
