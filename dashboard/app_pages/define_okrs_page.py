"""Define OKRs: periods, objectives and key results, validated like okrs.yaml and saved into it.

Why this module is long: it holds a form for each of the three kinds of definition and the edit
form of each, every one bound to its item; its pickers (metric, slice, deadline) are candidates
for a dashboard/components module once a second page needs them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from dashboard import data
from dashboard.components import gate
from pipelines.service import Action, OkrlensError
from pipelines.service.formatting import markdown_text
from pipelines.service.okr_edits import (
    NeedsConfirmation,
    add_key_result,
    add_objective,
    add_period,
    edit_key_result,
    edit_objective,
    edit_period,
    number_from_text,
    quarter_of,
    remove,
    slice_choices,
)

ctx = gate.require_workspace(needs_key_results=False)
ws = data.workspace()
st.title("Define OKRs")
st.caption(
    "A period is an OKR cycle; an objective is one team's aspiration for it; a key result is a "
    "metric moving from a baseline to a target. Saved into okrs.yaml, comments kept."
)
if message := st.session_state.pop("define_okrs_message", None):
    st.success(markdown_text(message))


def saved(message: str) -> None:
    """Say what was saved, on the page as it is after the save."""
    st.session_state["define_okrs_message"] = message
    st.rerun()


def read_only(action: Action, team: str | None = None) -> bool:
    """True (with a caption saying why) when the visitor may not take action."""
    if ctx.actor.may(action, team):
        return False
    st.caption(markdown_text(ctx.actor.refusal(action, team).message()))
    return True


def today() -> dt.date:
    """The day the defaults follow: the link's as-of date (?as_of=, as on every page), else today."""
    try:
        return dt.date.fromisoformat(str(st.query_params.get("as_of", "")))
    except ValueError:
        return data.today()


def metric_picker(key: str, current: str | None = None) -> str | None:
    """The metric a key result reads (None: a milestone), picked outside its form so that the
    form's units and slices follow it."""
    names = list(metrics)
    return st.selectbox(
        "Metric",
        names,
        index=names.index(current) if current in names else None,
        format_func=lambda name: f"{metrics[name].label or name} ({name})",
        placeholder="none: a milestone fed by check-ins",
        key=key,
    )


WHOLE = "whole metric"


def slice_picker(
    metric: str | None, key: str, current: dict[str, str] | None = None
) -> dict[str, str] | None:
    """One stored value of one dimension of metric to target (None: the whole metric)."""
    choices = slice_choices(data.series(ctx.home, ctx.version), ctx.catalog, metric or "")
    if not choices:
        return None
    options: dict[str, dict[str, str] | None] = {WHOLE: None}
    options |= {f"{d}: {v}": {d: v} for d, values in choices.items() for v in values}
    if current and set(current) <= set(choices):  # kept, even when no stored row has it yet
        options |= {f"{d}: {v}": current for d, v in current.items()}
    picked = st.selectbox(
        "Slice",
        list(options),
        index=list(options.values()).index(current) if current in options.values() else 0,
        key=key,
        help="Target one segment of the metric, e.g. pro-plan users only.",
    )
    return options[str(picked)]


def deadline_input(first: dt.date, last: dt.date, value: dt.date, key: str) -> dt.date:
    """The day the target is due, after the period's first day and by its last (the default)."""
    chosen = st.date_input(
        "Deadline",
        value=value,
        min_value=first + dt.timedelta(days=1),
        max_value=last,
        key=key,
        help=f"Due by the period's last day ({last:%d %b %Y}) unless you pick an earlier one.",
    )
    return chosen if isinstance(chosen, dt.date) else value


periods = [p.name for p in ctx.okrs.periods]
objectives = {o.id: o for o in ctx.okrs.objectives}
metrics = {m.name: m for m in ctx.catalog.metrics}
current = ctx.okrs.period_at(today())
kr_tab, objective_tab, period_tab, edit_tab = st.tabs(
    ["Key result", "Objective", "Period", "Edit or remove"]
)

with period_tab:
    suggested = quarter_of(data.today())
    locked = read_only(Action.DEFINE_PERIODS)
    with st.form("new_period"):
        name = st.text_input("Name", value=suggested.name, max_chars=40, key="period_name")
        c1, c2 = st.columns(2)
        start = c1.date_input("First day", value=suggested.start, key="period_start")
        end = c2.date_input("Last day", value=suggested.end, key="period_end")
        if st.form_submit_button("Add period", type="primary", disabled=locked):
            try:
                add_period(ws, ctx.actor, name, start, end)
            except OkrlensError as exc:
                st.error(markdown_text(exc.message()))
            else:
                saved(f"Added the period {name}.")

