"""Changing a definition file in place: round-trip, validated, locked, compared, then swapped.

ruamel.yaml's round-trip mode keeps the analyst's comments, ordering and quoting. Every edit of
metrics.yaml or okrs.yaml from the dashboard goes through `edit_file`, so they share one recipe:
hold the file's lock for the read-modify-write (two sessions saving at once both land), validate
the edited text exactly like a file written by hand, refuse if someone changed the file by hand
meanwhile, and replace it atomically (readers see the old file or the new one, never half).
"""

from __future__ import annotations

import io
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from pipelines import db
from pipelines.errors import OkrlensError

T = TypeVar("T")


def _yaml() -> YAML:
    """A round-trip YAML reader/writer that keeps comments and layout."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def edit_file(path: Path, change: Callable[[Any], None], validate: Callable[[str], T]) -> T:
    """Apply change to the parsed document at path, validate the new text, swap it in.

    validate receives the edited text and returns what it read (or raises OkrlensError, and
    nothing is written); it is called with the file's lock held, after change.
    """
    with db.lock_file(path, exclusive=True, what=path.name):
        original = path.read_bytes()
        yaml = _yaml()
        document = yaml.load(original.decode("utf-8"))
        change(document)
        buffer = io.StringIO()
        yaml.dump(document, buffer)
        text = buffer.getvalue()
        result = validate(text)
        # Compare and swap: an editor saving the file by hand meanwhile takes no lock of ours,
        # so its change is detected here and kept, rather than silently overwritten.
        if path.read_bytes() != original:
            raise OkrlensError(
                f"{path.name} was changed by someone else while this change was being saved; "
                "nothing was written",
                where=str(path),
                fix="reload the page to see their change, then make yours again",
            )
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as tmp:
            tmp.write(text)
        os.replace(tmp.name, path)
        return result


def plain_number(value: float) -> int | float:
    """value as the file should spell it: 33, not 33.0, when it is a whole number."""
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15:
        return int(value)
    return float(value)


def mapping(pairs: list[tuple[str, Any]], *, flow: bool = False) -> CommentedMap:
    """A new mapping to insert into a document, in the order given (flow style: {a: 1})."""
    made = CommentedMap(pairs)
    if flow:
        made.fa.set_flow_style()
    return made


def sequence(items: list[Any]) -> CommentedSeq:
    """A new list to insert into a document."""
    return CommentedSeq(items)
