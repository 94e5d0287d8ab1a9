"""Reading YAML definition files into validated models, with errors that name the field.

Definition files are hand-written and small, and anyone who can edit one can hand okrlens any
bytes: so a file is read only if it is a regular file of at most MAX_DEFINITION_BYTES, decoded as
strict UTF-8, and parsed by a safe loader that refuses anchors and aliases (the billion-laughs
bomb expands a few KB into gigabytes), duplicate keys (YAML keeps the last one silently) and
nesting deeper than MAX_DEPTH (which would exhaust Python's recursion).
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from pipelines.errors import OkrlensError
from pipelines.limits import MAX_DEFINITION_BYTES, MAX_DEPTH

ModelT = TypeVar("ModelT", bound=BaseModel)


class _Refused(yaml.YAMLError):
    """A construct definition files may not use, with the line it is on."""

    def __init__(self, problem: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark


class _StrictLoader(yaml.SafeLoader):
    """The safe loader without aliases, duplicate keys or deep nesting."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """A node, refusing an alias and anything nested deeper than MAX_DEPTH."""
        if self.check_event(yaml.AliasEvent):
            raise _Refused(
                "anchors and aliases (&name, *name) are not allowed: write the values out",
                self.peek_event().start_mark,
            )
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(
                    f"nested more than {MAX_DEPTH} levels deep", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """A mapping, refusing a key given twice."""
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, list | dict):
                raise _Refused("a key must be a plain value", key_node.start_mark)
            if key in seen:
                raise _Refused(f"the key {key!r} is given twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _text(path: Path) -> str:
    """The file's text: a regular file, small enough, in UTF-8; OkrlensError if not."""
    try:
        mode = path.stat().st_mode  # follows a symlink to what it names
    except OSError as exc:
        raise OkrlensError(
            f"cannot read {path.name}: {exc.strerror}", where=str(path), fix="check its path"
        ) from None
    if not stat.S_ISREG(mode):
        raise OkrlensError(
            f"{path.name} is not a regular file",
            where=str(path),
            fix="point it at an ordinary YAML file, not a device, pipe or folder",
        )
    with path.open("rb") as stream:
        raw = stream.read(MAX_DEFINITION_BYTES + 1)
    if len(raw) > MAX_DEFINITION_BYTES:
        raise OkrlensError(
            f"{path.name} is larger than {MAX_DEFINITION_BYTES // 1_000_000} MB; definition files "
            "are a few KB",
            where=str(path),
            fix="remove what does not belong in it (data goes in through `okrlens ingest`)",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise OkrlensError(
            f"{path.name} is not UTF-8 text (byte {exc.start + 1})",
            where=f"{path}, line {line}",
            fix="save the file as UTF-8 (most editors: Save with encoding → UTF-8)",
        ) from None


def load_mapping(path: Path) -> dict[str, Any]:
    """The top-level mapping of the YAML file at path, read strictly; OkrlensError if unreadable."""
    if not path.exists():
        raise OkrlensError(
            f"{path.name} not found",
            where=str(path),
            fix="run `okrlens init` to scaffold a workspace, or `okrlens demo` for the sample one",
        )
    try:
        raw = yaml.load(_text(path), Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}, line {mark.line + 1}" if mark else str(path)
        raise OkrlensError(
            f"{path.name} is not valid YAML: {getattr(exc, 'problem', exc)}",
            where=where,
            fix="check the indentation and quoting around that line",
        ) from None
    if raw is not None and not isinstance(raw, dict):
        raise OkrlensError(
            f"{path.name} holds a {type(raw).__name__} where a mapping of fields belongs",
            where=str(path),
            fix="start the file with its top-level fields; `okrlens init` writes an example",
        )
    return raw or {}


def load_model(path: Path, model: type[ModelT]) -> ModelT:
    """The model parsed from the YAML file at path; OkrlensError naming the field if invalid."""
    raw = load_mapping(path)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "top level"
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise OkrlensError(
            f"{path.name} is invalid at {loc}: {first['msg']}{more}",
            where=str(path),
            fix="correct that field; `okrlens init` writes a commented example of every field",
        ) from None
