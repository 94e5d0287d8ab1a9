"""Adding, replacing or removing one metric in metrics.yaml: validated like the file, comments kept.

Every save goes through `pipelines.yamledit.edit_file`, and the same check reads a draft before
anything is saved (`draft_catalog`), so what a preview accepts is what a save writes:

- a metric is written in the file's own spelling (dbt's ``agg``/``expr`` where the file writes
  them, else ``aggregation``/``column``) and with only the fields that mean something: a field
  whose absence means the same (``grain: week``, ``direction: higher``) is not written, and one
  the file already holds with that meaning is left as written;
- the item keeps its place, its key order and its comments, and the comment that follows it
  (the next metric's heading) stays after it whatever fields come or go;
- a removed metric takes its own comment (the lines right above it) and nothing else;
- a change may not make anything invalid that was whole: another metric (a ratio over it) or
  a key result (one pointing at it). Renaming or removing a metric that key results or other
  metrics use is refused, naming them: okrs.yaml is another file, and one save cannot change
  both at once. okrs.yaml is read under its lock, held until metrics.yaml is replaced, so a key
  result saved meanwhile cannot start using the metric between the check and the save.

Why this module is long: it is one recipe over one file. Reading an item as the model does,
writing it in the file's spelling, keeping each comment with the metric it belongs to (ruamel
keeps a comment with the key before it, not the item after it) and checking what a change breaks
all work on the same list of items; the comment helpers at the end could live in a module of
their own once another file needs them.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken
from sqlglot.errors import SqlglotError

from pipelines import db
from pipelines.definitions import Broken, load_catalog, okr_set_of
from pipelines.errors import OkrlensError
from pipelines.metrics.spec import NAME_PATTERN, Metric, MetricCatalog, _inferred_type
from pipelines.workspace import Workspace
from pipelines.yamledit import edit_file, mapping, sequence
from pipelines.yamlio import load_mapping

Fields = dict[str, Any]
# The order fields are written in: the model's, which is the sample's and the template's.
FIELD_ORDER = tuple(Metric.model_fields)
# dbt's names for two fields of a simple metric, which a file may use instead.
_DBT_NAMES = {"aggregation": "agg", "column": "expr"}
_SQL_FIELDS = frozenset({"filter", "column"})
_FIX = "correct the field it names"


def metric_fields(draft: Mapping[str, Any] | Metric) -> Fields:
    """The fields a draft sets, in the model's names and the file's order; empty ones left out."""
    given = (
        draft.model_dump(include=draft.model_fields_set)
        if isinstance(draft, Metric)
        else dict(draft)
    )
    unknown = sorted(set(given) - set(FIELD_ORDER))
    if unknown:
        raise OkrlensError(
            f"a metric has no field {', '.join(unknown)}",
            fix=f"use the fields {', '.join(FIELD_ORDER)}",
        )
    return {k: given[k] for k in FIELD_ORDER if given.get(k) not in (None, "", [], {})}


def _checked_name(fields: Fields) -> str:
    """The draft's name; OkrlensError unless it can name a metric."""
    name = str(fields.get("name", ""))
    if not re.fullmatch(NAME_PATTERN, name):
        raise OkrlensError(
            f"{name!r} cannot name a metric" if name else "the metric has no name",
            where="name",
            fix="use lowercase letters, digits and underscores, starting with a letter (at most "
            "63 characters), e.g. weekly_active_users",
        )
    return name


def _meaning(fields: Fields) -> dict[str, Any] | None:
    """What fields define, with every default spelled out; None when they define no metric."""
    try:
        metric = Metric.model_validate(fields)
    except ValidationError:
        return None
    meaning = metric.model_dump()
    if metric.type == "simple":
        kpi = metric.kpi_name if metric.source == "kpis" else None
        meaning |= {"timestamp": metric.time_column, "kpi": kpi}
    return meaning


def _same(field: str, old: Any, new: Any) -> bool:
    """True when a field's old value is new: equal, or the same SQL written another way."""
    if _plain(old) == _plain(new):
        return True
    if field not in _SQL_FIELDS or not isinstance(old, str) or not isinstance(new, str):
        return False
    try:
        return sqlglot.parse_one(old, read="duckdb") == sqlglot.parse_one(new, read="duckdb")
    except SqlglotError:
        return False


