"""What an OKR set is, as declared in okrs.yaml: periods, objectives, key results, check-ins."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines.errors import OkrlensError
from pipelines.metrics.slices import sliced_name
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.bands import PRESETS
from pipelines.yamlio import load_model

KrType = Literal["increase", "decrease", "stay_above", "stay_below", "milestone"]


class Period(BaseModel):
    """A named OKR cycle, both dates inclusive."""

    model_config = ConfigDict(extra="forbid")
    name: str
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end <= self.start:
            raise ValueError(f"period {self.name}: end {self.end} is not after start {self.start}")
        return self


class CheckIn(BaseModel):
    """A person's update on a key result: a value, how confident they are, and why."""

    model_config = ConfigDict(extra="forbid")
    date: dt.date
    value: float
    confidence: float | None = Field(default=None, ge=0, le=1)
    note: str = ""


class KeyResult(BaseModel):
    """A measurable result: a metric moving from a baseline to a target by its deadline."""

    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    metric: str | None = None
    # A number, or "auto": the metric's value at period start, read from the data.
    baseline: float | Literal["auto"] | None = None
    target: float | None = None
    # Inferred when absent: decrease if baseline > target, else increase; milestone without a metric.
    type: KrType | None = None
    weight: float = Field(default=1.0, gt=0)
    counter_metric: str | None = None
    # One slice of the metric, e.g. {plan: pro}: a dimension the metric declares, and its value.
    slice: dict[str, str] | None = None
    # The last day the target is due, inside the objective's period; None: the period's end.
    deadline: dt.date | None = None
    checkins: list[CheckIn] = []

    @model_validator(mode="after")
    def _coherent(self) -> KeyResult:
        if self.slice is not None and (self.metric is None or len(self.slice) != 1):
            raise ValueError(
                f"KR {self.id}: a slice names one dimension of the KR's metric and its value, "
                "e.g. slice: {plan: pro}"
            )
        if self.type == "milestone":
            if self.metric is not None:
                raise ValueError(f"KR {self.id}: a milestone is fed by check-ins, not a metric")
            return self
        if self.type in ("stay_above", "stay_below") and self.target is None:
            raise ValueError(f"KR {self.id}: {self.type} needs a target")
        if isinstance(self.baseline, float) and self.target is not None:
            if self.baseline == self.target and self.type in (None, "increase", "decrease"):
                raise ValueError(f"KR {self.id}: target equals baseline, progress is undefined")
            if self.type == "increase" and self.target < self.baseline:
                raise ValueError(f"KR {self.id}: type increase but target is below baseline")
            if self.type == "decrease" and self.target > self.baseline:
                raise ValueError(f"KR {self.id}: type decrease but target is above baseline")
        return self

    @property
    def series_key(self) -> str | None:
        """The name of the series this KR reads: its metric's, or its slice's."""
        if self.metric is None or not self.slice:
            return self.metric
        ((dimension, value),) = self.slice.items()
        return sliced_name(self.metric, dimension, value)

    def window(self, period: Period) -> Period:
        """The days this key result is scored over: period's start to its deadline.

        Without a deadline, period itself. Every reading, expected progress and forecast of a
        key result runs over this window, never over the period directly.
        """
        if self.deadline is None:
            return period
        return period.model_copy(update={"end": self.deadline})

    def deadline_refusal(self, period: Period) -> OkrlensError | None:
        """Why the deadline cannot stand in period (after its first day, by its last); else None."""
        if self.deadline is None or period.start < self.deadline <= period.end:
            return None
        return OkrlensError(
            f"key result {self.id} is due {self.deadline}, outside its period {period.name} "
            f"({period.start} to {period.end})",
            where=f"okrs.yaml, key result {self.id}, deadline",
            fix=f"choose a deadline after {period.start} and on or before {period.end}, or leave "
            "it out to use the period's end",
        )

    @property
    def kr_type(self) -> KrType:
        """The declared type, or the one inferred from the baseline and target."""
        if self.type is not None:
            return self.type
        if self.metric is None:
            return "milestone"
        if isinstance(self.baseline, float) and self.target is not None:
            return "decrease" if self.baseline > self.target else "increase"
        return "increase"


