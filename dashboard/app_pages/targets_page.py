"""Targets and check-ins: edit baselines, targets, weights and the band preset; record check-ins."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.components import gate, kr_picker
from pipelines.service import PRESETS, Action, OkrlensError
from pipelines.service.formatting import markdown_text
from pipelines.service.okr_edits import (
    KeyResultForm,
    NeedsConfirmation,
    add_checkin,
    key_result_form,
    set_band_preset,
    update_key_result,
)

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


def numbers_form(form: KeyResultForm) -> None:
    """The key result's baseline, target and weight, saved only as what was shown for it."""
    unit = " (%)" if form.percent else (f" ({form.unit})" if form.unit else "")
    pending = f"confirm_{form.kr_id}"
    # Every widget is keyed by the key result's id: picking another one shows its own numbers,
    # never the previous one's, and Save can only write what was shown for the KR it names.
    with st.form(f"kr_form_{form.kr_id}"):
        st.subheader(markdown_text(form.title))
        st.caption(markdown_text(f"{form.kr_id} · {form.team}"))
        auto = st.checkbox(
            "Baseline from the data at period start (auto)",
            value=form.baseline_auto,
            key=f"auto_baseline_{form.kr_id}",
        )
        c1, c2, c3 = st.columns(3)
        with c1:
            baseline = st.text_input(
                "Baseline" + unit, value=form.baseline, key=f"baseline_{form.kr_id}"
            )
        with c2:
            target = st.text_input("Target" + unit, value=form.target, key=f"target_{form.kr_id}")
        with c3:
            weight = st.number_input(
                "Weight", value=form.weight, min_value=0.01, step=0.5, key=f"weight_{form.kr_id}"
            )
        submitted = st.form_submit_button("Save key result", type="primary")
    if submitted:
        st.session_state.pop(pending, None)
        save(form, (auto, baseline, target, weight), confirmed=False)
    if concerns := st.session_state.get(pending):
        with st.container(border=True):
            st.warning(markdown_text(" ".join(concerns[1])))
            c1, c2 = st.columns(2)
            if c1.button("Save anyway", type="primary", key=f"confirm_save_{form.kr_id}"):
                save(form, concerns[0], confirmed=True)
            if c2.button("Cancel", key=f"cancel_save_{form.kr_id}"):
                st.session_state.pop(pending)
                st.rerun()


def save(form: KeyResultForm, typed: tuple[bool, str, str, float], *, confirmed: bool) -> None:
    """Save the typed numbers on form's key result, or say why not (or what to confirm)."""
    try:
        update_key_result(ws, ctx.actor, form.kr_id, form.numbers(*typed), confirmed=confirmed)
    except NeedsConfirmation as exc:
        st.session_state[f"confirm_{form.kr_id}"] = (typed, exc.concerns)
        st.rerun()
    except OkrlensError as exc:
        st.error(markdown_text(exc.message()))
    else:
        st.session_state.pop(f"confirm_{form.kr_id}", None)
        saved(f"Saved {form.kr_id}: {form.title}.")


def checkin_form(form: KeyResultForm) -> None:
    """Record a check-in on form's key result: date, value, confidence and a note."""
    with st.form(f"checkin_form_{form.kr_id}"):
        st.subheader("Add a check-in")
        c1, c2, c3 = st.columns([1, 1, 2])
        with c1:
            day = st.date_input("Date", value=data.today(), key=f"checkin_date_{form.kr_id}")
        with c2:
            value = st.text_input(
                "Value" + (" (%)" if form.percent else ""),
                key=f"checkin_value_{form.kr_id}",
                help="For a milestone: 1 when done (or the count done).",
            )
        with c3:
            confidence = st.slider(
                "Confidence of success", 0.0, 1.0, 0.7, 0.05, key=f"checkin_conf_{form.kr_id}"
            )
        note = st.text_input("Note", key=f"checkin_note_{form.kr_id}", max_chars=500)
        if st.form_submit_button("Add check-in"):
            try:
                add_checkin(ws, ctx.actor, form.kr_id, form.checkin(day, value, confidence, note))
            except OkrlensError as exc:
                st.error(markdown_text(exc.message()))
            else:
                saved(f"Added a check-in to {form.kr_id}.")


if message := st.session_state.pop("targets_message", None):
    st.success(markdown_text(message))

current = ctx.okrs.period_at(data.today())
objective, kr = kr_picker.show(ctx.okrs, current.name if current else None)
if not ctx.actor.may(Action.EDIT_KEY_RESULT, objective.team):
    st.info(markdown_text(ctx.actor.refusal(Action.EDIT_KEY_RESULT, objective.team).message()))
    st.stop()
form = key_result_form(ws, kr.id)
numbers_form(form)
checkin_form(form)

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
        set_band_preset(ws, ctx.actor, str(preset))
    except OkrlensError as exc:
        st.error(markdown_text(exc.message()))
    else:
        saved(f"Band preset is now {PRESETS[str(preset)].title}.")
