"""Changes to okrs.yaml a person makes in the dashboard: periods, objectives, key results,
check-ins, bands.

Each takes the actor first, is refused (and the refusal audited) unless the actor's role allows
it, and is audited; numbers are read in the user's words first (pipelines.okrs.changes), so a
form can neither save what the file would refuse nor, unconfirmed, what contradicts the key
result's title. The key result's numbers form (the Targets page) is key_result_form.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from pipelines import audit
from pipelines.access import Action, Actor
from pipelines.errors import OkrlensError
from pipelines.ingest.dialect import slug
from pipelines.okrs import edit
from pipelines.okrs.changes import Numbers, number_from_text, refusal, surprises
from pipelines.okrs.spec import CheckIn, KeyResult, Objective, OkrSet, Period
from pipelines.service.edits import allow
from pipelines.service.key_result_form import (
    KeyResultForm,
    NeedsConfirmation,
    key_result_form,
    measure_of,
    slice_choices,
    update_key_result,
)
from pipelines.workspace import Workspace

__all__ = [
    "KeyResultForm",
    "NeedsConfirmation",
    "add_checkin",
    "add_key_result",
    "add_objective",
    "add_period",
    "edit_key_result",
    "edit_objective",
    "edit_period",
    "key_result_form",
    "number_from_text",
    "quarter_of",
    "remove",
    "set_band_preset",
    "slice_choices",
    "update_key_result",
]
ModelT = TypeVar("ModelT", bound=BaseModel)


def add_checkin(workspace: Workspace, actor: Actor, kr_id: str, checkin: CheckIn) -> OkrSet:
    """Append a check-in to a key result, audited."""
    owner = workspace.okrs().owner_of(kr_id)
    allow(workspace, actor, Action.CHECK_IN, kr_id, owner.team if owner else None)
    with audit.recording_edit(workspace.home, actor, "add check-in", kr_id, [workspace.okrs_path]):
        return edit.add_checkin(workspace, kr_id, checkin)


def set_band_preset(workspace: Workspace, actor: Actor, preset: str) -> OkrSet:
    """Choose the band preset every key result is graded with, audited."""
    allow(workspace, actor, Action.SET_BAND_PRESET, preset)
    with audit.recording_edit(
        workspace.home, actor, "change band preset", "okrs.yaml", [workspace.okrs_path]
    ):
        return edit.set_band_preset(workspace, preset)


def _model(model: type[ModelT], fields: dict[str, Any], what: str) -> ModelT:
    """fields as model, or OkrlensError saying which field of the new what is wrong and why."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        problem = str(first["msg"]).removeprefix("Value error, ")
        raise OkrlensError(
            f"the new {what} cannot be saved: " + (f"{field}: {problem}" if field else problem),
            fix="correct that field",
        ) from None


def _new_id(okrs: OkrSet, wanted: str, title: str) -> str:
    """wanted (or, when blank, the slug of title), refused when an item already has it."""
    taken = {o.id for o in okrs.objectives} | {k.id for o in okrs.objectives for k in o.key_results}
    chosen = wanted.strip() or slug(title).replace("_", "-")[:40].strip("-")
    if not chosen:
        raise OkrlensError("the new item has no id or title", fix="give it a title")
    if chosen in taken:
        raise OkrlensError(
            f"an objective or key result called {chosen!r} already exists",
            fix="choose another id (ids are how links and check-ins find an item)",
        )
    return chosen


