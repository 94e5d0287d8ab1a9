"""Editing initiatives.yaml from the dashboard: validated first, saved atomically, comments kept.

The recipe of pipelines/okrs/edit.py: every change goes through `pipelines.yamledit.edit_file`
and is validated exactly like a file written by hand, and it may not leave out an initiative
that stood before (one already broken elsewhere in the file does not stop it). A workspace
without the file first gets the documented empty template, created only while no file is there.
okrs.yaml's lock is held (shared) through the whole save, so no key result can be removed
between the check that the initiative's key results exist and the swap (the other half:
`pipelines.okrs.edit` refuses to remove a key result an initiative serves).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from pipelines import db
from pipelines.errors import OkrlensError
from pipelines.okrs.initiatives import FILE, Initiative, InitiativeSet, initiative_set_of
from pipelines.workspace import TEMPLATES, Workspace
from pipelines.yamledit import edit_file, mapping, plain_number, sequence
from pipelines.yamlio import load_mapping

# The fields in the order the file writes them (the model's order, as in the sample).
FIELDS: tuple[str, ...] = tuple(Initiative.model_fields)


def _create_if_missing(path: Path) -> None:
    """Write the documented, empty initiatives.yaml at path unless a file is there already."""
    if path.exists():
        return
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
    ) as tmp:
        tmp.write((TEMPLATES / FILE).read_text(encoding="utf-8"))
    try:
        # A link is created whole, and never over a file someone wrote since the check above.
        with suppress(FileExistsError):
            os.link(tmp.name, path)
    finally:
        os.unlink(tmp.name)


def _save(workspace: Workspace, change: Callable[[Any], None]) -> InitiativeSet:
    """Apply change to initiatives.yaml, validate the result, and replace the file atomically."""
    path = workspace.initiatives_path
    okrs_path = workspace.okrs_path
    with db.lock_file(okrs_path, exclusive=False, what=okrs_path.name):
        okrs = workspace.okrs()
        _create_if_missing(path)
        load_mapping(path)  # the strict reader vets the file before the round-trip one reads it

        def validated(text: str) -> InitiativeSet:
            """The initiatives text declares, unless the change broke one that stood."""
            _, before = initiative_set_of(load_mapping(path), okrs)
            found, after = initiative_set_of(YAML(typ="safe").load(text) or {}, okrs)
            known = {(b.kind, b.id) for b in before}
            added = [b for b in after if (b.kind, b.id) not in known]
            if added:
                raise OkrlensError(
                    f"the change would make {added[0].kind} {added[0].id} invalid: "
                    f"{added[0].problem}",
                    where=FILE,
                    fix="correct the value",
                )
            return found

        return edit_file(path, change, validated)


def _items(document: Any) -> Any:
    """The document's list of initiatives (made when it has none yet)."""
    if not isinstance(document, dict):
        raise OkrlensError(
            f"{FILE} holds no mapping",
            where=FILE,
            fix="start it with `initiatives:` (or delete the file: okrlens writes a new one)",
        )
    if not document.get("initiatives"):
        document["initiatives"] = sequence([])
    return document["initiatives"]


def _spelled(initiative: Initiative) -> dict[str, Any]:
    """initiative as the file spells it: fields set only, whole numbers whole, in file order."""
    spelled: dict[str, Any] = {}
    for field, value in initiative.model_dump().items():
        if value in (None, "", []):
            continue
        if field == "serves":
            value = sequence(
                [
                    mapping(
                        [("key_result", s["key_result"])]
                        + (
                            [("effect", plain_number(s["effect"]))]
                            if s["effect"] is not None
                            else []
                        )
                    )
                    for s in value
                ]
            )
        elif isinstance(value, float):
            value = plain_number(value)
        spelled[field] = value
    return spelled


def _plain(value: Any) -> Any:
    """value with numbers as floats and YAML nodes as plain lists and dicts, for comparing."""
    if isinstance(value, bool) or not isinstance(value, int | float | Mapping | list):
        return value
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return float(value)


def _located(document: Any, initiative_id: str) -> tuple[Any, int]:
    """(the list holding initiative initiative_id, its index)."""
    items = _items(document)
    for index, item in enumerate(items):
        if isinstance(item, Mapping) and item.get("id") == initiative_id:
            return items, index
    raise OkrlensError(
        f"no initiative {initiative_id!r} in {FILE}",
        fix="reload the page; the file may have changed",
    )


def add_initiative(workspace: Workspace, initiative: Initiative) -> InitiativeSet:
    """Append an initiative to initiatives.yaml (the file is created when there is none)."""

    def change(document: Any) -> None:
        _items(document).append(CommentedMap(_spelled(initiative)))

    return _save(workspace, change)


def update_initiative(workspace: Workspace, initiative: Initiative) -> InitiativeSet:
    """Make the initiative with initiative's id hold initiative's fields.

    Only fields whose value changes are written, a new one where the file's order puts it, so
    saving a form unchanged leaves the file byte for byte as it was; comments are kept.
    """
    wanted = _spelled(initiative)

    def change(document: Any) -> None:
        items, index = _located(document, initiative.id)
        item = items[index]
        for field in FIELDS:
            if field not in wanted:
                item.pop(field, None)
            elif _plain(item.get(field)) != _plain(wanted[field]):
                if field in item:
                    item[field] = wanted[field]
                else:
                    earlier = FIELDS[: FIELDS.index(field)]
                    item.insert(sum(k in earlier for k in item), field, wanted[field])

    return _save(workspace, change)


def remove_initiative(workspace: Workspace, initiative_id: str) -> InitiativeSet:
    """Remove one initiative from initiatives.yaml."""

    def change(document: Any) -> None:
        items, index = _located(document, initiative_id)
        del items[index]

    return _save(workspace, change)
