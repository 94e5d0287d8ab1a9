"""Define metrics: create, edit or remove one, picked from what the store holds and previewed live.

A broken metric is listed too, marked with what is wrong, so that it can be fixed or removed here.
A draft whose filter compares a property with a value no stored event holds is saved only once
the person ticks that the value will arrive in a later export.

Why this module is long: it is one form with a set of fields per kind of metric (events, a KPI,
a ratio, a formula), each keyed by the metric it edits; the field sets are the candidates for a
component of their own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import streamlit as st

from dashboard import charts, data
from dashboard.components import gate
from pipelines.service import Action, OkrlensError
from pipelines.service import metric_edits as edits
from pipelines.service import metric_forms as forms
from pipelines.service.formatting import markdown_text, value_text
from pipelines.service.metric_choices import MetricChoices
from pipelines.service.okr_edits import NeedsConfirmation

NEW = ""  # the picker's entry for a new metric: no metric has an empty name
PICKED = "define_metric"
PICK_NEXT = "define_metric_next"  # what the picker shows after a save or a removal
REMOVING = "define_metric_removing"  # (metric, what goes) while its removal awaits a second click
# A problem is shown whole once its metric is picked; the picker's entry only says what it is.
PROBLEM_IN_PICKER = 60
SOURCES = {
    "events": "Product events",
    "kpis": "A KPI export",
    "ratio": "A ratio of two metrics",
    "formula": "A formula over metrics",
}
EVENT_MEASURES = {
    "count": "Number of events",
    "count_distinct": "Number of distinct values of",
    "sum": "Sum of",
    "avg": "Average of",
    "min": "Smallest",
    "max": "Largest",
    "last": "Latest value of",
}
KPI_MEASURES = {
    "sum": "Sum of the values",
    "avg": "Average value",
    "last": "Latest value (a snapshot, such as MRR)",
    "min": "Smallest value",
    "max": "Largest value",
    "count": "Number of values reported",
}


def offered(known: Iterable[str], *current: str) -> list[str]:
    """The choices a widget offers: what the store holds, and what the metric already uses."""
    return list(dict.fromkeys([*known, *(c for c in current if c)]))


def at(options: list[str], value: str) -> int:
    """The index of value among options (the first when it is not one)."""
    return options.index(value) if value in options else 0


ctx = gate.require_workspace(needs_key_results=False)
ws = data.workspace()
may_define = ctx.actor.may(Action.DEFINE_METRICS)
off = not may_define
labels = {m.name: m.display_label for m in ctx.catalog.metrics}
broken = {b.name: b for b in data.broken_metrics(ctx.home, ctx.version)}


def entry(name: str) -> str:
    """How the picker lists the metric called name: a broken one says what is wrong with it."""
    if not name:
        return "New metric"
    if name not in broken:
        return f"{labels[name]} ({name})"
    problem = broken[name].problem
    cut = problem if len(problem) <= PROBLEM_IN_PICKER else problem[: PROBLEM_IN_PICKER - 1] + "…"
    return f"{name} (broken: {cut})"


def key(field: str, metric: str) -> str:
    """The widget key of field in metric's form ("" for a new metric).

    Every key names the metric it edits: picking another metric shows its own values, never the
    previous one's, and Save can only write what was shown for the metric it names.
    """
    return f"define_{field}_{metric or '+new'}"


def common_fields(form: forms.MetricForm, metric: str) -> forms.MetricForm:
    """form with what every metric has: name, label, description, kind, direction, unit, source."""
    c1, c2 = st.columns(2)
    with c1:
        name = st.text_input(
            "Name (key results point at it)", form.name, key=key("name", metric), disabled=off
        )
        label = st.text_input("Label", form.label, key=key("label", metric), disabled=off)
        description = st.text_input(
            "Description", form.description, key=key("desc", metric), disabled=off
        )
    with c2:
        kinds, directions = ["leading", "lagging"], ["higher", "lower"]
        kind = st.radio(
            "Kind",
            kinds,
            at(kinds, form.kind),
            key=key("kind", metric),
            horizontal=True,
            disabled=off,
        )
        direction = st.radio(
            "Better when",
            directions,
            at(directions, form.direction),
            key=key("direction", metric),
            horizontal=True,
            disabled=off,
        )
        unit = st.text_input(
            "Unit", form.unit, key=key("unit", metric), disabled=off, placeholder="users"
        )
    source = st.radio(
        "Computed from",
        list(SOURCES),
        at(list(SOURCES), form.source),
        format_func=SOURCES.__getitem__,
        key=key("source", metric),
        horizontal=True,
        disabled=off,
    )
    return dataclasses.replace(
        form,
        name=name,
        label=label,
        description=description,
        kind=str(kind),
        direction=str(direction),
        unit=unit,
        source=str(source),
    )


def event_fields(form: forms.MetricForm, metric: str, choices: MetricChoices) -> forms.MetricForm:
    """form with an events metric's measure, column, events, filter and dimensions."""
    c1, c2 = st.columns(2)
    measures = list(EVENT_MEASURES)
    aggregation = c1.selectbox(
        "Measure",
        measures,
        at(measures, form.aggregation),
        format_func=EVENT_MEASURES.__getitem__,
        key=key("agg", metric),
        disabled=off,
    )
    column = form.column
    if aggregation != "count":
        columns = offered(choices.value_columns, form.column)
        column = c2.selectbox(
            "Column", columns, at(columns, form.column), key=key("column", metric), disabled=off
        )
    events = st.multiselect(
        "Events (none: every event)",
        offered(choices.event_names, *form.event_names),
        default=list(form.event_names),
        key=key("events", metric),
        disabled=off,
    )
    condition = st.text_input(
        "Filter (optional)",
        form.filter,
        key=key("filter", metric),
        disabled=off,
        placeholder="properties['plan'] = 'campus'",
        help=f"A SQL condition over {', '.join(choices.event_columns)} and the stored "
        "properties, read as properties['name']. It is parsed and checked, never pasted.",
    )
    dimensions = st.multiselect(
        "Can be broken down by",
        offered(choices.event_dimensions, *form.dimensions),
        default=list(form.dimensions),
        key=key("dims", metric),
        disabled=off,
    )
    return dataclasses.replace(
        form,
        aggregation=str(aggregation),
        column=str(column or ""),
        event_names=tuple(events),
        filter=condition,
        dimensions=tuple(dimensions),
    )


