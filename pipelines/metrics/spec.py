"""What a metric is, as declared in metrics.yaml, validated before any SQL is generated.

A metric has one of three types, as in dbt's semantic layer (``type`` may be left out when the
fields make it plain: a ``ratio`` block is a ratio, an ``expr`` without a ``source`` derived,
anything else simple)::

    - name: weekly_active_users      # type: simple, one aggregation over a source
      type: simple
      source: events                 # events | kpis
      agg: count_distinct            # count | count_distinct | sum | avg | min | max | last
      expr: user_id                  # what to aggregate (events; kpis aggregate their value)
      filter: "event_name <> 'signed_up'"
      timestamp: event_time          # the time column (events: event_time; kpis: date)
      dimensions: [plan, platform]   # what it can be broken down by (kpis: segment)
      grain: week                    # day | week | month | quarter
    - name: activation_rate          # type: ratio, numerator / denominator, period by period
      ratio: {numerator: activations, denominator: signups}
    - name: net_mrr                  # type: derived, arithmetic over other metrics
      type: derived
      expr: mrr - churned_mrr        # metric names, numbers, + - * / and parentheses

``agg`` and a simple metric's ``expr`` are dbt's names for what earlier files call
``aggregation`` and ``column``; both spellings are accepted, without warning, for good. A ratio
or derived metric combines simple metrics of one grain, which it inherits, as it inherits the
dimensions all its parts declare.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlglot import exp

from pipelines.metrics.expressions import formula
from pipelines.metrics.sources import TIME_COLUMNS, dimensions_in_words, is_dimension
from pipelines.yamlio import load_model

Grain = Literal["day", "week", "month", "quarter"]
Aggregation = Literal["count", "count_distinct", "sum", "avg", "min", "max", "last"]
MetricType = Literal["simple", "ratio", "derived"]
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
Name = Annotated[str, Field(pattern=NAME_PATTERN)]

# The fields only one type of metric takes, and those it needs.
_TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "simple": ("source", "aggregation", "column", "kpi", "filter", "timestamp", "dimensions"),
    "ratio": ("ratio",),
    "derived": ("expr",),
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "simple": ("source", "aggregation"),
    "ratio": ("ratio",),
    "derived": ("expr",),
}
# dbt nests what metrics.yaml writes on the metric: say so rather than "extra inputs".
_DBT_NESTING = {
    "type_params": "write its fields on the metric itself (ratio: {numerator: …, denominator: "
    "…} for a ratio, expr for a derived metric)",
    "numerator": "write ratio: {numerator: …, denominator: …}",
    "denominator": "write ratio: {numerator: …, denominator: …}",
}
_MEANING = {
    "simple": "one aggregation over a source",
    "ratio": "numerator metric / denominator metric",
    "derived": "arithmetic over other metrics",
}


class Ratio(BaseModel):
    """A ratio metric's parts: numerator metric divided by denominator metric, period by period."""

    model_config = ConfigDict(extra="forbid")
    numerator: str
    denominator: str


