"""A key result's form: its numbers as a person types them, and the slices its metric offers.

The Targets page shows a key result's numbers as text in its metric's unit and saves what was
typed, read in the person's words first (pipelines.okrs.changes), so a form can neither save
what the file would refuse nor, unconfirmed, what contradicts the key result's title. The
Define OKRs page offers the slices of a metric that the published series holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from pipelines import audit
from pipelines.access import Action, Actor
from pipelines.errors import OkrlensError
from pipelines.metrics.slices import sliced_name
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs import edit
from pipelines.okrs.changes import Numbers, number_from_text, refusal, surprises
from pipelines.okrs.spec import CheckIn, OkrSet
from pipelines.service.edits import allow
from pipelines.workspace import Workspace

# A picker longer than this is a search, not a choice; okrs.yaml takes any value by hand.
MAX_SLICE_VALUES = 100


class NeedsConfirmation(OkrlensError):
    """A change that is possible but surprising: what it would do, for the person to confirm."""

    def __init__(self, kr_id: str, concerns: list[str]) -> None:
        self.concerns = concerns
        super().__init__(
            f"saving these numbers on {kr_id} needs your confirmation: " + " ".join(concerns),
            fix="save again with confirmation, or change the numbers",
        )


@dataclass(frozen=True)
class KeyResultForm:
    """What the form of one key result shows: its numbers as text, in its metric's unit."""

    kr_id: str
    title: str
    team: str
    unit: str
    percent: bool  # the metric stores fractions that people read and type as percentages
    baseline_auto: bool
    baseline: str
    target: str
    weight: float

    def numbers(self, auto: bool, baseline: str, target: str, weight: float) -> Numbers:
        """The numbers typed into this form; OkrlensError naming the field that is not one."""
        return Numbers(
            baseline="auto"
            if auto
            else number_from_text(baseline, "baseline", percent=self.percent),
            target=number_from_text(target, "target", percent=self.percent),
            weight=weight,
        )

    def checkin(self, day: dt.date, value: str, confidence: float, note: str) -> CheckIn:
        """The check-in typed into this form; OkrlensError when its value is not a number."""
        number = number_from_text(value, "check-in value", percent=self.percent)
        if number is None:
            raise OkrlensError("the check-in has no value", fix="enter the value you measured")
        return CheckIn(date=day, value=number, confidence=confidence, note=note.strip())


def _typed(value: float | None, percent: bool) -> str:
    """value as a person would type it in the form: 35 for 0.35 in a percent field."""
    if value is None:
        return ""
    return f"{value * 100 if percent else value:.10g}"


def measure_of(workspace: Workspace, name: str | None) -> tuple[str, str]:
    """(unit, which direction is better) of the metric called name; a milestone's: ("", higher)."""
    known = {m.name: m for m in workspace.catalog().metrics}
    metric = known.get(name or "")
    return (metric.unit, metric.direction) if metric is not None else ("", "higher")


def key_result_form(workspace: Workspace, kr_id: str) -> KeyResultForm:
    """The form of key result kr_id as the file holds it now; OkrlensError when there is none."""
    okrs = workspace.okrs()
    objective, kr = okrs.key_result(kr_id)
    unit, _ = measure_of(workspace, kr.metric)
    percent = unit == "%"
    return KeyResultForm(
        kr_id=kr.id,
        title=kr.title,
        team=objective.team,
        unit=unit,
        percent=percent,
        baseline_auto=kr.baseline == "auto",
        baseline=_typed(kr.baseline if isinstance(kr.baseline, float) else None, percent),
        target=_typed(kr.target, percent),
        weight=kr.weight,
    )


def update_key_result(
    workspace: Workspace, actor: Actor, kr_id: str, numbers: Numbers, *, confirmed: bool = False
) -> OkrSet:
    """Save baseline, target and weight of one key result, audited.

    Raises the refusal in words when the numbers cannot be saved, and NeedsConfirmation when
    they contradict the title or the metric's direction and confirmed is False.
    """
    okrs = workspace.okrs()
    owner = okrs.owner_of(kr_id)
    allow(workspace, actor, Action.EDIT_KEY_RESULT, kr_id, owner.team if owner else None)
    _, kr = okrs.key_result(kr_id)
    if (refused := refusal(kr, numbers)) is not None:
        raise refused
    _, direction = measure_of(workspace, kr.metric)
    concerns = surprises(kr, numbers, direction)
    if concerns and not confirmed:
        raise NeedsConfirmation(kr_id, concerns)
    values = {"baseline": numbers.baseline, "target": numbers.target, "weight": numbers.weight}
    with audit.recording_edit(
        workspace.home, actor, "edit key result", kr_id, [workspace.okrs_path]
    ):
        return edit.update_key_result(workspace, kr_id, values)


def slice_choices(
    series: pd.DataFrame, catalog: MetricCatalog, metric: str
) -> dict[str, tuple[str, ...]]:
    """The values each dimension of metric takes in the published series, sorted, at most
    MAX_SLICE_VALUES each; {} for a metric without dimensions.

    Read from the names of the slice series every commit publishes (`sliced_name`), so nothing
    touches the store. A dimension without stored values maps to ().
    """
    known = {m.name: m for m in catalog.metrics}
    if metric not in known:
        return {}
    names = pd.Series(series["metric"].unique(), dtype="object").astype(str)
    choices = {}
    for dimension in catalog.dimensions(known[metric]):
        prefix = sliced_name(metric, dimension, "").removesuffix("]")
        found = names[names.str.startswith(prefix) & names.str.endswith("]")]
        values = sorted(name[len(prefix) : -1] for name in found)
        choices[dimension] = tuple(values[:MAX_SLICE_VALUES])
    return choices
