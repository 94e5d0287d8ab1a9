"""Editing okrs.yaml from the dashboard: validated first, saved atomically, comments kept.

Every change goes through `pipelines.yamledit.edit_file` and is validated exactly like a file
written by hand; a change may not leave out anything the file held before (an unrelated broken
item elsewhere in the file does not stop it: graceful degradation covers the file as it was).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from pipelines.definitions import load_catalog, okr_set_of
from pipelines.errors import OkrlensError
from pipelines.okrs.initiatives import load_initiatives
from pipelines.okrs.spec import CheckIn, KeyResult, Objective, OkrSet, Period
from pipelines.workspace import Workspace
from pipelines.yamledit import edit_file, mapping, plain_number, sequence
from pipelines.yamlio import load_mapping

EDITABLE_FIELDS = ("baseline", "target", "weight")
# What a key result without the field means, so saving the same value writes nothing.
_DEFAULTS: dict[str, object] = {"weight": 1.0}


def _save(workspace: Workspace, change: Callable[[Any], None]) -> OkrSet:
    """Apply change to okrs.yaml, validate the result, and replace the file atomically."""
    path = workspace.okrs_path
    load_mapping(path)  # the strict reader vets the file before the round-trip one reads it

    def validated(text: str) -> OkrSet:
        """The OKR set text declares, unless the change broke something that was whole.

        Read under okrs.yaml's lock, which a metric's removal or rename also holds while it
        checks the key results: the catalog cannot lose a metric between this check and the swap.
        """
        catalog, broken_metrics = load_catalog(workspace.metrics_path)
        okrs_before, before = okr_set_of(load_mapping(path), path.name, catalog, broken_metrics)
        okrs, after = okr_set_of(
            YAML(typ="safe").load(text) or {}, path.name, catalog, broken_metrics
        )
        added = [b for b in after if (b.kind, b.id) not in {(x.kind, x.id) for x in before}]
        if added:
            raise OkrlensError(
                f"the change would make {added[0].kind} {added[0].id} invalid: {added[0].problem}",
                fix="correct the value",
            )
        _refuse_orphaned_initiatives(workspace, okrs_before, okrs)
        return okrs

    return edit_file(path, change, validated)


def _kr_ids(okrs: OkrSet) -> set[str]:
    """The ids of every key result okrs holds."""
    return {kr.id for o in okrs.objectives for kr in o.key_results}


def _refuse_orphaned_initiatives(workspace: Workspace, before: OkrSet, after: OkrSet) -> None:
    """OkrlensError when a key result an initiative serves would be gone (removed or renamed).

    Initiative saves hold okrs.yaml's lock (shared) while they check the key results, so no
    initiative can start serving a key result between this check and the swap.
    """
    gone = _kr_ids(before) - _kr_ids(after)
    if not gone:  # most changes remove nothing: they never read initiatives.yaml
        return
    initiatives = load_initiatives(workspace.initiatives_path, before)[0]
    serving = [i for i in initiatives.initiatives if any(s.key_result in gone for s in i.serves)]
    if serving:
        krs = ", ".join(sorted({s.key_result for i in serving for s in i.serves} & gone))
        one = len(serving) == 1
        names = ("initiative " if one else "initiatives ") + ", ".join(i.id for i in serving)
        raise OkrlensError(
            f"{names} {'serves' if one else 'serve'} {krs}: the change would leave "
            f"{'it' if one else 'them'} pointing at a key result that is gone",
            where=workspace.initiatives_path.name,
            fix=f"remove {krs} from {names} first",
        )


def _spelled(value: Any) -> Any:
    """value as okrs.yaml writes it: whole numbers whole, a slice as {dimension: value}."""
    if isinstance(value, dict):
        return mapping(list(value.items()), flow=True)
    return plain_number(value) if isinstance(value, int | float) else value


def _same(old: object, new: object) -> bool:
    """True when a field already holds new (33 and 33.0 are the same number)."""
    if isinstance(old, int | float) and isinstance(new, int | float):
        return float(old) == float(new)
    return old == new


def update_key_result(
    workspace: Workspace, kr_id: str, values: Mapping[str, float | str | None]
) -> OkrSet:
    """Set baseline, target and/or weight of one key result; None removes the field.

    Saving a form unchanged leaves the file byte for byte as it was (see update_item).
    """
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise OkrlensError(
            f"cannot edit {', '.join(sorted(unknown))}",
            fix=f"edit one of {', '.join(EDITABLE_FIELDS)}",
        )
    return update_item(workspace, "key_result", kr_id, dict(values))


def set_band_preset(workspace: Workspace, preset: str) -> OkrSet:
    """Choose the band preset every key result is graded with."""

    def change(document: Any) -> None:
        document["band_preset"] = preset

    return _save(workspace, change)


def add_checkin(workspace: Workspace, kr_id: str, checkin: CheckIn) -> OkrSet:
    """Append a check-in (date, value, confidence, note) to a key result."""

    def change(document: Any) -> None:
        items, index = _located(document, "key_result", kr_id)
        kr = items[index]
        entry = mapping(
            [("date", checkin.date), ("value", plain_number(checkin.value))]
            + ([("confidence", checkin.confidence)] if checkin.confidence is not None else [])
            + ([("note", checkin.note)] if checkin.note else []),
            flow=True,
        )
        kr.setdefault("checkins", []).append(entry)

    return _save(workspace, change)


def _find_objective(document: Any, objective_id: str) -> CommentedMap:
    """The mapping of objective objective_id in the parsed document."""
    for objective in document.get("objectives") or []:
        if objective.get("id") == objective_id:
            return objective
    raise OkrlensError(
        f"no objective {objective_id!r} in okrs.yaml",
        fix="reload the page; the file may have changed",
    )


def _written(fields: dict[str, Any]) -> list[tuple[str, Any]]:
    """fields as okrs.yaml spells them: unset ones left out, whole numbers whole."""
    return [
        (name, plain_number(value) if isinstance(value, float) else value)
        for name, value in fields.items()
        if value not in (None, "", [], {})
    ]


def add_period(workspace: Workspace, period: Period) -> OkrSet:
    """Append an OKR period (name, first and last day)."""

    def change(document: Any) -> None:
        entry = mapping(_written(period.model_dump()), flow=True)
        if not document.get("periods"):
            document["periods"] = sequence([])
        document["periods"].append(entry)

    return _save(workspace, change)


def add_objective(workspace: Workspace, objective: Objective) -> OkrSet:
    """Append an objective (with its key results, if it has any)."""

    def change(document: Any) -> None:
        fields = objective.model_dump(exclude={"key_results"}, exclude_defaults=True)
        fields = {"id": objective.id, "title": objective.title, **fields}
        entry = mapping(_written(fields))
        entry["key_results"] = sequence([_kr_entry(kr) for kr in objective.key_results])
        if not document.get("objectives"):
            document["objectives"] = sequence([])
        document["objectives"].append(entry)

    return _save(workspace, change)


def _kr_entry(kr: KeyResult) -> CommentedMap:
    """A key result as okrs.yaml writes it: only the fields that were set."""
    fields = kr.model_dump(exclude_defaults=True, exclude={"checkins"})
    entry = mapping(_written({"id": kr.id, "title": kr.title, **fields}))
    if kr.slice:
        entry["slice"] = mapping(list(kr.slice.items()), flow=True)
    return entry


def add_key_result(workspace: Workspace, objective_id: str, kr: KeyResult) -> OkrSet:
    """Append a key result to objective objective_id."""

    def change(document: Any) -> None:
        objective = _find_objective(document, objective_id)
        if not objective.get("key_results"):
            objective["key_results"] = sequence([])
        objective["key_results"].append(_kr_entry(kr))

    return _save(workspace, change)


# What the dashboard may change on each kind of item; ids and names stay, since links,
# check-ins and parent_kr find items by them.
ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    "period": ("start", "end"),
    "objective": ("title", "team", "owner", "commitment", "parent_kr"),
    "key_result": (
        "title", "metric", "slice", "type", "baseline", "target", "weight", "deadline",
        "counter_metric",
    ),
}  # fmt: skip


def _located(document: Any, kind: str, item_id: str) -> tuple[Any, int]:
    """(the list holding the item, its index) of item_id, a period, objective or key result."""
    if kind == "period":
        lists = [document.get("periods") or []]
        key = "name"
    elif kind == "objective":
        lists = [document.get("objectives") or []]
        key = "id"
    else:
        lists = [o.get("key_results") or [] for o in document.get("objectives") or []]
        key = "id"
    for items in lists:
        for index, item in enumerate(items):
            if item.get(key) == item_id:
                return items, index
    raise OkrlensError(
        f"no {kind.replace('_', ' ')} {item_id!r} in okrs.yaml",
        fix="reload the page; the file may have changed",
    )


def update_item(workspace: Workspace, kind: str, item_id: str, values: dict[str, Any]) -> OkrSet:
    """Set fields of one period, objective or key result; None or "" removes a field.

    Only fields whose value changes are written, whole numbers as whole numbers.
    """
    unknown = set(values) - set(ITEM_FIELDS[kind])
    if unknown:
        raise OkrlensError(
            f"cannot edit {', '.join(sorted(unknown))} of a {kind.replace('_', ' ')}",
            fix=f"edit one of {', '.join(ITEM_FIELDS[kind])}",
        )

    def change(document: Any) -> None:
        items, index = _located(document, kind, item_id)
        item = items[index]
        for field, value in values.items():
            if _same(item.get(field, _DEFAULTS.get(field)), value):
                continue
            if value is None or value == "":
                item.pop(field, None)
            elif field in item or "checkins" not in item:
                item[field] = _spelled(value)
            else:  # a new field goes above the check-ins, with the key result's own fields
                item.insert(list(item).index("checkins"), field, _spelled(value))

    return _save(workspace, change)


def remove_item(workspace: Workspace, kind: str, item_id: str) -> OkrSet:
    """Remove one period, objective (with its key results) or key result.

    Refused, like any change, when something else would be left pointing at it.
    """

    def change(document: Any) -> None:
        items, index = _located(document, kind, item_id)
        del items[index]

    return _save(workspace, change)
