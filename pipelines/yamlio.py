"""Reading YAML definition files into validated models, with errors that name the field."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from pipelines.errors import OkrlensError

ModelT = TypeVar("ModelT", bound=BaseModel)


def load_model(path: Path, model: type[ModelT]) -> ModelT:
    """The model parsed from the YAML file at path; OkrlensError naming the field if invalid."""
    if not path.exists():
        raise OkrlensError(
            f"{path.name} not found",
            where=str(path),
            fix="run `okrlens init` to scaffold a workspace, or `okrlens demo` for the sample one",
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}" if mark else str(path)
        raise OkrlensError(
            f"{path.name} is not valid YAML: {getattr(exc, 'problem', exc)}",
            where=where,
            fix="check the indentation and quoting around that line",
        ) from None
    try:
        return model.model_validate(raw or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "top level"
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise OkrlensError(
            f"{path.name} is invalid at {loc}: {first['msg']}{more}",
            where=str(path),
            fix="correct that field; `okrlens init` writes a commented example of every field",
        ) from None