with objective_tab:
    if not periods:
        st.info("Add a period first: an objective belongs to one.")
    else:
        teams = list(dict.fromkeys(o.team for o in ctx.okrs.objectives))
        locked = read_only(Action.EDIT_KEY_RESULT)
        with st.form("new_objective"):
            title = st.text_input("Title", max_chars=200, key="objective_title")
            c1, c2, c3 = st.columns(3)
            team = c1.text_input(
                "Team",
                max_chars=80,
                key="objective_team",
                placeholder=("e.g. " + ", ".join(teams[:3])) if teams else "e.g. Growth",
            )
            owner = c2.text_input("Owner", max_chars=80, key="objective_owner")
            period = c3.selectbox(
                "Period",
                periods,
                index=periods.index(current.name) if current else len(periods) - 1,
                key="objective_period",
            )
            c1, c2 = st.columns(2)
            commitment = c1.segmented_control(
                "Commitment",
                ["aspirational", "committed"],
                default="aspirational",
                key="objective_commitment",
                help="Committed objectives are expected to land at 1.0; aspirational at about 0.7.",
            )
            parent = c2.selectbox(
                "Rolls up into key result (optional)",
                [kr.id for o in ctx.okrs.objectives for kr in o.key_results],
                index=None,
                key="objective_parent",
            )
            identifier = st.text_input(
                "Id (optional)",
                max_chars=40,
                key="objective_id",
                help="How links find it; made from the title when left empty.",
            )
            if st.form_submit_button("Add objective", type="primary", disabled=locked):
                fields: dict[str, Any] = {
                    "id": identifier,
                    "title": title,
                    "team": team or "",
                    "owner": owner,
                    "period": period,
                    "commitment": commitment or "aspirational",
                    "parent_kr": parent,
                }
                try:
                    add_objective(ws, ctx.actor, fields)
                except OkrlensError as exc:
                    st.error(markdown_text(exc.message()))
                else:
                    saved(f"Added the objective {title}. Now give it a key result.")

KINDS = {
    "": "from the baseline and target",
    "increase": "increase",
    "decrease": "decrease",
    "stay_above": "stay above a threshold",
    "stay_below": "stay below a threshold",
    "milestone": "milestone (fed by check-ins)",
}

with kr_tab:
    if not objectives:
        st.info("Add an objective first: a key result measures one.")
    elif not metrics:
        st.info("Define a metric first (Define metrics page), or add a milestone key result.")
    if objectives:
        ids = list(objectives)
        now = [i for i in ids if current is not None and objectives[i].period == current.name]
        c1, c2 = st.columns(2)
        chosen = c1.selectbox(
            "Objective",
            ids,
            index=ids.index(now[0]) if now else len(ids) - 1,
            key="kr_objective",
            format_func=lambda oid: f"{objectives[oid].title} ({objectives[oid].team})",
        )
        objective = objectives[str(chosen)]
        cycle = ctx.okrs.period(objective.period)
        with c2:
            metric = metric_picker("kr_metric")
        locked = read_only(Action.EDIT_KEY_RESULT, objective.team)
        pending = st.session_state.get("kr_confirm")
        with st.form("new_key_result"):
            title = st.text_input(
                "Title",
                max_chars=200,
                key="kr_title",
                placeholder="e.g. Raise weekly active users from 950 to 1,800",
            )
            c1, c2 = st.columns(2)
            kind = c1.selectbox("Type", list(KINDS), format_func=KINDS.__getitem__, key="kr_type")
            with c2:
                part = slice_picker(metric, "kr_slice")
            unit = metrics[metric].unit if metric else ""
            percent = unit == "%"
            suffix = " (%)" if percent else (f" ({unit})" if unit else "")
            c1, c2, c3, c4 = st.columns([1, 1, 1, 1])
            auto = c1.checkbox("Baseline from the data (auto)", value=True, key="kr_auto")
            baseline = c2.text_input("Baseline" + suffix, key="kr_baseline")
            target = c3.text_input("Target" + suffix, key="kr_target")
            weight = c4.number_input("Weight", value=1.0, min_value=0.01, step=0.5, key="kr_weight")
            c1, c2 = st.columns(2)
            with c1:
                deadline = deadline_input(
                    cycle.start, cycle.end, cycle.end, f"kr_deadline_{cycle.name}"
                )
            counter = c2.selectbox(
                "Counter-metric (optional)",
                list(metrics),
                index=None,
                key="kr_counter",
                help="A metric that must not get worse while this one improves.",
            )
            identifier = st.text_input("Id (optional)", max_chars=40, key="kr_id")
            submitted = st.form_submit_button("Add key result", type="primary", disabled=locked)

        def submit(confirmed: bool) -> None:
            """Add the key result typed into the form, or say why not (or what to confirm)."""
            try:
                fields: dict[str, Any] = {
                    "id": identifier,
                    "title": title,
                    "metric": metric,
                    "slice": part,
                    "type": kind or ("milestone" if metric is None else None),
                    "baseline": "auto"
                    if auto and metric
                    else number_from_text(baseline, "baseline", percent=percent),
                    "target": number_from_text(target, "target", percent=percent),
                    "weight": weight,
                    "deadline": deadline,
                    "counter_metric": counter,
                }
                add_key_result(ws, ctx.actor, objective.id, fields, confirmed=confirmed)
            except NeedsConfirmation as exc:
                st.session_state["kr_confirm"] = exc.concerns
                st.rerun()
            except OkrlensError as exc:
                st.error(markdown_text(exc.message()))
            else:
                st.session_state.pop("kr_confirm", None)
                saved(f"Added the key result {title}; it is scored on the Overview.")

        if submitted:
            st.session_state.pop("kr_confirm", None)
            submit(confirmed=False)
        elif pending:
            st.warning(markdown_text(" ".join(pending)))
            if st.button("Add anyway", type="primary", key="kr_confirm_add"):
                submit(confirmed=True)


