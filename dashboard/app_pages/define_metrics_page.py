"""Define metrics: create or edit one from what the store holds, previewed live before it is saved."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import streamlit as st

from dashboard import charts, data
from dashboard.components import gate
from pipelines.service import Action, OkrlensError
from pipelines.service import metric_edits as edits
from pipelines.service.formatting import markdown_text, value_text

NEW = ""  # the picker's entry for a new metric: no metric has an empty name
PICKED = "define_metric"
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


def key(field: str, metric: str) -> str:
    """The widget key of field in metric's form ("" for a new metric).

    Every key names the metric it edits: picking another metric shows its own values, never the
    previous one's, and Save can only write what was shown for the metric it names.
    """
    return f"define_{field}_{metric or '+new'}"


def common_fields(form: edits.MetricForm, metric: str) -> edits.MetricForm:
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


def event_fields(
    form: edits.MetricForm, metric: str, choices: edits.MetricChoices
) -> edits.MetricForm:
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


def kpi_fields(
    form: edits.MetricForm, metric: str, choices: edits.MetricChoices
) -> edits.MetricForm:
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


def ratio_fields(form: edits.MetricForm, metric: str) -> edits.MetricForm:
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


def formula_fields(form: edits.MetricForm, metric: str) -> edits.MetricForm:
    """form with a derived metric's formula over other metrics."""
    expr = st.text_input(
        "Formula",
        form.expr,
        key=key("expr", metric),
        disabled=off,
        placeholder="mrr - churned_mrr",
    )
    return dataclasses.replace(form, expr=expr)


def grain_field(form: edits.MetricForm, metric: str) -> edits.MetricForm:
    """form with a simple metric's grain (a ratio or formula inherits its parts')."""
    if form.source not in ("events", "kpis"):
        return form
    grains = list(edits.GRAINS)
    grain = st.selectbox(
        "Per", grains, at(grains, form.grain), key=key("grain", metric), disabled=off
    )
    return dataclasses.replace(form, grain=str(grain))


def shown_preview(draft: dict[str, object], metric: str) -> bool:
    """Draw the draft's preview (definition, warnings, chart) or its refusal; True if savable."""
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
    return True


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
if (just_saved := st.session_state.pop("define_metric_saved", None)) is not None:
    st.session_state[PICKED] = just_saved  # set before the picker exists, as Streamlit requires
metric = st.selectbox(
    "Metric",
    [NEW, *labels] if may_define else list(labels),
    format_func=lambda name: f"{labels[name]} ({name})" if name else "New metric",
    key=PICKED,
)
if metric is None:
    st.info("No metric is defined yet.")
    st.stop()
try:
    choices = data.metric_choices(ctx.home, ctx.version)
except OkrlensError as exc:
    st.error(markdown_text(exc.message()))
    st.stop()

typed = common_fields(edits.metric_form(ctx.catalog.get(metric) if metric else None), metric)
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
if st.button("Save metric", type="primary", disabled=not savable, key=key("save", metric)):
    try:
        saved = edits.save_metric(ws, ctx.actor, draft, replacing=metric or None)
    except OkrlensError as exc:
        st.error(markdown_text(exc.message()))
    else:
        st.session_state["define_metric_message"] = f"Saved metric {saved.name}."
        st.session_state["define_metric_saved"] = saved.name
        st.rerun()

st.subheader("Catalog")
st.dataframe(
    data.metric_catalog(ctx.home, ctx.version)[
        ["name", "label", "kind", "unit", "used_by", "definition"]
    ].rename(columns={"name": "metric", "used_by": "used by key results"}),
    hide_index=True,
    key="define_catalog",
)
