"""The browser form of one metric: its fields as a person picks them, and the draft they make.

A form reads a metric the way metrics.yaml holds it (`metric_form`), or, for a metric left out
as broken, the way its item is written (`broken_metrics`), so it can be opened and fixed. An
events filter is shown as the event names it keeps plus the rest of the condition
(`filter_parts`), and written back as one filter (`event_filter`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from pipelines.metrics import edit
from pipelines.metrics.spec import Grain, Metric
from pipelines.workspace import Workspace

GRAINS: tuple[str, ...] = get_args(Grain)


def fragment_tree(text: object) -> exp.Expr | None:
    """The syntax tree of a SQL fragment, or None (the file's check then says what is wrong)."""
    if not isinstance(text, str):
        return None
    try:
        return sqlglot.parse_one(text, read="duckdb")
    except SqlglotError:
        return None


def event_filter(event_names: tuple[str, ...] | list[str], condition: str = "") -> str:
    """The filter keeping events of the named kinds and (when given) meeting condition.

    Example:
        >>> event_filter(["signed_up"], "properties['plan'] = 'trial'")
        "event_name = 'signed_up' AND (properties['plan'] = 'trial')"
    """
    names = [exp.Literal.string(n) for n in event_names]
    column = exp.column("event_name")
    kinds: exp.Expr | None = None
    if len(names) == 1:
        kinds = exp.EQ(this=column, expression=names[0])
    elif names:
        kinds = exp.In(this=column, expressions=names)
    if not condition.strip():
        return "" if kinds is None else kinds.sql(dialect="duckdb")
    if kinds is None:
        return condition.strip()
    parsed = fragment_tree(condition)
    # Unreadable text is kept as written, so the file's check quotes it in its refusal.
    rest = f"({condition.strip()})" if parsed is None else exp.paren(parsed).sql(dialect="duckdb")
    return f"{kinds.sql(dialect='duckdb')} AND {rest}"


def filter_parts(text: str | None) -> tuple[tuple[str, ...], str]:
    """(the event names, the rest) of a filter that event_filter could have written.

    Any other filter is all rest, as written.

    Example:
        >>> filter_parts("event_name IN ('a', 'b') AND (properties['plan'] = 'trial')")
        (('a', 'b'), "properties['plan'] = 'trial'")
    """
    tree = fragment_tree(text)
    if tree is None:
        return (), text or ""
    kinds, rest = (tree.left, tree.right) if isinstance(tree, exp.And) else (tree, None)
    values = [kinds.expression] if isinstance(kinds, exp.EQ) else kinds.expressions
    on_names = (
        isinstance(kinds, exp.EQ | exp.In)
        and isinstance(kinds.this, exp.Column)
        and kinds.this.name == "event_name"
        and not kinds.this.table
        and all(isinstance(v, exp.Literal) and v.is_string for v in values)
    )
    if not on_names:
        return (), str(text)
    remainder = "" if rest is None else rest.unnest().sql(dialect="duckdb")
    return tuple(v.this for v in values), remainder


@dataclass(frozen=True)
class MetricForm:
    """What the browser form of one metric holds (a new one: a weekly count of events)."""

    name: str = ""
    label: str = ""
    description: str = ""
    kind: str = "leading"
    source: str = "events"  # events or kpis; ratio and formula combine other metrics
    aggregation: str = "count"
    column: str = ""
    kpi: str = ""
    event_names: tuple[str, ...] = ()
    filter: str = ""
    dimensions: tuple[str, ...] = ()
    numerator: str = ""
    denominator: str = ""
    expr: str = ""
    grain: str = "week"
    unit: str = ""
    direction: str = "higher"

    def draft(self) -> dict[str, Any]:
        """The metric this form defines, as a draft for preview and save_metric."""
        common = {
            "name": self.name.strip(),
            "label": self.label.strip(),
            "description": self.description.strip(),
            "kind": self.kind,
            "unit": self.unit.strip(),
            "direction": self.direction,
        }
        if self.source == "ratio":
            return common | {
                "ratio": {"numerator": self.numerator, "denominator": self.denominator}
            }
        if self.source == "formula":
            return common | {"expr": self.expr.strip()}
        events = self.source == "events"
        return common | {
            "source": self.source,
            "aggregation": self.aggregation,
            "column": self.column if events and self.aggregation != "count" else "",
            "kpi": "" if events else self.kpi,
            "filter": event_filter(self.event_names, self.filter) if events else self.filter,
            "dimensions": list(self.dimensions),
            "grain": self.grain,
        }


def metric_form(metric: Metric | None) -> MetricForm:
    """The form of metric as metrics.yaml holds it (None: a new metric's)."""
    return MetricForm() if metric is None else _form_of(metric.model_dump())


def _text(value: object) -> str:
    """value as a form's text field shows it (nothing for a missing one)."""
    return "" if value is None else str(value)


def _form_of(fields: Mapping[str, Any]) -> MetricForm:
    """The form of a metric's fields under the model's names, valid or not.

    A broken item may hold anything: a field of the wrong type shows as text, or as the form's
    default, so that the person can see it and correct it.
    """
    ratio = fields.get("ratio")
    parts = ratio if isinstance(ratio, Mapping) else {}
    source = _text(fields.get("source")) or ("ratio" if ratio is not None else "formula")
    names, rest = filter_parts(fields.get("filter")) if source == "events" else ((), "")
    dimensions = fields.get("dimensions")
    return MetricForm(
        name=_text(fields.get("name")),
        label=_text(fields.get("label")),
        description=_text(fields.get("description")),
        kind=_text(fields.get("kind")) or "leading",
        source=source,
        aggregation=_text(fields.get("aggregation")) or "count",
        column=_text(fields.get("column")),
        kpi=_text(fields.get("kpi") or fields.get("name")) if source == "kpis" else "",
        event_names=names,
        filter=rest if source == "events" else _text(fields.get("filter")),
        dimensions=tuple(map(str, dimensions)) if isinstance(dimensions, list) else (),
        numerator=_text(parts.get("numerator")),
        denominator=_text(parts.get("denominator")),
        expr=_text(fields.get("expr")),
        grain=_text(fields.get("grain")) or "week",
        unit=_text(fields.get("unit")),
        direction=_text(fields.get("direction")) or "higher",
    )


@dataclass(frozen=True)
class BrokenMetric:
    """A metric metrics.yaml holds but every page leaves out: why, and its form to fix it in."""

    name: str
    problem: str
    fix: str
    form: MetricForm


def broken_metrics(workspace: Workspace) -> tuple[BrokenMetric, ...]:
    """The metrics left out as broken that a form can open (by name), in the file's order."""
    return tuple(
        BrokenMetric(name=b.id, problem=b.problem, fix=b.fix, form=_form_of(fields))
        for b, fields in edit.broken_items(workspace)
    )