def kpi_fields(form: forms.MetricForm, metric: str, choices: MetricChoices) -> forms.MetricForm:
    """form with a KPI metric's KPI, measure, filter and breakdown."""
    c1, c2 = st.columns(2)
    kpis = offered(choices.kpis, form.kpi)
    kpi = c1.selectbox(
        "KPI",
        kpis,
        at(kpis, form.kpi),
        format_func=lambda slug: f"{choices.kpis.get(slug, slug)} ({slug})",
        key=key("kpi", metric),
        disabled=off,
    )
    measures = list(KPI_MEASURES)
    aggregation = c2.selectbox(
        "Measure",
        measures,
        at(measures, form.aggregation),
        format_func=KPI_MEASURES.__getitem__,
        key=key("agg", metric),
        disabled=off,
    )
    condition = st.text_input(
        "Filter (optional)",
        form.filter,
        key=key("filter", metric),
        disabled=off,
        placeholder="segment = 'pro'",
    )
    by_segment = st.checkbox(
        "Can be broken down by segment",
        "segment" in form.dimensions,
        key=key("dims", metric),
        disabled=off,
    )
    return dataclasses.replace(
        form,
        kpi=str(kpi or ""),
        aggregation=str(aggregation),
        filter=condition,
        dimensions=("segment",) if by_segment else (),
    )


def ratio_fields(form: forms.MetricForm, metric: str) -> forms.MetricForm:
    """form with a ratio's numerator and denominator, picked among the simple metrics."""
    simple = [m.name for m in ctx.catalog.metrics if m.type == "simple"]
    picked = []
    for box, title, value in zip(
        st.columns(2),
        ("Numerator", "Denominator"),
        (form.numerator, form.denominator),
        strict=True,
    ):
        options = offered(simple, value)
        picked.append(
            box.selectbox(
                title,
                options,
                at(options, value),
                format_func=lambda n: labels.get(n, n),
                key=key(title.lower(), metric),
                disabled=off,
            )
        )
    return dataclasses.replace(
        form, numerator=str(picked[0] or ""), denominator=str(picked[1] or "")
    )


def formula_fields(form: forms.MetricForm, metric: str) -> forms.MetricForm:
    """form with a derived metric's formula over other metrics."""
    expr = st.text_input(
        "Formula",
        form.expr,
        key=key("expr", metric),
        disabled=off,
        placeholder="mrr - churned_mrr",
    )
    return dataclasses.replace(form, expr=expr)


def grain_field(form: forms.MetricForm, metric: str) -> forms.MetricForm:
    """form with a simple metric's grain (a ratio or formula inherits its parts')."""
    if form.source not in ("events", "kpis"):
        return form
    grains = list(forms.GRAINS)
    grain = st.selectbox(
        "Per", grains, at(grains, form.grain), key=key("grain", metric), disabled=off
    )
    return dataclasses.replace(form, grain=str(grain))


def removal(metric: str, asked: bool) -> None:
    """Remove metric once asked (a first click) and confirmed (a second); or say why it cannot go."""
    pending = st.session_state.get(REMOVING)
    if pending is not None and pending[0] != metric:  # asked about a metric no longer shown
        del st.session_state[REMOVING]
        pending = None
    if pending is not None:
        st.warning(markdown_text(" ".join(pending[1])))
        c1, c2 = st.columns(2)
        if c1.button("Yes, remove", type="primary", key=key("remove_yes", metric)):
            removed(metric, confirmed=True)
        if c2.button("Keep it", key=key("remove_no", metric)):
            st.session_state.pop(REMOVING)
            st.rerun()
    elif asked:
        removed(metric, confirmed=False)


