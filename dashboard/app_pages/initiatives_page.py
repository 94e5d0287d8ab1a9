"""Initiatives: the outputs planned to move the key results, ranked by RICE with every input.

RICE = reach × impact × confidence ÷ effort, impact derived from the key results each
initiative serves (pipelines.okrs.rice). Analysts add, edit and remove initiatives, saved into
initiatives.yaml with its comments kept; viewers read.
"""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.components import downloads, filters, gate
from dashboard.components.effects import draw_effects
from pipelines.service import Action, OkrlensError
from pipelines.service.formatting import cell_text, markdown_text, table_cell
from pipelines.service.initiatives import (
    STATUSES,
    InitiativeDraft,
    add_initiative,
    draft_of,
    effect_unit,
    remove_initiative,
    update_initiative,
)

ctx = gate.require_workspace()
ws = data.workspace()
st.title("Initiatives")
st.caption(
    "The work planned to move the key results. RICE = reach × impact × confidence ÷ effort; "
    "impact is never typed in: it is each initiative's expected effect as a share of what its key "
    "results still need (or of their forecast's shortfall), weighted by each key result's share "
    "of the OKRs, and zero for one that serves no key result of the period. Ideas, planned and "
    "in-progress work is ranked; shipped and dropped work is listed."
)
if message := st.session_state.pop("initiatives_message", None):
    st.success(markdown_text(message))
c1, c2, c3 = st.columns(3)
with c1:
    as_of = filters.as_of()
with c2:
    period = filters.period(ctx.okrs, as_of)
with c3:
    team = filters.team(ctx.okrs)
chosen_team = None if team == filters.ALL else team
found = data.initiatives(ctx.home, as_of, period, chosen_team, ctx.version)