def quarter_of(day: dt.date) -> Period:
    """The calendar quarter containing day, as a period named like 2026-Q4."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    following = dt.date(day.year + (first_month == 10), (first_month + 2) % 12 + 1, 1)
    return Period(
        name=f"{day.year}-Q{(first_month + 2) // 3}", start=start, end=following - dt.timedelta(1)
    )


def add_period(
    workspace: Workspace, actor: Actor, name: str, start: dt.date, end: dt.date
) -> OkrSet:
    """Add an OKR period, audited; refused when its name is taken."""
    allow(workspace, actor, Action.DEFINE_PERIODS, name)
    period = _model(Period, {"name": name.strip(), "start": start, "end": end}, "period")
    if any(p.name == period.name for p in workspace.okrs().periods):
        raise OkrlensError(
            f"a period called {period.name!r} already exists", fix="choose another name"
        )
    with audit.recording_edit(
        workspace.home, actor, "add period", period.name, [workspace.okrs_path]
    ):
        return edit.add_period(workspace, period)


def add_objective(workspace: Workspace, actor: Actor, fields: dict[str, Any]) -> OkrSet:
    """Add an objective (id, title, team, owner, period, parent_kr, commitment), audited."""
    team = str(fields.get("team") or "").strip()
    allow(workspace, actor, Action.EDIT_KEY_RESULT, str(fields.get("title", "")), team)
    if not team or not str(fields.get("title") or "").strip():
        raise OkrlensError("an objective needs a title and a team", fix="fill in both")
    okrs = workspace.okrs()
    chosen = _new_id(okrs, str(fields.get("id") or ""), str(fields.get("title") or ""))
    objective = _model(
        Objective, {**fields, "id": chosen, "team": team, "key_results": []}, "objective"
    )
    if objective.period not in {p.name for p in okrs.periods}:
        raise OkrlensError(
            f"there is no period {objective.period!r}", fix="add the period first, or pick one"
        )
    with audit.recording_edit(
        workspace.home, actor, "add objective", chosen, [workspace.okrs_path]
    ):
        return edit.add_objective(workspace, objective)


def add_key_result(
    workspace: Workspace,
    actor: Actor,
    objective_id: str,
    fields: dict[str, Any],
    *,
    confirmed: bool = False,
) -> OkrSet:
    """Add a key result to an objective, audited; refused or asked to confirm like an edit.

    A deadline on the period's last day is the default, so it is not written.
    """
    okrs = workspace.okrs()
    objective = _editable_objective(workspace, actor, okrs, objective_id)
    period = okrs.period(objective.period)
    chosen = _new_id(okrs, str(fields.get("id") or ""), str(fields.get("title") or ""))
    fields = _as_written(period, {**fields, "id": chosen}, None)
    kr = _checked_key_result(workspace, fields, None, period, confirmed=confirmed)
    with audit.recording_edit(
        workspace.home, actor, "add key result", chosen, [workspace.okrs_path]
    ):
        return edit.add_key_result(workspace, objective_id, kr)


def _as_written(period: Period, fields: dict[str, Any], before: KeyResult | None) -> dict[str, Any]:
    """fields with the deadline as okrs.yaml should hold it (before: the KR, None for a new one).

    Left as it is when unchanged, so saving a form unchanged rewrites nothing; removed (None)
    when it is the period's end, which a key result without a deadline is due on.
    """
    if "deadline" not in fields:
        return fields
    if before is not None and fields["deadline"] == before.window(period).end:
        return {k: v for k, v in fields.items() if k != "deadline"}
    return fields | {"deadline": None if fields["deadline"] == period.end else fields["deadline"]}


def _checked_key_result(
    workspace: Workspace,
    fields: dict[str, Any],
    before: KeyResult | None,
    period: Period,
    *,
    confirmed: bool,
) -> KeyResult:
    """The key result fields declare (before: what it was, None for a new one), checked.

    Impossible numbers are refused in words, before the model's own checks word them as a
    validator would; an unknown metric and a deadline outside period are refused; numbers
    against the title or the metric's direction raise NeedsConfirmation unless confirmed.
    """
    numbers = Numbers(fields.get("baseline"), fields.get("target"), fields.get("weight", 1.0))
    shape = KeyResult.model_construct(id=fields["id"], title="", type=fields.get("type"))
    if (refused := refusal(shape, numbers)) is not None:
        raise refused
    kr = _model(KeyResult, fields, "key result")
    if kr.metric is not None and kr.metric not in {m.name for m in workspace.catalog().metrics}:
        raise OkrlensError(
            f"there is no metric {kr.metric!r}", fix="define it on the Define metrics page first"
        )
    if (late := kr.deadline_refusal(period)) is not None:
        raise late
    _, direction = measure_of(workspace, kr.metric)
    # An edit is judged against the type the key result had; a new one has none to turn.
    judged = kr if before is None else before.model_copy(update={"title": kr.title})
    concerns = surprises(judged, numbers, direction, new=before is None)
    if concerns and not confirmed:
        raise NeedsConfirmation(kr.id, concerns)
    return kr


def _editable_objective(
    workspace: Workspace, actor: Actor, okrs: OkrSet, objective_id: str
) -> Objective:
    """Objective objective_id, if actor may edit its team's objectives; else OkrlensError."""
    objective = next((o for o in okrs.objectives if o.id == objective_id), None)
    team = objective.team if objective else None
    allow(workspace, actor, Action.EDIT_KEY_RESULT, objective_id, team)
    if objective is None:
        raise OkrlensError(f"there is no objective {objective_id!r}", fix="pick an objective")
    return objective