def removed(metric: str, *, confirmed: bool) -> None:
    """Ask the service to remove metric; what goes to confirm, why not, or the page without it."""
    try:
        edits.remove_metric(ws, ctx.actor, metric, confirmed=confirmed)
    except NeedsConfirmation as exc:
        st.session_state[REMOVING] = (metric, exc.concerns)
        st.rerun()
    except OkrlensError as exc:
        st.session_state.pop(REMOVING, None)
        st.error(markdown_text(exc.message()))
    else:
        st.session_state.pop(REMOVING, None)
        st.session_state["define_metric_message"] = f"Removed metric {metric}."
        st.session_state[PICK_NEXT] = NEW
        st.rerun()


def shown_preview(draft: dict[str, object], metric: str) -> bool:
    """Draw the draft's preview (definition, warnings, chart) or its refusal; True if savable.

    A draft naming what no stored event has is savable once its "save anyway" box is ticked.
    """
    st.subheader("Preview")
    if not draft.get("name"):
        st.info("Give the metric a name to see its preview.")
        return False
    found, spec, refusal = data.metric_preview(ctx.home, draft, metric or None, ctx.version)
    if found is None:
        st.error(markdown_text(refusal))
        return False
    st.markdown(f"**Definition.** {markdown_text(found.words)}")
    for warning in found.warnings:
        st.warning(markdown_text(warning))
    if found.latest is not None:
        start, value = found.latest
        st.caption(
            markdown_text(
                f"Last complete {found.metric.grain}, from {charts.date_text(start)}: "
                f"{value_text(value, found.metric.unit)}"
            )
        )
    if spec is None:
        st.info("Nothing to draw yet: the store holds no rows for this metric.")
    else:
        st.vega_lite_chart(spec, theme=None, key=key("preview", metric))
    if not found.unseen:
        return True
    # A plan not sold yet is a fair filter; a typo is not: the person says which it is.
    return st.checkbox(
        "Save anyway: these values will arrive in a later export",
        key=key("save_anyway", metric),
        disabled=off,
    )


st.title("Define metrics")
if may_define:
    st.caption(
        "A metric is checked like a hand-written metrics.yaml and against the data in the store, "
        "previewed, then saved atomically; comments in the file are kept."
    )
else:
    st.caption(
        markdown_text(ctx.actor.refusal(Action.DEFINE_METRICS).message())
        + " The definitions below are read-only."
    )
if message := st.session_state.pop("define_metric_message", None):
    st.success(markdown_text(message))
if (chosen := st.session_state.pop(PICK_NEXT, None)) is not None:
    st.session_state[PICKED] = chosen  # set before the picker exists, as Streamlit requires
metric = st.selectbox(
    "Metric",
    [NEW, *labels, *broken] if may_define else [*labels, *broken],
    format_func=entry,
    key=PICKED,
)
if metric is None:
    st.info("No metric is defined yet.")
    st.stop()
if metric in broken:
    st.warning(
        markdown_text(
            f"Metric {metric} is broken, so every page leaves it out: {broken[metric].problem}. "
            + ("Correct it below and save it, or remove it." if may_define else "")
        )
    )
try:
    choices = data.metric_choices(ctx.home, ctx.version)
except OkrlensError as exc:
    st.error(markdown_text(exc.message()))
    st.stop()

if metric in broken:
    form = broken[metric].form
else:
    form = forms.metric_form(ctx.catalog.get(metric) if metric else None)
typed = common_fields(form, metric)
if typed.source == "events":
    typed = event_fields(typed, metric, choices)
elif typed.source == "kpis":
    typed = kpi_fields(typed, metric, choices)
elif typed.source == "ratio":
    typed = ratio_fields(typed, metric)
else:
    typed = formula_fields(typed, metric)
draft = grain_field(typed, metric).draft()
savable = may_define and shown_preview(draft, metric)
with st.container(horizontal=True):
    save = st.button("Save metric", type="primary", disabled=not savable, key=key("save", metric))
    remove = bool(metric) and st.button("Remove metric", disabled=off, key=key("remove", metric))
if save:
    try:
        saved = edits.save_metric(
            ws,
            ctx.actor,
            draft,
            replacing=metric or None,
            allow_unseen=bool(st.session_state.get(key("save_anyway", metric))),
        )
    except OkrlensError as exc:
        st.error(markdown_text(exc.message()))
    else:
        st.session_state["define_metric_message"] = f"Saved metric {saved.name}."
        st.session_state[PICK_NEXT] = saved.name
        st.rerun()
if metric:
    removal(metric, asked=remove)

st.subheader("Catalog")
st.dataframe(
    data.metric_catalog(ctx.home, ctx.version)[
        ["name", "label", "kind", "unit", "used_by", "definition"]
    ].rename(columns={"name": "metric", "used_by": "used by key results"}),
    hide_index=True,
    key="define_catalog",
)