def edited(kind: str, item_id: str, change: Any) -> None:
    """Run an edit of item_id; say what was saved, why not, or what to confirm."""
    try:
        change()
    except NeedsConfirmation as exc:
        st.session_state[f"confirm_edit_{item_id}"] = exc.concerns
        st.rerun()
    except OkrlensError as exc:
        st.error(markdown_text(exc.message()))
    else:
        st.session_state.pop(f"confirm_edit_{item_id}", None)
        saved(f"Saved the {kind.replace('_', ' ')} {item_id}.")


def edit_period_form(name: str) -> None:
    """A period's first and last day."""
    period = ctx.okrs.period(name)
    locked = read_only(Action.DEFINE_PERIODS)
    with st.form(f"edit_period_{name}"):
        c1, c2 = st.columns(2)
        start = c1.date_input("First day", value=period.start, key=f"edit_start_{name}")
        end = c2.date_input("Last day", value=period.end, key=f"edit_end_{name}")
        if st.form_submit_button("Save period", type="primary", disabled=locked):
            edited("period", name, lambda: edit_period(ws, ctx.actor, name, start, end))


def edit_objective_form(objective_id: str) -> None:
    """An objective's title, team, owner, commitment and parent key result."""
    o = objectives[objective_id]
    locked = read_only(Action.EDIT_KEY_RESULT, o.team)
    parents = [
        kr.id for other in ctx.okrs.objectives if other.id != o.id for kr in other.key_results
    ]
    with st.form(f"edit_objective_{objective_id}"):
        title = st.text_input("Title", o.title, max_chars=200, key=f"edit_title_{objective_id}")
        c1, c2, c3 = st.columns(3)
        team = c1.text_input("Team", o.team, max_chars=80, key=f"edit_team_{objective_id}")
        owner = c2.text_input("Owner", o.owner, max_chars=80, key=f"edit_owner_{objective_id}")
        commitment = c3.selectbox(
            "Commitment",
            ["aspirational", "committed"],
            index=["aspirational", "committed"].index(o.commitment),
            key=f"edit_commitment_{objective_id}",
        )
        parent = st.selectbox(
            "Rolls up into key result (optional)",
            parents,
            index=parents.index(o.parent_kr) if o.parent_kr in parents else None,
            key=f"edit_parent_{objective_id}",
        )
        if st.form_submit_button("Save objective", type="primary", disabled=locked):
            fields = {"title": title, "team": team, "owner": owner, "commitment": commitment}
            edited(
                "objective",
                objective_id,
                lambda: edit_objective(
                    ws, ctx.actor, objective_id, {**fields, "parent_kr": parent}
                ),
            )