def ranking_table(rows: pd.DataFrame, rank: str) -> str:
    """rows as one Markdown table: rank (column rank), score, its inputs, key results, flags."""
    lines = [
        "| Rank | Initiative | Team | Status | RICE | Reach × impact × confidence ÷ effort "
        "| Serves | Impact from | Flags |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows.to_dict("records"):
        inputs = " × ".join(cell_text(c, row[c]) for c in ("reach", "impact", "confidence"))
        served = ", ".join(
            f"[{table_cell(kr)}](key-result?kr={quote(kr, safe='')})" for kr in row["key_results"]
        )
        cells = [
            cell_text(rank, row[rank]),
            f"{table_cell(row['title'])} :gray[{table_cell(row['initiative_id'])}]",
            table_cell(row["team"]),
            cell_text("status", row["status"]),
            f"**{cell_text('rice', row['rice'])}**",
            f"{inputs} ÷ {cell_text('effort', row['effort'])}",
            served,
            table_cell(row["contributions"]),
            table_cell(row["flag"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if found.rows.empty:
    st.info(
        "No initiatives yet for these filters. Add one below, or declare them in initiatives.yaml."
    )
else:
    company, *teams = st.tabs(["Company", *(markdown_text(name) for name, _ in found.teams)])
    with company:
        st.markdown(ranking_table(found.rows, "rank_company"))
    for tab, (_, rows) in zip(teams, found.teams, strict=True):
        with tab:
            st.markdown(ranking_table(rows, "rank_team"))
    downloads.csv_button(ctx.actor, found.rows, f"initiatives-{period}.csv", key="rice_csv")

st.header("Did the shipped work move the outcome?")
draw_effects(ctx, as_of, key="effects")

st.header("Add or edit an initiative")
if not ctx.actor.may(Action.DEFINE_INITIATIVES):
    st.caption(markdown_text(ctx.actor.refusal(Action.DEFINE_INITIATIVES).message()))
    st.stop()

NEW = ""
choices = {NEW: "A new initiative"} | {
    r.initiative_id: f"{r.title} ({r.initiative_id})" for r in found.rows.itertuples()
}
picked = str(
    st.selectbox("Initiative", list(choices), format_func=choices.__getitem__, key="initiative")
)
try:  # the file may have changed since the ranking was read
    draft = InitiativeDraft(team=chosen_team or "") if picked == NEW else draft_of(ws, picked)
except OkrlensError as exc:
    st.error(markdown_text(exc.message()))
    st.stop()
key = picked or "new"  # every widget is bound to the initiative it shows
key_results = {
    kr.id: f"{kr.title} ({kr.id}, {o.period})" for o in ctx.okrs.objectives for kr in o.key_results
}
typed_effects = dict(draft.effects)
# Outside the form, so that an effect field appears as soon as a key result is picked.
served = st.multiselect(
    "Key results it serves",
    list(key_results),
    default=[kr for kr in typed_effects if kr in key_results],
    format_func=key_results.__getitem__,
    key=f"serves_{key}",
)


def saved(message: str) -> None:
    """Say what was saved, on the page as it is after the save."""
    st.session_state["initiatives_message"] = message
    st.rerun()


def save(new: InitiativeDraft) -> None:
    """Add or update the picked initiative as new declares it, or say why not."""
    try:
        if picked == NEW:
            add_initiative(ws, ctx.actor, new)
        else:
            update_initiative(ws, ctx.actor, picked, new)
    except OkrlensError as exc:
        st.error(markdown_text(exc.message()))
    else:
        if picked == NEW:  # an empty form for the next one
            for name in [k for k in st.session_state if str(k).split("_")[-1] == "new"]:
                del st.session_state[name]
        saved(f"Saved the initiative {new.title.strip()}.")


with st.form(f"initiative_form_{key}"):
    title = st.text_input("Title", draft.title, max_chars=200, key=f"title_{key}")
    c1, c2, c3, c4 = st.columns(4)
    team_typed = c1.text_input("Team", draft.team, max_chars=80, key=f"team_{key}")
    owner = c2.text_input("Owner", draft.owner, max_chars=120, key=f"owner_{key}")
    status = c3.selectbox(
        "Status",
        STATUSES,
        index=STATUSES.index(draft.status),
        format_func=lambda s: s.replace("_", " "),
        key=f"status_{key}",
    )
    ship_date = c4.date_input(
        "Ship date", value=draft.ship_date, key=f"ship_{key}", help="Required once shipped."
    )
    effects = tuple(
        (
            kr,
            st.text_input(
                markdown_text(
                    f"Expected effect on {kr} ({effect_unit(ctx.okrs, ctx.catalog, kr) or 'its unit'})"
                ),
                typed_effects.get(kr, ""),
                key=f"effect_{kr}_{key}",
                help="Signed, in the metric's units: +0.1, -1.5, 15,000.",
            ),
        )
        for kr in served
    )
    c1, c2, c3 = st.columns(3)
    reach = c1.text_input("Reach (people per period)", draft.reach, key=f"reach_{key}")
    confidence = c2.text_input("Confidence (%)", draft.confidence, key=f"confidence_{key}")
    effort = c3.text_input("Effort (person-weeks)", draft.effort, key=f"effort_{key}")
    note = st.text_input("Note", draft.note, max_chars=2000, key=f"note_{key}")
    wanted_id = "" if picked else st.text_input("Id (optional)", max_chars=80, key="id_new")
    submitted = st.form_submit_button(
        "Add initiative" if picked == NEW else "Save initiative", type="primary"
    )
if submitted:
    save(
        InitiativeDraft(
            title=title,
            team=team_typed,
            owner=owner,
            status=str(status),
            ship_date=ship_date if not isinstance(ship_date, tuple) else None,
            effects=effects,
            reach=reach,
            confidence=confidence,
            effort=effort,
            note=note,
            id=wanted_id,
        )
    )

if picked != NEW:
    if st.session_state.get("confirm_remove_initiative") != picked:
        if st.button("Remove this initiative", key=f"remove_{key}"):
            st.session_state["confirm_remove_initiative"] = picked
            st.rerun()
    else:
        st.warning(f"Remove {markdown_text(picked)} from initiatives.yaml?")
        c1, c2 = st.columns(2)
        if c1.button("Yes, remove", type="primary", key=f"remove_yes_{key}"):
            st.session_state.pop("confirm_remove_initiative")
            try:
                remove_initiative(ws, ctx.actor, picked)
            except OkrlensError as exc:
                st.error(markdown_text(exc.message()))
            else:
                st.session_state.pop("initiative", None)
                saved(f"Removed the initiative {picked}.")
        if c2.button("Keep it", key=f"remove_no_{key}"):
            st.session_state.pop("confirm_remove_initiative")
            st.rerun()