def _team_of_kr(okrs: OkrSet, kr_id: str) -> str | None:
    """The team of the objective holding kr_id (None when there is none)."""
    owner = okrs.owner_of(kr_id)
    return owner.team if owner is not None else None


def edit_period(
    workspace: Workspace, actor: Actor, name: str, start: dt.date, end: dt.date
) -> OkrSet:
    """Move a period's first and last day, audited; refused while a deadline would fall outside."""
    allow(workspace, actor, Action.DEFINE_PERIODS, name)
    moved = _model(Period, {"name": name, "start": start, "end": end}, "period")
    for objective in workspace.okrs().objectives:
        for kr in objective.key_results if objective.period == name else []:
            if (late := kr.deadline_refusal(moved)) is not None:
                raise late
    with audit.recording_edit(workspace.home, actor, "edit period", name, [workspace.okrs_path]):
        return edit.update_item(workspace, "period", name, {"start": start, "end": end})


def edit_objective(
    workspace: Workspace, actor: Actor, objective_id: str, fields: dict[str, Any]
) -> OkrSet:
    """Change an objective's title, team, owner, commitment or parent key result, audited.

    Moving it to another team needs the right to edit objectives of both teams.
    """
    okrs = workspace.okrs()
    objective = _editable_objective(workspace, actor, okrs, objective_id)
    team = str(fields.get("team") or objective.team).strip()
    allow(workspace, actor, Action.EDIT_KEY_RESULT, objective_id, team)
    if not str(fields.get("title", objective.title)).strip() or not team:
        raise OkrlensError("an objective needs a title and a team", fix="fill in both")
    merged = {**objective.model_dump(), **fields, "team": team}
    _model(Objective, merged, "objective")
    with audit.recording_edit(
        workspace.home, actor, "edit objective", objective_id, [workspace.okrs_path]
    ):
        return edit.update_item(workspace, "objective", objective_id, {**fields, "team": team})


def edit_key_result(
    workspace: Workspace,
    actor: Actor,
    kr_id: str,
    fields: dict[str, Any],
    *,
    confirmed: bool = False,
) -> OkrSet:
    """Change a key result's title, metric, slice, type, numbers, deadline or counter-metric,
    audited.

    Refused in words, or asked to confirm, exactly like a change of its numbers alone.
    """
    okrs = workspace.okrs()
    allow(workspace, actor, Action.EDIT_KEY_RESULT, kr_id, _team_of_kr(okrs, kr_id))
    objective, kr = okrs.key_result(kr_id)
    period = okrs.period(objective.period)
    fields = _as_written(period, fields, kr)
    merged = {**kr.model_dump(exclude={"checkins"}), **fields, "checkins": kr.checkins}
    _checked_key_result(workspace, merged, kr, period, confirmed=confirmed)
    with audit.recording_edit(
        workspace.home, actor, "edit key result", kr_id, [workspace.okrs_path]
    ):
        return edit.update_item(workspace, "key_result", kr_id, fields)


def remove(workspace: Workspace, actor: Actor, kind: str, item_id: str) -> OkrSet:
    """Remove a period, an objective (with its key results) or a key result, audited.

    Refused while something else points at it: objectives in a period, a key result that
    other objectives roll up into.
    """
    okrs = workspace.okrs()
    if kind == "period":
        allow(workspace, actor, Action.DEFINE_PERIODS, item_id)
        users = [o.title for o in okrs.objectives if o.period == item_id]
    else:
        owner = (
            next((o for o in okrs.objectives if o.id == item_id), None)
            if kind == "objective"
            else okrs.owner_of(item_id)
        )
        allow(workspace, actor, Action.EDIT_KEY_RESULT, item_id, owner.team if owner else None)
        ids = (
            {kr.id for kr in owner.key_results}
            if kind == "objective" and owner is not None
            else {item_id}
        )
        users = [o.title for o in okrs.objectives if o.parent_kr in ids and o is not owner]
    if users:
        raise OkrlensError(
            f"{item_id!r} cannot be removed while {', '.join(users[:3])} "
            f"{'depends' if len(users) == 1 else 'depend'} on it",
            fix="move or remove those first",
        )
    with audit.recording_edit(
        workspace.home, actor, f"remove {kind.replace('_', ' ')}", item_id, [workspace.okrs_path]
    ):
        return edit.remove_item(workspace, kind, item_id)
