"""Recording a reflection in reviews.yaml: validated, saved atomically, comments kept."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML

from pipelines.errors import OkrlensError
from pipelines.okrs.reviews import FILE, Reflection, ReviewSet, review_set_of
from pipelines.workspace import Workspace
from pipelines.yamledit import edit_file, mapping, sequence
from pipelines.yamlio import load_mapping

HEADER = """\
# End-of-period reviews (okrlens): the review cadence and each team's reflections.
#
# cadence.every_weeks: a review every so many weeks from each period's start, and one at its end.
# reflections: per key result, what the team said at a review (note, author, date) and what it
# decided for the next period (keep, raise or change). Written by the Review page and
# `okrlens review reflect`; edit by hand as you like.
cadence:
  every_weeks: 6
reflections: []
"""


def _created(workspace: Workspace) -> None:
    """Write the documented, empty reviews.yaml unless one exists (never over one)."""
    path = workspace.reviews_path
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(HEADER)
    except FileExistsError:
        return


def add_reflection(workspace: Workspace, reflection: Reflection) -> ReviewSet:
    """Append reflection to reviews.yaml (created when missing); refused if it would not stand."""
    _created(workspace)
    okrs = workspace.okrs()
    load_mapping(workspace.reviews_path)  # the strict reader vets the file first

    def change(document: Any) -> None:
        entry = mapping(
            [
                ("key_result", reflection.key_result),
                ("date", reflection.date),
                ("author", reflection.author),
                ("note", reflection.note),
            ]
            + ([("decision", reflection.decision)] if reflection.decision else [])
        )
        if not document.get("reflections"):
            document["reflections"] = sequence([])
        document["reflections"].append(entry)

    def validated(text: str) -> ReviewSet:
        reviews, broken = review_set_of(YAML(typ="safe").load(text) or {}, okrs)
        _, before = review_set_of(load_mapping(workspace.reviews_path), okrs)
        added = [b for b in broken if b not in before]
        if added:
            raise OkrlensError(
                f"the reflection cannot be saved: {added[0].problem}",
                where=FILE,
                fix="reflect on a key result declared in okrs.yaml",
            )
        return reviews

    return edit_file(workspace.reviews_path, change, validated)