def _plain(value: Any) -> Any:
    """value with ruamel's mappings and lists as plain ones, for comparing."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _written(fields: Fields, existing: Fields) -> Fields:
    """What the item should hold: the fields that mean something, in the file's order.

    A field that existing holds stays as written while it means the same (a filter is not
    respelled, `grain: week` not dropped); a new one that only repeats a default is not written.
    A draft that defines no metric is written whole, so its check names what is wrong.
    """
    meaning = _meaning(fields)
    if meaning is None:
        return dict(fields)
    chosen: Fields = {}
    for field in FIELD_ORDER:
        if field in fields:
            rest = {k: v for k, v in fields.items() if k != field}
            if field in existing and _same(field, existing[field], fields[field]):
                chosen[field] = existing[field]
            elif field in existing or _meaning(rest) != meaning:
                chosen[field] = fields[field]
        elif field in existing and _meaning(fields | {field: existing[field]}) == meaning:
            chosen[field] = existing[field]
    return chosen


def _model_fields(item: Mapping[str, Any]) -> Fields:
    """An item of the file under the model's field names (agg as aggregation, …)."""
    # The type as the model reads it, which a broken item has too (its form opens to be fixed).
    fields = {str(k): v for k, v in item.items()}
    return _renamed(item, simple=(fields.get("type") or _inferred_type(fields)) == "simple")


def _renamed(item: Mapping[str, Any], *, simple: bool) -> Fields:
    """item with dbt's names of a simple metric's fields as the model's."""
    back = {dbt: field for field, dbt in _DBT_NAMES.items() if simple or field != "column"}
    return {back.get(str(k), str(k)): v for k, v in item.items()}


def _file_key(field: str, dbt: bool, simple: bool) -> str:
    """The key field is written under: dbt's name in a file that writes them."""
    if dbt and field in _DBT_NAMES and (simple or field != "column"):
        return _DBT_NAMES[field]
    return field


def _writes_dbt_names(items: list[Any]) -> bool:
    """Whether the file writes dbt's names (agg, expr) for simple metrics."""
    return any(isinstance(i, Mapping) and "agg" in i for i in items)


def _names(items: list[Any]) -> list[str]:
    """The names of the file's metrics, as written."""
    return [str(i.get("name")) if isinstance(i, Mapping) else "" for i in items]


def _position(items: list[Any], name: str, replacing: str | None) -> int | None:
    """Where the metric goes: the index of the one it replaces, or None (appended)."""
    at = None if replacing is None else _index(items, replacing)
    if name != replacing and name in _names(items):
        raise OkrlensError(
            f"a metric called {name} exists already",
            where="name",
            fix=f"choose another name, or pick {name} to edit it",
        )
    return at


def _items(listed: Any) -> list[Any]:
    """The file's list of metrics; OkrlensError when it holds something else there."""
    if listed is None:
        return []
    if not isinstance(listed, list):
        raise OkrlensError(
            "metrics.yaml has no list of metrics",
            where="metrics.yaml",
            fix="write `metrics:` followed by one `- name: …` entry per metric",
        )
    return listed


def _catalog_of_text(text: str) -> tuple[MetricCatalog, list[Broken]]:
    """load_catalog of a file holding text (metrics.yaml as it would be after the change)."""
    # load_catalog reads a file: a private copy of the text is read exactly as metrics.yaml is.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "metrics.yaml"
        path.write_text(text, encoding="utf-8")
        return load_catalog(path)


def _users(catalog: MetricCatalog, okrs_raw: Any, broken: list[Broken], name: str) -> list[str]:
    """The key results and metrics that use metric name, in words.

    Only what stands counts: an item already broken is left out of every page whatever happens
    to name, and a refusal would leave no way to remove a broken metric in the browser.
    """
    okrs, _ = okr_set_of(okrs_raw, "okrs.yaml", catalog, broken)
    krs = [
        kr.id
        for o in okrs.objectives
        for kr in o.key_results
        if name in (kr.metric, kr.counter_metric)
    ]
    combining = [m.name for m in catalog.metrics if name in m.parts]
    return ([f"key results {', '.join(krs)}"] if krs else []) + (
        [f"metrics {', '.join(combining)}"] if combining else []
    )


