"""What the stored events are called and carry, and the names a metric uses that none of them has.

A filter on a property no event has (``properties['plann'] = 'pro'``), on a value no event holds
(``properties['plan'] = 'Pro'`` when the store says ``pro``) or on an event name never stored
compiles, runs and counts 0 every period without a word. `store_vocabulary` reads, in three
queries, the event names and every property key with its most frequent values (a few seconds
per million events, so it is read once per data version or per save, never per page rerun);
`unseen_names` says which names of a metric's filter and column no stored event has, with the
known names, closest first. An empty store has nothing to check against, so it finds nothing.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd
from sqlglot import exp

from pipelines import db
from pipelines.errors import OkrlensError
from pipelines.metrics.expressions import checked_expression
from pipelines.metrics.sources import PROPERTIES
from pipelines.metrics.spec import Metric, MetricCatalog

# A store has a handful of event names and property keys and, for a property a filter names, a
# handful of values. The bounds keep the summary small when a property holds ids or amounts;
# past them a list is cut short, and a name missing from a cut list is never called unseen.
MAX_EVENT_NAMES = 1000
MAX_KEYS = 500
MAX_VALUES = 200
# How many known names a message lists: enough to spot the one meant.
NAMES_SHOWN = 10

_EVENT_NAMES = """
SELECT event_name, count(*) AS events FROM events
GROUP BY event_name ORDER BY events DESC, event_name LIMIT ?"""
# Events of one export share a few property objects, so each distinct object is parsed once,
# weighted by its events. The parsing is vectorised scalar functions: a table function per
# object (json_each) costs 20 times more when every object differs, as an insert id makes them.
_PROPERTY_KEYS = """
WITH shapes AS (
    SELECT properties, count(*) AS events FROM events
    WHERE json_type(properties) = 'OBJECT' GROUP BY properties
)
SELECT key, sum(events) AS events
FROM (SELECT unnest(json_keys(properties)) AS key, events FROM shapes)
GROUP BY key ORDER BY events DESC, key LIMIT ?"""
# Every key's value in one pass ($paths: the JSONPath of each of $keys); JSON null is NULL.
_PROPERTY_VALUES = """
WITH shapes AS (
    SELECT properties, count(*) AS events FROM events
    WHERE json_type(properties) = 'OBJECT' GROUP BY properties
), pairs AS (
    SELECT unnest($keys) AS key, unnest(json_extract_string(properties, $paths)) AS value, events
    FROM shapes
), counted AS (
    SELECT key, value, sum(events) AS events FROM pairs WHERE value IS NOT NULL GROUP BY ALL
)
SELECT key, value, count(*) OVER (PARTITION BY key) AS distinct_values FROM counted
QUALIFY row_number() OVER (PARTITION BY key ORDER BY events DESC, value) <= $kept
ORDER BY key, events DESC, value"""


@dataclass(frozen=True)
class Vocabulary:
    """The stored events' names and property keys, each key's values, most frequent first."""

    event_names: tuple[str, ...]
    values: Mapping[str, tuple[str, ...]]  # property key → its values (JSON null left out)
    all_event_names: bool = True  # False when event_names was cut at MAX_EVENT_NAMES
    all_keys: bool = True  # False when the keys were cut at MAX_KEYS
    cut_keys: frozenset[str] = frozenset()  # keys whose values were cut at MAX_VALUES

    @property
    def empty(self) -> bool:
        """Whether no event is stored: then nothing can be checked."""
        return not self.event_names

    @property
    def keys(self) -> tuple[str, ...]:
        """Every property key, the most common first."""
        return tuple(self.values)


def property_keys(con: duckdb.DuckDBPyConnection, limit: int = MAX_KEYS) -> list[str]:
    """The property keys of the events stored on con, the most common first, at most limit."""
    return db.query(con, _PROPERTY_KEYS, [limit])["key"].tolist()


def store_vocabulary(con: duckdb.DuckDBPyConnection) -> Vocabulary:
    """The vocabulary of the events stored on con."""
    names = db.query(con, _EVENT_NAMES, [MAX_EVENT_NAMES + 1])["event_name"].tolist()
    keys = property_keys(con, MAX_KEYS + 1)
    kept = keys[:MAX_KEYS]
    values: dict[str, list[str]] = {key: [] for key in kept}
    cut: set[str] = set()
    if kept:
        # Each key quoted as a JSON string, so that "$insert_id" or "a.b" stay one key.
        paths = ["$." + json.dumps(key) for key in kept]
        params = {"keys": kept, "paths": paths, "kept": MAX_VALUES}
        rows = db.query(con, _PROPERTY_VALUES, params)
        for key, value, distinct in rows.itertuples(index=False):
            values[key].append(value)
            if distinct > MAX_VALUES:
                cut.add(key)
    return Vocabulary(
        event_names=tuple(names[:MAX_EVENT_NAMES]),
        values={k: tuple(v) for k, v in values.items()},
        all_event_names=len(names) <= MAX_EVENT_NAMES,
        all_keys=len(keys) <= MAX_KEYS,
        cut_keys=frozenset(cut),
    )


# A vocabulary as a frame, so each commit's snapshot carries it and pages never read the store:
# one row per event name, per key, and per (key, value), with the cut-short flags as rows too.
_FRAME_COLUMNS = ["what", "name", "value"]


def vocabulary_frame(vocabulary: Vocabulary) -> pd.DataFrame:
    """vocabulary as rows (what, name, value), read back by `vocabulary_from_frame`."""
    rows: list[tuple[str, str | None, str | None]] = [
        ("event", name, None) for name in vocabulary.event_names
    ]
    for key, values in vocabulary.values.items():
        rows += [("key", key, None), *(("value", key, value) for value in values)]
    rows += [("cut events", None, None)] if not vocabulary.all_event_names else []
    rows += [("cut keys", None, None)] if not vocabulary.all_keys else []
    rows += [("cut values", key, None) for key in sorted(vocabulary.cut_keys)]
    return pd.DataFrame(rows, columns=_FRAME_COLUMNS, dtype="object")


def vocabulary_from_frame(frame: pd.DataFrame) -> Vocabulary:
    """The vocabulary `vocabulary_frame` wrote as frame."""
    of = {what: rows for what, rows in frame.groupby("what", sort=False)}
    none = pd.DataFrame(columns=_FRAME_COLUMNS)
    values = of.get("value", none)
    return Vocabulary(
        event_names=tuple(of.get("event", none)["name"]),
        values={
            key: tuple(values.loc[values["name"] == key, "value"])
            for key in of.get("key", none)["name"]
        },
        all_event_names="cut events" not in of,
        all_keys="cut keys" not in of,
        cut_keys=frozenset(of.get("cut values", none)["name"]),
    )


def closest_first(name: str, known: Sequence[str], limit: int = NAMES_SHOWN) -> list[str]:
    """Up to limit of known, the same but for case first, then by likeness, then as given.

    Example:
        >>> closest_first("Pro", ["free", "team", "pro", "prototype"])
        ['pro', 'prototype', 'free', 'team']
    """
    folded = name.casefold()

    def distance(item: tuple[int, str]) -> tuple[bool, float, int]:
        """How far known name is from name: case-blind equality, then likeness, then order."""
        index, other = item
        likeness = difflib.SequenceMatcher(None, folded, other.casefold()).ratio()
        return other.casefold() != folded, -likeness, index

    return [other for _, other in sorted(enumerate(known), key=distance)[:limit]]


def _listed(known: Sequence[str], name: str) -> str:
    """known as a message lists them, closest to name first ("(none)" when there are none)."""
    return ", ".join(closest_first(name, known)) or "(none)"


def _property_key(node: exp.Expr) -> str | None:
    """The key node reads when it is properties['key'] (a JSON lookup once checked), else None."""
    if not (
        isinstance(node, exp.JSONExtractScalar)
        and isinstance(node.this, exp.Column)
        and node.this.name == PROPERTIES
    ):
        return None
    path = node.expression.expressions if isinstance(node.expression, exp.JSONPath) else []
    keys = [p for p in path if isinstance(p, exp.JSONPathKey)]
    return str(keys[0].this) if len(keys) == 1 else None


def _is_event_name(node: exp.Expr) -> bool:
    """Whether node is the event_name column."""
    return isinstance(node, exp.Column) and node.name == "event_name" and not node.table


def _comparisons(tree: exp.Expr) -> Iterator[tuple[exp.Expr, list[str]]]:
    """(what, the text literals it is compared with) for each =, <> and IN of tree."""
    for node in tree.find_all(exp.EQ, exp.NEQ, exp.In):
        if isinstance(node, exp.In):
            pairs = [(node.this, node.expressions)]
        else:
            pairs = [(node.this, [node.expression]), (node.expression, [node.this])]
        for side, others in pairs:
            texts = [o.this for o in others if isinstance(o, exp.Literal) and o.is_string]
            if texts:
                yield side, texts


def _unseen_in(tree: exp.Expr, role: str, vocabulary: Vocabulary) -> Iterator[str]:
    """What tree (a checked fragment of a metric's role) names that no stored event has."""
    keys = [k for k in map(_property_key, tree.walk()) if k is not None]
    if vocabulary.all_keys:
        for key in dict.fromkeys(k for k in keys if k not in vocabulary.values):
            yield (
                f"the {role} names property {key!r}, which no stored event has; known "
                f"properties: {_listed(vocabulary.keys, key)}"
            )
    for side, texts in _comparisons(tree):
        compared = _property_key(side)
        if (
            compared is not None
            and compared in vocabulary.values
            and compared not in vocabulary.cut_keys
        ):
            stored = vocabulary.values[compared]
            for text in dict.fromkeys(t for t in texts if t not in stored):
                yield (
                    f"no stored event has {compared} = {text!r}; stored values include: "
                    + _listed(stored, text)
                )
        elif _is_event_name(side) and vocabulary.all_event_names:
            for text in dict.fromkeys(t for t in texts if t not in vocabulary.event_names):
                yield (
                    f"no stored event is called {text!r}; stored event names include: "
                    + _listed(vocabulary.event_names, text)
                )


def unseen_names(
    metric: Metric, vocabulary: Vocabulary, catalog: MetricCatalog | None = None
) -> list[str]:
    """What metric's filter and column name that no stored event has: properties, values, events.

    Each says what is unseen and the known names, closest first. For a ratio or derived metric,
    what its parts name (from catalog; none without it). None for a KPI metric, for an empty
    store, and for a fragment that does not check (compiling it says why).
    """
    if vocabulary.empty:
        return []
    if metric.type != "simple":
        parts = [catalog.get(p) for p in metric.parts] if catalog is not None else []
        return [f"its part {p.name}: {u}" for p in parts for u in unseen_names(p, vocabulary)]
    if metric.source != "events":
        return []
    found: list[str] = []
    for role, text in (("filter", metric.filter), ("column", metric.column)):
        if not text:
            continue
        try:
            tree = checked_expression(text, "events", where=f"metric {metric.name}: {role}")
        except OkrlensError:
            continue
        found.extend(_unseen_in(tree, role, vocabulary))
    return found
