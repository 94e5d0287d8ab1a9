"""Targets and check-ins: edit baselines, targets, weights and the band preset; record check-ins."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.components import gate, kr_picker
from pipelines.service import PRESETS, Action, CheckIn, OkrlensError, edits
from pipelines.service.formatting import markdown_text

ctx = gate.require_workspace(Action.CHECK_IN)
ws = data.workspace()
st.title("Targets and check-ins")
st.caption(
    "Changes are validated like a hand-written okrs.yaml, then saved atomically; comments in the file are kept."
)


def saved(action: str) -> None:
    """Confirm a save and show the new state."""
    st.session_state["targets_message"] = action
    st.rerun()


if message := st.session_state.pop("targets_message", None):
    st.success(markdown_text(message))

current = ctx.okrs.period_at(data.today())
objective, kr = kr_picker.show(ctx.okrs, current.name if current else None)
if not ctx.actor.may(Action.EDIT_KEY_RESULT, objective.team):
    st.info(markdown_text(ctx.actor.refusal(Action.EDIT_KEY_RESULT, objective.team).message()))
    st.stop()

# Every field is keyed by the key result's id: picking another one shows its own numbers, never
# the previous one's, and Save can only write what was shown for the key result it names.
with st.form(f"kr_form_{kr.id}"):
    st.subheader(markdown_text(f"{kr.id} · {kr.title}"))
    auto = st.checkbox(
        "Baseline from the data at period start (auto)",
        value=kr.baseline == "auto",
        key=f"auto_baseline_{kr.id}",
    )
    c1, c2, c3 = st.columns(3)
    with c1:
        baseline = st.number_input(
            "Baseline",
            value=kr.baseline if isinstance(kr.baseline, float) else None,
            format="%.4g",
            key=f"baseline_{kr.id}",
        )
    with c2:
        target = st.number_input("Target", value=kr.target, format="%.4g", key=f"target_{kr.id}")
    with c3:
        weight = st.number_input(
            "Weight", value=kr.weight, min_value=0.01, step=0.5, key=f"weight_{kr.id}"
        )
    if st.form_submit_button("Save key result", type="primary"):
        values: dict[str, float | str | None] = {
            "baseline": "auto" if auto else baseline,
            "target": target,
            "weight": weight,
        }
        try:
            edits.update_key_result(ws, ctx.actor, kr.id, values)
        except OkrlensError as exc:
            st.error(markdown_text(exc.message()))
        else:
            saved(
                f"Saved {kr.id}: baseline {values['baseline']}, target {target}, weight {weight}."
            )

with st.form("checkin_form"):
    st.subheader("Add a check-in")
    c1, c2, c3 = st.columns([1, 1, 2])
    with c1:
        day = st.date_input("Date", value=data.today(), key="checkin_date")
    with c2:
        value = st.number_input(
            "Value",
            value=0.0,
            key="checkin_value",
            help="For a milestone: 1 when done (or the count done).",
        )
    with c3:
        confidence = st.slider(
            "Confidence of success", 0.0, 1.0, 0.7, 0.05, key="checkin_confidence"
        )
    note = st.text_input("Note", key="checkin_note", max_chars=500)
    if st.form_submit_button("Add check-in"):
        try:
            edits.add_checkin(
                ws,
                ctx.actor,
                kr.id,
                CheckIn(date=day, value=value, confidence=confidence, note=note),
            )
        except (OkrlensError, ValueError) as exc:
            st.error(markdown_text(exc.message() if isinstance(exc, OkrlensError) else str(exc)))
        else:
            saved(f"Added a check-in to {kr.id}.")

st.subheader("Band preset")
presets = list(PRESETS)
preset = st.selectbox(
    "Preset used to grade every key result",
    presets,
    index=presets.index(ctx.okrs.band_preset),
    format_func=lambda name: f"{PRESETS[name].title}: {PRESETS[name].source}",
    key="preset",
)
if preset != ctx.okrs.band_preset and st.button("Use this preset", key="save_preset"):
    try:
        edits.set_band_preset(ws, ctx.actor, str(preset))
    except OkrlensError as exc:
        st.error(markdown_text(exc.message()))
    else:
        saved(f"Band preset is now {PRESETS[str(preset)].title}.")