def _newly_broken(before: list[Broken], after: list[Broken]) -> list[Broken]:
    """The items of after that were not broken before."""
    known = {(b.kind, b.id) for b in before}
    return [b for b in after if (b.kind, b.id) not in known]


@contextmanager
def _okrs_held(workspace: Workspace) -> Iterator[dict[str, Any]]:
    """okrs.yaml as it is, which no save can change (its lock, shared) until the block ends."""
    path = workspace.okrs_path
    with db.lock_file(path, exclusive=False, what=path.name):
        yield load_mapping(path) if path.exists() else {}


def _checked(
    workspace: Workspace, text: str, name: str | None, replacing: str | None, okrs_raw: Any
) -> MetricCatalog:
    """The catalog text declares, unless its metric name is invalid or the change breaks another.

    name None: the change removes the metric called replacing. Reads metrics.yaml as it is now,
    and okrs.yaml as okrs_raw (read under its lock), to tell what the change broke.
    """
    catalog_before, before = load_catalog(workspace.metrics_path)
    if replacing is not None and name != replacing:
        users = _users(catalog_before, okrs_raw, before, replacing)
        if users:
            what = f"metric {replacing} is used by {' and '.join(users)}"
            if name is None:
                raise OkrlensError(
                    f"{what}: removing it would leave them without it",
                    fix="point them at another metric first, or remove them",
                )
            raise OkrlensError(
                f"{what}: renaming it would leave them without it",
                where="name",
                fix=f"keep the name {replacing} (change its label instead), or point them at "
                "another metric first",
            )
    catalog, after = _catalog_of_text(text)
    own = [b for b in after if b.kind == "metric" and b.id == name]
    if own:
        raise OkrlensError(f"metric {name} is not valid: {own[0].problem}", fix=_FIX)
    _, okrs_before = okr_set_of(okrs_raw, "okrs.yaml", catalog_before, before)
    _, okrs_after = okr_set_of(okrs_raw, "okrs.yaml", catalog, after)
    broken = _newly_broken(before, after) + _newly_broken(okrs_before, okrs_after)
    if broken:
        raise OkrlensError(
            f"the change would make {broken[0].kind} {broken[0].id} invalid: {broken[0].problem}",
            fix="change the metric so that what uses it still fits, or change that first",
        )
    return catalog


def _checked_items(
    workspace: Workspace,
    raw: Mapping[str, Any],
    items: list[Any],
    name: str | None,
    replacing: str | None,
) -> MetricCatalog:
    """The catalog metrics.yaml would hold with items as its metrics, checked; nothing is written."""
    text = yaml.safe_dump({**raw, "metrics": items}, sort_keys=False, allow_unicode=True)
    with _okrs_held(workspace) as okrs_raw:
        return _checked(workspace, text, name, replacing, okrs_raw)


def draft_catalog(workspace: Workspace, fields: Fields, replacing: str | None) -> MetricCatalog:
    """The catalog metrics.yaml would hold with the draft saved (replacing a metric, or added).

    Checked exactly as `save_metric` checks it; nothing is written.
    """
    name = _checked_name(fields)
    raw = load_mapping(workspace.metrics_path)
    items = list(_items(raw.get("metrics")))
    at = _position(items, name, replacing)
    if at is None:
        items.append(_written(fields, {}))
    else:
        items[at] = _written(fields, _model_fields(items[at]))
    return _checked_items(workspace, raw, items, name, replacing)


def removal_catalog(workspace: Workspace, name: str) -> MetricCatalog:
    """The catalog metrics.yaml would hold without metric name.

    Checked exactly as `remove_metric` checks it; nothing is written.
    """
    raw = load_mapping(workspace.metrics_path)
    items = list(_items(raw.get("metrics")))
    del items[_index(items, name)]
    return _checked_items(workspace, raw, items, None, name)


