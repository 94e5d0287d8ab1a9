"""Optional definition files that hold one list of items (initiatives.yaml, reviews.yaml), read
item by item: an item that does not validate, repeats an id or names what okrs.yaml lacks is
left out and listed as a `Broken` item; the others stand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from pipelines.definitions import Broken
from pipelines.errors import OkrlensError

ItemT = TypeVar("ItemT", bound=BaseModel)


def problem_of(exc: ValidationError | ValueError) -> str:
    """The first problem an exception names, in one phrase."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        text = str(first["msg"]).removeprefix("Value error, ")
        return f"{loc}: {text}" if loc else text
    return str(exc)


def valid_items(
    raw: dict[str, Any],
    file: str,
    key: str,
    model: type[ItemT],
    *,
    kind: str,
    label_field: str,
    problem: Callable[[ItemT, list[ItemT]], str],
    settings: tuple[str, ...] = (),
) -> tuple[list[ItemT], list[Broken]]:
    """The items of raw[key] that validate as model and raise no problem, and the ones left out.

    problem(item, kept so far) says why a valid item still cannot stand ("" when it can);
    settings are the other top-level fields the file may hold.
    """
    fix = f"correct it in {file}; `okrlens check` lists every problem"
    broken = [
        Broken(file, "setting", str(k), file, "okrlens does not know this top-level field",
               "remove it, or check its spelling")
        for k in raw if k != key and k not in settings
    ]  # fmt: skip
    items = raw.get(key) or []
    if not isinstance(items, list):
        raise OkrlensError(
            f"{file} has no list of {key}",
            where=file,
            fix=f"start it with `{key}:` followed by one `- {label_field}: …` entry per item",
        )
    kept: list[ItemT] = []
    for i, entry in enumerate(items):
        label = entry.get(label_field) if isinstance(entry, dict) else None
        name = str(label) if isinstance(label, str | int) and str(label) else f"#{i + 1}"
        where = f"{file}, {key}[{i}] ({name})"
        try:
            item = model.model_validate(entry)
        except (ValidationError, ValueError) as exc:
            broken.append(Broken(file, kind, name, where, problem_of(exc), fix))
            continue
        if why := problem(item, kept):
            broken.append(Broken(file, kind, name, where, why, fix))
            continue
        kept.append(item)
    return kept, broken
