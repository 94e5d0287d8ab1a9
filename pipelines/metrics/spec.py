"""What a metric is, as declared in metrics.yaml, validated before any SQL is generated."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines.yamlio import load_model

Grain = Literal["day", "week", "month", "quarter"]
Aggregation = Literal["count", "count_distinct", "sum", "avg", "min", "max", "last"]
NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"


class Ratio(BaseModel):
    """A derived metric: numerator metric divided by denominator metric, period by period."""

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
    source: Literal["events", "kpis"] | None = None
    aggregation: Aggregation | None = None
    # A column of the source (events: event_time, user_id, account_id, event_name, or a
    # property as properties['name']) or a SQL expression over them; parsed, never pasted.
    column: str | None = None
    # For source: kpis, the metric name as it appears in the KPI exports (defaults to name).
    kpi: str | None = None
    # A SQL predicate over the source's columns, e.g. event_name = 'workflow_completed'.
    filter: str | None = None
    ratio: Ratio | None = None
    grain: Grain = "week"
    unit: str = ""
    direction: Literal["higher", "lower"] = "higher"

    @model_validator(mode="after")
    def _plain_or_ratio(self) -> Metric:
        if self.ratio is not None:
            clash = [
                f for f in ("source", "aggregation", "column", "kpi", "filter") if getattr(self, f)
            ]
            if clash:
                raise ValueError(f"a ratio metric takes no {', '.join(clash)}")
            return self
        if self.source is None or self.aggregation is None:
            raise ValueError("needs source and aggregation (or a ratio of two metrics)")
        if self.source == "events" and self.aggregation != "count" and not self.column:
            raise ValueError(f"aggregation {self.aggregation} over events needs a column")
        if self.source == "kpis" and (self.column or self.aggregation == "count_distinct"):
            raise ValueError("a kpis metric aggregates the KPI value: no column, no count_distinct")
        return self

    @property
    def display_label(self) -> str:
        """The label, or the name when no label is declared."""
        return self.label or self.name.replace("_", " ").capitalize()

    @property
    def kpi_name(self) -> str:
        """The metric name looked up in the KPI store."""
        return self.kpi or self.name


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
            if m.ratio is None:
                continue
            for part in (m.ratio.numerator, m.ratio.denominator):
                if part not in by_name:
                    raise ValueError(f"metric {m.name}: ratio refers to unknown metric {part!r}")
                if by_name[part].ratio is not None:
                    raise ValueError(f"metric {m.name}: ratio of ratio {part!r} is not supported")
        return self

    def get(self, name: str) -> Metric:
        """The metric called name; KeyError if there is none."""
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(name)


def load_metrics(path: Path) -> MetricCatalog:
    """The metric catalog declared in path (metrics.yaml), validated."""
    return load_model(path, MetricCatalog)