def _edited(
    workspace: Workspace,
    change: Callable[[CommentedMap, list[Any]], None],
    name: str | None,
    replacing: str | None,
) -> MetricCatalog:
    """metrics.yaml after change(document, its metrics), checked like a draft, swapped in."""
    path = workspace.metrics_path

    def changed(document: Any) -> None:
        if not isinstance(document, CommentedMap):
            raise OkrlensError(
                "metrics.yaml holds no mapping of fields",
                where=str(path),
                fix="start it with `metrics:`; `okrlens init` writes an example",
            )
        if document.get("metrics") is None:
            document["metrics"] = CommentedSeq()
        change(document, _items(document["metrics"]))

    with _okrs_held(workspace) as okrs_raw:
        return edit_file(
            path, changed, lambda text: _checked(workspace, text, name, replacing, okrs_raw)
        )


def save_metric(workspace: Workspace, fields: Fields, replacing: str | None) -> MetricCatalog:
    """Add the draft metric (replacing None) or replace the metric called replacing with it."""
    name = _checked_name(fields)

    def change(_: CommentedMap, items: list[Any]) -> None:
        at = _position(items, name, replacing)
        if at is None:
            _append(items, fields)
        else:
            _update(items[at], fields, _writes_dbt_names(items))

    return _edited(workspace, change, name, replacing)


def remove_metric(workspace: Workspace, name: str) -> MetricCatalog:
    """Remove the metric called name, with its own comment; the catalog left."""
    return _edited(
        workspace, lambda document, items: _remove(document, items, _index(items, name)), None, name
    )


def broken_items(workspace: Workspace) -> list[tuple[Broken, Fields]]:
    """The metrics left out as broken, each with its fields as the file writes them.

    Only those a form can address by name: a nameless item, or a second one of a name the file
    already uses, is left to be corrected in the file.
    """
    catalog, broken = load_catalog(workspace.metrics_path)
    items = _items(load_mapping(workspace.metrics_path).get("metrics"))
    names = _names(items)
    valid = {m.name for m in catalog.metrics}
    return [
        (b, _model_fields(items[names.index(b.id)]))
        for b in broken
        if b.kind == "metric" and b.id in names and b.id not in valid
    ]


def _index(items: list[Any], name: str) -> int:
    """The index of the metric called name; OkrlensError when the file holds none."""
    names = _names(items)
    if name not in names:
        raise OkrlensError(
            f"no metric {name!r} in metrics.yaml", fix="reload the page; the file may have changed"
        )
    return names.index(name)


def _file_value(value: Any) -> Any:
    """value as the file writes it: lists and mappings on one line ([plan, platform])."""
    if isinstance(value, Mapping):
        return mapping([(str(k), v) for k, v in value.items()], flow=True)
    if isinstance(value, list):
        made = sequence(list(value))
        made.fa.set_flow_style()
        return made
    return value


def _is_simple(fields: Fields) -> bool:
    """Whether fields define a simple metric (what an omitted type means)."""
    return (_meaning(fields) or {}).get("type", "simple") == "simple"


def _append(items: list[Any], fields: Fields) -> None:
    """Append a new metric, after a blank line, in the spelling the file writes."""
    dbt, simple = _writes_dbt_names(items), _is_simple(fields)
    written = _written(fields, {})
    if items:
        _attach_tail(items[-1], "\n")
    items.append(mapping([(_file_key(k, dbt, simple), _file_value(v)) for k, v in written.items()]))


def _update(item: CommentedMap, fields: Fields, file_dbt: bool) -> None:
    """Make item hold fields, keeping its key order, its comments and the comment after it."""
    existing = _model_fields(item)
    dbt = "agg" in item if {"agg", "aggregation"} & set(item) else file_dbt
    simple = _is_simple(fields)
    written = {_file_key(k, dbt, simple): v for k, v in _written(fields, existing).items()}
    tail = _detach_tail(item)
    for key in [k for k in item if k not in written]:
        del item[key]
    order = [_file_key(f, dbt, simple) for f in FIELD_ORDER]
    for key, value in written.items():
        if key not in item:
            later = [i for i, k in enumerate(item) if order.index(k) > order.index(key)]
            item.insert(later[0] if later else len(item), key, _file_value(value))
        elif isinstance(item[key], CommentedMap) and isinstance(value, Mapping):
            _update_mapping(item[key], value)  # a block mapping stays a block
        elif item[key] is not value:
            item[key] = _file_value(value)
    _attach_tail(item, tail)