class Objective(BaseModel):
    """A qualitative aspiration of one team for one period, measured by its key results."""

    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    team: str
    owner: str = ""
    period: str
    # Telescoping: this objective is the team-level expansion of a parent key result.
    parent_kr: str | None = None
    commitment: Literal["committed", "aspirational"] = "aspirational"
    key_results: list[KeyResult]


class TelescopingCycleError(OkrlensError, ValueError):
    """Objectives whose parent_kr links loop back on themselves."""


class OkrSet(BaseModel):
    """The whole okrs.yaml file.

    Telescoping: an objective with ``parent_kr`` is a child of the objective holding that key
    result; the methods `telescoped`, `children_of`, `parent_of`, `descendants`, `ancestors`,
    `children_first` and `is_rolled_up` are the one reading of those links.
    """

    model_config = ConfigDict(extra="forbid")
    band_preset: str = "default"
    periods: list[Period]
    objectives: list[Objective]

    @model_validator(mode="after")
    def _references_resolve(self) -> OkrSet:
        if self.band_preset not in PRESETS:
            raise ValueError(
                f"band_preset {self.band_preset!r} is unknown; choose one of {', '.join(PRESETS)}"
            )
        periods = {p.name for p in self.periods}
        ids = [o.id for o in self.objectives] + [
            k.id for o in self.objectives for k in o.key_results
        ]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"objective and KR ids must be unique; repeated: {', '.join(dupes)}")
        kr_ids = {k.id for o in self.objectives for k in o.key_results}
        for o in self.objectives:
            if o.period not in periods:
                raise ValueError(f"objective {o.id}: unknown period {o.period!r}")
            if o.parent_kr is not None and o.parent_kr not in kr_ids:
                raise ValueError(f"objective {o.id}: parent_kr {o.parent_kr!r} is not a KR id")
            for kr in o.key_results:
                if (refused := kr.deadline_refusal(self.period(o.period))) is not None:
                    # Not a ValueError: pydantic passes it on as it is, where and fix intact,
                    # so a reader of the file shows it as one paragraph, never a traceback.
                    raise refused
        return self

    def period(self, name: str) -> Period:
        """The period called name; OkrlensError when there is none."""
        found = next((p for p in self.periods if p.name == name), None)
        if found is None:
            raise OkrlensError(
                f"unknown period {name!r}",
                where="okrs.yaml, periods",
                fix=f"choose one of {', '.join(p.name for p in self.periods)}",
            )
        return found

    def period_at(self, as_of: dt.date) -> Period | None:
        """The period containing as_of, else the latest one that started before it."""
        started = [p for p in self.periods if p.start <= as_of]
        inside = [p for p in started if as_of <= p.end]
        pool = inside or started
        return max(pool, key=lambda p: p.start) if pool else None

    def key_result(self, kr_id: str) -> tuple[Objective, KeyResult]:
        """The key result called kr_id and its objective; OkrlensError when there is none."""
        objective = self.owner_of(kr_id)
        if objective is None:
            raise OkrlensError(
                f"no key result {kr_id!r}",
                where="okrs.yaml",
                fix="use the id of a key result declared in okrs.yaml",
            )
        return objective, next(kr for kr in objective.key_results if kr.id == kr_id)

    def owner_of(self, kr_id: str) -> Objective | None:
        """The objective holding key result kr_id, None when there is none."""
        return next(
            (o for o in self.objectives if any(kr.id == kr_id for kr in o.key_results)), None
        )

    def telescoped(self) -> dict[str, list[Objective]]:
        """The objectives telescoped from each key result, by parent KR id, in okrs.yaml order."""
        children: dict[str, list[Objective]] = {}
        for o in self.objectives:
            if o.parent_kr is not None:
                children.setdefault(o.parent_kr, []).append(o)
        return children

    def children_of(self, kr_id: str) -> list[Objective]:
        """The objectives telescoped from key result kr_id, in okrs.yaml order."""
        return self.telescoped().get(kr_id, [])

    def parent_of(self, objective: Objective) -> Objective | None:
        """The objective holding objective's parent_kr, None for a top-level objective."""
        return None if objective.parent_kr is None else self.owner_of(objective.parent_kr)

    def descendants(self, objective: Objective) -> list[Objective]:
        """Every objective telescoped from objective's key results, at any depth, once each.

        A parent_kr cycle ends the walk instead of looping; objective itself is never included.
        """
        children = self.telescoped()
        seen = {objective.id}
        found: list[Objective] = []
        stack = [objective]
        while stack:
            for kr in stack.pop().key_results:
                fresh = [c for c in children.get(kr.id, []) if c.id not in seen]
                seen |= {c.id for c in fresh}
                found += fresh
                stack += fresh
        return found

    def ancestors(self, objective: Objective) -> list[Objective]:
        """The objectives objective telescopes from through parent_kr, nearest first.

        A parent_kr cycle ends the walk instead of looping; objective itself is never included.
        """
        seen = {objective.id}
        found: list[Objective] = []
        parent = self.parent_of(objective)
        while parent is not None and parent.id not in seen:
            seen.add(parent.id)
            found.append(parent)
            parent = self.parent_of(parent)
        return found

    def children_first(self) -> list[Objective]:
        """All objectives, each after every objective telescoped from its key results.

        Raises TelescopingCycleError (a ValueError) when parent_kr links form a cycle.
        """
        children = self.telescoped()
        done: set[str] = set()
        ordered: list[Objective] = []

        def visit(o: Objective, path: list[str]) -> None:
            """Append o after its children, depth first; path is the chain of parents above o."""
            if o.id in done:
                return
            if o.id in path:
                loop = " → ".join([*path[path.index(o.id) :], o.id])
                raise TelescopingCycleError(
                    f"objectives telescope into themselves: {loop}",
                    where="okrs.yaml, parent_kr",
                    fix="make each parent_kr point to a key result of a higher-level objective",
                )
            for kr in o.key_results:
                for child in children.get(kr.id, []):
                    visit(child, [*path, o.id])
            done.add(o.id)
            ordered.append(o)

        for o in self.objectives:
            visit(o, [])
        return ordered

    def is_rolled_up(self, kr: KeyResult) -> bool:
        """True for a parent KR measured by its child objectives: no metric, no check-ins."""
        measured_itself = kr.metric is not None or bool(kr.checkins) or kr.type == "milestone"
        return not measured_itself and bool(self.children_of(kr.id))

    def check_metrics(self, catalog: MetricCatalog, where: str = "okrs.yaml") -> None:
        """OkrlensError when a key result names a metric (or counter-metric) catalog lacks."""
        known = {m.name for m in catalog.metrics}
        for o in self.objectives:
            for kr in o.key_results:
                for field, name in (("metric", kr.metric), ("counter_metric", kr.counter_metric)):
                    if name is not None and name not in known:
                        raise OkrlensError(
                            f"key result {kr.id} uses {field} {name!r}, which metrics.yaml "
                            "does not define",
                            where=f"{where}, objective {o.id}, key result {kr.id}",
                            fix="define it in metrics.yaml or use one of: "
                            + (", ".join(sorted(known)) or "(none yet)"),
                        )
                if kr.slice and kr.metric is not None:
                    declared = catalog.dimensions(catalog.get(kr.metric))
                    (dimension,) = kr.slice
                    if dimension not in declared:
                        raise OkrlensError(
                            f"key result {kr.id} slices {kr.metric} by {dimension!r}, which "
                            "the metric does not declare as a dimension",
                            where=f"{where}, objective {o.id}, key result {kr.id}",
                            fix=f"add {dimension} to the metric's dimensions in metrics.yaml, or "
                            f"slice by one of: {', '.join(declared) or '(none declared)'}",
                        )


def load_okrs(path: Path) -> OkrSet:
    """The OKR set declared in path (okrs.yaml), validated."""
    return load_model(path, OkrSet)