def edit_key_result_form(kr_id: str) -> None:
    """A key result's title, metric, slice, type, deadline and counter-metric (its numbers: the
    Targets page)."""
    objective, kr = ctx.okrs.key_result(kr_id)
    cycle = ctx.okrs.period(objective.period)
    locked = read_only(Action.EDIT_KEY_RESULT, objective.team)
    names = list(metrics)
    metric = metric_picker(f"edit_metric_{kr_id}", kr.metric)
    with st.form(f"edit_kr_{kr_id}"):
        title = st.text_input("Title", kr.title, max_chars=200, key=f"edit_title_{kr_id}")
        part = slice_picker(metric, f"edit_slice_{kr_id}", kr.slice)
        c1, c2, c3 = st.columns(3)
        with c1:
            deadline = deadline_input(
                cycle.start, cycle.end, kr.window(cycle).end, f"edit_deadline_{kr_id}"
            )
        kind = c2.selectbox(
            "Type",
            list(KINDS),
            index=list(KINDS).index(kr.type or ""),
            format_func=KINDS.__getitem__,
            key=f"edit_type_{kr_id}",
        )
        counter = c3.selectbox(
            "Counter-metric (optional)",
            names,
            index=names.index(kr.counter_metric) if kr.counter_metric in names else None,
            key=f"edit_counter_{kr_id}",
        )
        st.caption("Baseline, target and weight are set on the Targets page.")
        submitted = st.form_submit_button("Save key result", type="primary", disabled=locked)
    fields: dict[str, Any] = {"title": title, "metric": metric, "slice": part, "type": kind or None}
    fields |= {"deadline": deadline, "counter_metric": counter}
    pending = st.session_state.get(f"confirm_edit_{kr_id}")
    if submitted:
        edited("key_result", kr_id, lambda: edit_key_result(ws, ctx.actor, kr_id, fields))
    elif pending:
        st.warning(markdown_text(" ".join(pending)))
        if st.button("Save anyway", key=f"confirm_edit_save_{kr_id}"):
            edited(
                "key_result",
                kr_id,
                lambda: edit_key_result(ws, ctx.actor, kr_id, fields, confirmed=True),
            )


def removal(kind: str, item_id: str) -> None:
    """Remove the item after a second click that says what goes with it."""
    asked = st.session_state.get("confirm_remove") == item_id
    if not asked and st.button(f"Remove this {kind.replace('_', ' ')}", key=f"remove_{item_id}"):
        st.session_state["confirm_remove"] = item_id
        st.rerun()
    if asked:
        goes = " and its key results" if kind == "objective" else ""
        st.warning(f"Remove {markdown_text(item_id)}{goes} from okrs.yaml? Check-ins go with it.")
        c1, c2 = st.columns(2)
        if c1.button("Yes, remove", type="primary", key=f"remove_yes_{item_id}"):
            st.session_state.pop("confirm_remove")
            edited(kind, item_id, lambda: remove(ws, ctx.actor, kind, item_id))
        if c2.button("Keep it", key=f"remove_no_{item_id}"):
            st.session_state.pop("confirm_remove")
            st.rerun()


with edit_tab:
    items = {f"period:{p.name}": f"Period {p.name}" for p in ctx.okrs.periods}
    for o in ctx.okrs.objectives:
        items[f"objective:{o.id}"] = f"Objective · {o.title} ({o.team})"
        items |= {f"key_result:{kr.id}": f"Key result · {kr.title}" for kr in o.key_results}
    picked = st.selectbox(
        "What to edit",
        list(items),
        index=None,
        format_func=items.__getitem__,
        placeholder="Pick a period, objective or key result",
        key="edit_item",
    )
    if picked is not None:
        kind, item_id = str(picked).split(":", 1)
        {"period": edit_period_form, "objective": edit_objective_form}.get(
            kind, edit_key_result_form
        )(item_id)
        removal(kind, item_id)

st.subheader("What okrs.yaml holds")
rows = [
    {
        "objective": o.title,
        "team": o.team,
        "period": o.period,
        "key result": kr.title,
        "id": kr.id,
        "measured by": kr.metric or "check-ins",
    }
    for o in ctx.okrs.objectives
    for kr in o.key_results
]
if rows:
    st.dataframe(rows, hide_index=True, key="okr_table")
else:
    st.caption("No key results yet.")