def _update_mapping(node: CommentedMap, value: Mapping[str, Any]) -> None:
    """Make node hold value's keys and values, in place."""
    for key in [k for k in node if k not in value]:
        del node[key]
    for key, item in value.items():
        if node.get(key) != item:
            node[key] = item


def _remove(document: CommentedMap, items: list[Any], at: int) -> None:
    """Remove items[at] and its own comment; the comment after it (the next one's) moves up."""
    after = _detach_tail(items[at])
    if at:
        before = _detach_tail(items[at - 1])
        _attach_tail(items[at - 1], _without_own_comment(before) + after)
    else:
        _set_lead(document, (_without_own_comment(_detach_lead(document)) + after).lstrip("\n"))
    del items[at]
    if not items:  # `metrics: []`, as `okrlens init` writes it: a block list cannot be empty
        document["metrics"] = _file_value([])


def _without_own_comment(lines: str) -> str:
    """Comment lines without the comment right above the item they precede, nor blank lines.

    A comment separated from the item by a blank line (a section's heading) is not its own.
    """
    kept = lines.splitlines()
    while kept and kept[-1].lstrip().startswith("#"):
        kept.pop()
    while kept and not kept[-1].strip():
        kept.pop()
    return "".join(f"{line}\n" for line in kept)


def _detach_lead(document: CommentedMap) -> str:
    """Remove and return the comment lines between `metrics:` and the first metric.

    ruamel keeps them with the `metrics` key: after an end-of-line comment on it, or as a list of
    comment tokens shared with the list of metrics.
    """
    comments = document.ca.items.get("metrics") or [None] * 4
    listed = document["metrics"].ca
    eol = comments[2]
    text = eol.value.partition("\n")[2] if eol is not None else ""
    tokens = comments[3] or (listed.comment[1] if listed.comment else None) or []
    text += "".join(" " * t.column + t.value for t in tokens)
    if eol is not None:
        eol.value = eol.value.partition("\n")[0] + "\n"
    comments[3] = None
    if listed.comment:
        listed.comment[1] = None
    return text


def _set_lead(document: CommentedMap, lines: str) -> None:
    """Put comment lines between `metrics:` and the first metric."""
    if not lines:
        return
    comments = document.ca.items.setdefault("metrics", [None] * 4)
    if comments[2] is None:
        comments[2] = CommentToken("\n" + lines, CommentMark(0), None)
    else:
        comments[2].value += lines


def _tail_slot(node: Any) -> tuple[Any, Any, int]:
    """(container, key, slot) of the comment after node: its deepest last key's.

    ruamel keeps the comment lines after a value with the last key (or list entry) before
    them, nested as deep as the value goes; slot 2 of a key's comments, 0 of an entry's.
    """
    while True:
        last = next(reversed(node)) if isinstance(node, CommentedMap) else len(node) - 1
        value = node[last]
        nested = isinstance(value, CommentedMap | CommentedSeq) and len(value) > 0
        if not nested or value.fa.flow_style():
            return node, last, 2 if isinstance(node, CommentedMap) else 0
        node = value


def _detach_tail(item: CommentedMap) -> str:
    """Remove and return the comment lines after item (an end-of-line comment stays put)."""
    if not item:
        return ""
    container, key, slot = _tail_slot(item)
    comments = container.ca.items.get(key)
    token = comments[slot] if comments else None
    if token is None:
        return ""
    own_line, _, after = token.value.partition("\n")
    if own_line.strip():
        token.value = own_line + "\n"
    else:
        comments[slot] = None
    return after


def _attach_tail(item: CommentedMap, lines: str) -> None:
    """Put comment lines (and blank lines) after item."""
    if not lines or not item:
        return
    container, key, slot = _tail_slot(item)
    comments = container.ca.items.setdefault(key, [None, None, None, None])
    if comments[slot] is None:
        comments[slot] = CommentToken("\n" + lines, CommentMark(0), None)
    else:
        comments[slot].value += lines