class Metric(BaseModel):
    """One metric: how to compute a tidy (metric, period_start, value) series from the store."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    label: str = ""
    description: str = ""
    kind: Literal["leading", "lagging"]
    # Never None once validated: an omitted type is inferred from the fields given.
    type: MetricType = "simple"
    source: Literal["events", "kpis"] | None = None
    # Written agg (dbt) or aggregation.
    aggregation: Aggregation | None = None
    # Written expr (dbt) or column: a column of the source (events: event_time, user_id,
    # account_id, event_name, or a property as properties['name']) or a SQL expression over
    # them; parsed, never pasted.
    column: str | None = None
    # For source: kpis, the metric name as it appears in the KPI exports (defaults to name).
    kpi: str | None = None
    # A SQL predicate over the source's columns, e.g. event_name = 'workflow_completed'.
    filter: str | None = None
    # The column periods are read from; None for the source's (events: event_time, kpis: date).
    timestamp: str | None = None
    dimensions: list[Name] = []
    ratio: Ratio | None = None
    # A derived metric's formula over other metrics, e.g. mrr - churned_mrr.
    expr: str | None = None
    grain: Grain = "week"
    unit: str = ""
    direction: Literal["higher", "lower"] = "higher"

    @model_validator(mode="before")
    @classmethod
    def _typed(cls, data: Any) -> Any:
        """data with its type made explicit and dbt's spellings under this model's field names."""
        if not isinstance(data, dict):
            return data
        fields = dict(data)
        for key, fix in _DBT_NESTING.items():
            if key in fields:
                raise ValueError(f"a metric takes no {key}: {fix}")
        kind = fields.get("type") or _inferred_type(fields)
        synonyms = {"agg": "aggregation"} | ({"expr": "column"} if kind == "simple" else {})
        for dbt, field in synonyms.items():
            if dbt in fields:
                if field in fields:
                    raise ValueError(f"give {dbt} or {field}, not both: they are the same field")
                fields[field] = fields.pop(dbt)
        return fields | {"type": kind}

    @model_validator(mode="after")
    def _fields_fit_type(self) -> Metric:
        stray = [
            f
            for kind, fields in _TYPE_FIELDS.items()
            if kind != self.type
            for f in fields
            if f in self.model_fields_set
        ]
        if stray:
            raise ValueError(
                f"a {self.type} metric ({_MEANING[self.type]}) takes no {', '.join(stray)}: "
                "remove them, or set type to what the metric is (simple, ratio or derived)"
            )
        if any(getattr(self, f) is None for f in _REQUIRED[self.type]):
            raise ValueError(
                f"a {self.type} metric ({_MEANING[self.type]}) needs "
                + " and ".join(_REQUIRED[self.type])
            )
        if self.type == "derived":
            assert self.expr is not None
            formula(self.expr)
        if self.type == "simple":
            self._simple_fields_fit_source()
        return self

    def _simple_fields_fit_source(self) -> None:
        """ValueError unless the fields of a simple metric fit its source."""
        if self.source == "events" and self.aggregation != "count" and not self.column:
            raise ValueError(f"aggregation {self.aggregation} over events needs a column (expr)")
        if self.source == "kpis" and (self.column or self.aggregation == "count_distinct"):
            raise ValueError("a kpis metric aggregates the KPI value: no column, no count_distinct")
        source = str(self.source)
        if self.timestamp is not None and self.timestamp not in TIME_COLUMNS[source]:
            raise ValueError(
                f"timestamp {self.timestamp!r} is not a time column of {source}: "
                f"use {' or '.join(TIME_COLUMNS[source])}"
            )
        wrong = [d for d in self.dimensions if not is_dimension(source, d)]
        if wrong:
            raise ValueError(
                f"{source} cannot be broken down by {', '.join(wrong)}: "
                f"a dimension of {source} is {dimensions_in_words(source)}"
            )

    @property
    def display_label(self) -> str:
        """The label, or the name when no label is declared."""
        return self.label or self.name.replace("_", " ").capitalize()

    @property
    def kpi_name(self) -> str:
        """The metric name looked up in the KPI store."""
        return self.kpi or self.name

    @property
    def time_column(self) -> str:
        """The column a simple metric's periods are read from."""
        return self.timestamp or TIME_COLUMNS[str(self.source)][0]

    def formula(self) -> exp.Expr:
        """How a ratio or derived metric combines its parts: arithmetic over metric names."""
        if self.ratio is not None:
            return exp.Div(
                this=exp.column(self.ratio.numerator), expression=exp.column(self.ratio.denominator)
            )
        assert self.expr is not None, f"metric {self.name} is simple: it has no formula"
        return formula(self.expr)

    @property
    def parts(self) -> list[str]:
        """The metrics a ratio or derived metric combines, each once; none for a simple one."""
        if self.type == "simple":
            return []
        return list(dict.fromkeys(c.name for c in self.formula().find_all(exp.Column)))


def _inferred_type(fields: dict[str, Any]) -> str:
    """The type that fields plainly declare: a ratio block, an expr without a source, or simple."""
    if "ratio" in fields:
        return "ratio"
    if "expr" in fields and not {"source", "agg", "aggregation", "column"} & fields.keys():
        return "derived"
    return "simple"


class MetricCatalog(BaseModel):
    """The whole metrics.yaml file."""

    model_config = ConfigDict(extra="forbid")
    metrics: list[Metric]

    @model_validator(mode="after")
    def _names_resolve(self) -> MetricCatalog:
        names = [m.name for m in self.metrics]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"metric names must be unique; repeated: {', '.join(dupes)}")
        by_name = {m.name: m for m in self.metrics}
        for m in self.metrics:
            if m.type != "simple":
                m.grain = _inherited_grain(m, by_name)
        return self

    def get(self, name: str) -> Metric:
        """The metric called name; KeyError if there is none."""
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(name)

    def dimensions(self, metric: Metric) -> list[str]:
        """What metric can be broken down by: its own dimensions, or those all its parts declare."""
        if metric.type == "simple":
            return list(metric.dimensions)
        shared = set.intersection(*(set(self.get(p).dimensions) for p in metric.parts))
        return sorted(shared)


def _inherited_grain(metric: Metric, by_name: dict[str, Metric]) -> Grain:
    """The grain of the simple metrics that metric combines; ValueError if they do not fit."""
    where = f"metric {metric.name}: {metric.type}"
    parts = []
    for name in metric.parts:
        part = by_name.get(name)
        if part is None:
            raise ValueError(f"{where} refers to unknown metric {name!r}")
        if part.type != "simple":
            raise ValueError(
                f"{where} of {part.type} metric {name!r} is not supported: "
                f"write it over the simple metrics that {name} combines"
            )
        parts.append(part)
    grains = {p.grain for p in parts}
    if len(grains) > 1:
        each = ", ".join(f"{p.name} per {p.grain}" for p in parts)
        raise ValueError(
            f"{where} combines parts of different grains ({each}): it is computed period by "
            "period, so give its parts one grain"
        )
    (grain,) = grains
    if "grain" in metric.model_fields_set and metric.grain != grain:
        raise ValueError(
            f"{where} declares grain {metric.grain}, but its parts are per {grain}: remove its "
            f"grain (it inherits its parts') or give the parts grain {metric.grain}"
        )
    return grain


def load_metrics(path: Path) -> MetricCatalog:
    """The metric catalog declared in path (metrics.yaml), validated."""
    return load_model(path, MetricCatalog)
