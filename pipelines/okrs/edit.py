"""Editing okrs.yaml from the dashboard: validated first, saved atomically, comments kept.

ruamel.yaml's round-trip mode keeps the analyst's comments, ordering and quoting; the edited
document is validated exactly like a file written by hand before it replaces the old one.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from pipelines import db
from pipelines.definitions import load_catalog, okr_set_of
from pipelines.errors import OkrlensError
from pipelines.okrs.spec import CheckIn, OkrSet
from pipelines.workspace import Workspace
from pipelines.yamlio import load_mapping

EDITABLE_FIELDS = ("baseline", "target", "weight")


def _yaml() -> YAML:
    """A round-trip YAML reader/writer that keeps comments and layout."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _find_kr(document: Any, kr_id: str) -> CommentedMap:
    """The mapping of key result kr_id in the parsed document."""
    for objective in document.get("objectives") or []:
        for kr in objective.get("key_results") or []:
            if kr.get("id") == kr_id:
                return kr
    raise OkrlensError(
        f"no key result {kr_id!r} in okrs.yaml", fix="reload the page; the file may have changed"
    )


def _save(workspace: Workspace, change: Callable[[Any], None]) -> OkrSet:
    """Apply change to okrs.yaml, validate the result, and replace the file atomically."""
    path = workspace.okrs_path
    # One edit at a time, across sessions and processes: two check-ins saved at once both land.
    with db.lock_file(path, exclusive=True, what=path.name):
        return _save_locked(workspace, path, change)


def _save_locked(workspace: Workspace, path: Path, change: Callable[[Any], None]) -> OkrSet:
    """_save's work, with the file's lock held.

    The change may not leave out anything the file held before (an unrelated broken item
    elsewhere in the file does not stop it: graceful degradation covers the file as it was).
    """
    catalog, broken_metrics = load_catalog(workspace.metrics_path)
    # The strict reader vets the file before the round-trip one reads it.
    _, before = okr_set_of(load_mapping(path), path.name, catalog, broken_metrics)
    original = path.read_bytes()
    yaml = _yaml()
    document = yaml.load(original.decode("utf-8"))
    change(document)
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    text = buffer.getvalue()
    okrs, after = okr_set_of(YAML(typ="safe").load(text) or {}, path.name, catalog, broken_metrics)
    added = [b for b in after if (b.kind, b.id) not in {(x.kind, x.id) for x in before}]
    if added:
        raise OkrlensError(
            f"the change would make {added[0].kind} {added[0].id} invalid: {added[0].problem}",
            fix="correct the value",
        )
    # Compare and swap: an editor saving the file by hand meanwhile takes no lock of ours, so
    # its change is detected here and kept, rather than silently overwritten.
    if path.read_bytes() != original:
        raise OkrlensError(
            f"{path.name} was changed by someone else while this change was being saved; "
            "nothing was written",
            where=str(path),
            fix="reload the page to see their change, then make yours again",
        )
    # Write beside the target and rename: readers see the old file or the new one, never half.
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
    ) as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)
    return okrs


def update_key_result(
    workspace: Workspace, kr_id: str, values: dict[str, float | str | None]
) -> OkrSet:
    """Set baseline, target and/or weight of one key result; None removes the field."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise OkrlensError(
            f"cannot edit {', '.join(sorted(unknown))}",
            fix=f"edit one of {', '.join(EDITABLE_FIELDS)}",
        )

    def change(document: Any) -> None:
        kr = _find_kr(document, kr_id)
        for field, value in values.items():
            if value is None:
                kr.pop(field, None)
            else:
                kr[field] = value

    return _save(workspace, change)


def set_band_preset(workspace: Workspace, preset: str) -> OkrSet:
    """Choose the band preset every key result is graded with."""

    def change(document: Any) -> None:
        document["band_preset"] = preset

    return _save(workspace, change)


def add_checkin(workspace: Workspace, kr_id: str, checkin: CheckIn) -> OkrSet:
    """Append a check-in (date, value, confidence, note) to a key result."""

    def change(document: Any) -> None:
        kr = _find_kr(document, kr_id)
        entry = CommentedMap(
            [("date", checkin.date), ("value", checkin.value)]
            + ([("confidence", checkin.confidence)] if checkin.confidence is not None else [])
            + ([("note", checkin.note)] if checkin.note else [])
        )
        entry.fa.set_flow_style()
        kr.setdefault("checkins", []).append(entry)

    return _save(workspace, change)
