"""Defining metrics in the browser: what the store holds to pick from, a live preview, the save.

A draft is checked against the store as well as the file: a filter, column or dimension that
names a column, property, event or KPI the store does not hold is refused, naming it and its
close matches, never computed as a silent zero. The save runs the same checks as the preview
(including computing the series, so a metric that cannot be computed never reaches the file that
every page computes), then `pipelines.metrics.edit` writes it; it is refused unless the actor may
define metrics, and audited.

Why this module is long: it is the whole service of one form. The store's vocabulary, the checks
of a draft against it, the preview, the save and the form's fields all speak of the same event
names, properties and KPIs, and share the helpers that read a filter; split, each part would
reach into the others' private helpers.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, get_args

import duckdb
import pandas as pd
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from pipelines import audit, db
from pipelines.access import Action, Actor
from pipelines.errors import OkrlensError
from pipelines.metrics import edit
from pipelines.metrics.compile import event_aggregate
from pipelines.metrics.describe import in_words
from pipelines.metrics.series import metric_series
from pipelines.metrics.sources import DIMENSION_COLUMNS, PROPERTIES, SOURCE_COLUMNS
from pipelines.metrics.spec import Aggregation, Grain, Metric
from pipelines.metrics.sqltree import named, render, select, table
from pipelines.service.edits import allow
from pipelines.workspace import Workspace

AGGREGATIONS: tuple[str, ...] = get_args(Aggregation)
GRAINS: tuple[str, ...] = get_args(Grain)
# A preview shows about half a year of weeks: enough to see a trend, small enough to read.
PREVIEW_PERIODS = 26
# Event names offered to pick from, most frequent first: a list longer than this is not read
# by a person, and the names it leaves out are still accepted (checked in the store one by one).
MAX_EVENT_NAMES = 500
# Property keys and KPIs are a handful per export; the bound only guards against a pathological one.
MAX_KEYS = 500
_EVENT_COLUMNS = ("event_time", "user_id", "account_id", "event_name")

_EVENT_NAMES = (
    "SELECT event_name FROM events GROUP BY event_name ORDER BY count(*) DESC, event_name LIMIT ?"
)
# Every row of one ingest carries the same property keys (its export's extra columns).
_PROPERTY_KEYS = """
SELECT DISTINCT unnest(json_keys(properties)) AS key
FROM (SELECT any_value(properties) AS properties FROM events WHERE properties IS NOT NULL GROUP BY ingest_id)
ORDER BY key LIMIT ?"""
_KPIS = """
SELECT k.metric, coalesce(any_value(l.label), k.metric) AS label,
       coalesce(list(DISTINCT k.segment ORDER BY k.segment) FILTER (WHERE k.segment <> ''), [])
           AS segments
FROM kpis k LEFT JOIN kpi_labels l USING (metric)
GROUP BY k.metric ORDER BY k.metric LIMIT ?"""
_EVENT_NAMED = "SELECT count(*) FROM events WHERE event_name = ?"


@dataclass(frozen=True)
class MetricChoices:
    """What the store holds to define a metric from."""

    events: int  # events stored
    event_columns: tuple[str, ...]
    event_names: tuple[str, ...]  # most frequent first, at most MAX_EVENT_NAMES
    property_keys: tuple[str, ...]  # the stored events' properties (their exports' other columns)
    kpis: dict[str, str]  # stored KPI slug → its label
    segments: dict[str, tuple[str, ...]]  # KPI slug → its segments (none when not segmented)

    @property
    def value_columns(self) -> tuple[str, ...]:
        """What an events metric can aggregate: the id columns and every property."""
        return ("user_id", "account_id", "event_name", *map(property_column, self.property_keys))

    @property
    def event_dimensions(self) -> tuple[str, ...]:
        """What an events metric can be broken down by: the id columns and every property."""
        return (*DIMENSION_COLUMNS["events"], *self.property_keys)


def property_column(key: str) -> str:
    """How a filter or column reads event property key: properties['key'], quoted safely."""
    lookup = exp.Bracket(this=exp.column(PROPERTIES), expressions=[exp.Literal.string(key)])
    return lookup.sql(dialect="duckdb")


def event_filter(event_names: tuple[str, ...] | list[str], condition: str = "") -> str:
    """The filter keeping events of the named kinds and (when given) meeting condition.

    Example:
        >>> event_filter(["signed_up"], "properties['plan'] = 'trial'")
        "event_name = 'signed_up' AND (properties['plan'] = 'trial')"
    """
    names = [exp.Literal.string(n) for n in event_names]
    column = exp.column("event_name")
    kinds: exp.Expr | None = None
    if len(names) == 1:
        kinds = exp.EQ(this=column, expression=names[0])
    elif names:
        kinds = exp.In(this=column, expressions=names)
    if not condition.strip():
        return "" if kinds is None else kinds.sql(dialect="duckdb")
    if kinds is None:
        return condition.strip()
    parsed = _parsed(condition)
    # Unreadable text is kept as written, so the file's check quotes it in its refusal.
    rest = f"({condition.strip()})" if parsed is None else exp.paren(parsed).sql(dialect="duckdb")
    return f"{kinds.sql(dialect='duckdb')} AND {rest}"


def filter_parts(text: str | None) -> tuple[tuple[str, ...], str]:
    """(the event names, the rest) of a filter that event_filter could have written.

    Any other filter is all rest, as written.

    Example:
        >>> filter_parts("event_name IN ('a', 'b') AND (properties['plan'] = 'trial')")
        (('a', 'b'), "properties['plan'] = 'trial'")
    """
    tree = _parsed(text)
    if tree is None:
        return (), text or ""
    kinds, rest = (tree.left, tree.right) if isinstance(tree, exp.And) else (tree, None)
    values = [kinds.expression] if isinstance(kinds, exp.EQ) else kinds.expressions
    on_names = (
        isinstance(kinds, exp.EQ | exp.In)
        and isinstance(kinds.this, exp.Column)
        and kinds.this.name == "event_name"
        and not kinds.this.table
        and all(isinstance(v, exp.Literal) and v.is_string for v in values)
    )
    if not on_names:
        return (), str(text)
    remainder = "" if rest is None else rest.unnest().sql(dialect="duckdb")
    return tuple(v.this for v in values), remainder


def _choices(con: duckdb.DuckDBPyConnection) -> MetricChoices:
    """metric_choices read on con."""
    kpis = db.query(con, _KPIS, [MAX_KEYS])
    return MetricChoices(
        events=int(db.scalar(con, "SELECT count(*) FROM events")),
        event_columns=_EVENT_COLUMNS,
        event_names=tuple(db.query(con, _EVENT_NAMES, [MAX_EVENT_NAMES])["event_name"]),
        property_keys=tuple(db.query(con, _PROPERTY_KEYS, [MAX_KEYS])["key"]),
        kpis=dict(zip(kpis["metric"], kpis["label"], strict=True)),
        segments={
            k: tuple(map(str, s)) for k, s in zip(kpis["metric"], kpis["segments"], strict=True)
        },
    )


def metric_choices(workspace: Workspace) -> MetricChoices:
    """What the store holds to pick from: event columns, names and properties; KPIs, segments."""
    with workspace.reading() as con:
        return _choices(con)


def _unknown(
    role: str, what: str, name: str, known: list[str], fix: str, close: list[str] | None = None
) -> OkrlensError:
    """The refusal of a name the store does not hold, with its close matches."""
    close = close or difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    matches = f"; close matches: {', '.join(close)}" if close else ""
    return OkrlensError(
        f"the {role} names {what} {name!r}, which the store does not hold{matches}",
        where=role,
        fix=fix,
    )


def _parsed(text: object) -> exp.Expr | None:
    """The syntax tree of a fragment, or None (the file's check then says what is wrong)."""
    if not isinstance(text, str):
        return None
    try:
        return sqlglot.parse_one(text, read="duckdb")
    except SqlglotError:
        return None


def _compared(tree: exp.Expr, column: str) -> Iterator[str]:
    """The text values tree compares column with (=, <>, IN)."""
    for node in tree.find_all(exp.EQ, exp.NEQ, exp.In):
        sides = [node.this, *(node.expressions if isinstance(node, exp.In) else [node.expression])]
        if any(isinstance(s, exp.Column) and s.name == column for s in sides):
            yield from (s.this for s in sides if isinstance(s, exp.Literal) and s.is_string)


def _properties_read(tree: exp.Expr) -> Iterator[str]:
    """The property keys tree reads as properties['key']."""
    for node in tree.find_all(exp.Bracket):
        keys = node.expressions
        on_properties = isinstance(node.this, exp.Column) and node.this.name == PROPERTIES
        one_text = len(keys) == 1 and isinstance(keys[0], exp.Literal) and keys[0].is_string
        if on_properties and one_text:
            yield keys[0].this


def _check_columns(tree: exp.Expr, role: str, source: str, choices: MetricChoices) -> None:
    """OkrlensError for a column of tree that source does not have."""
    for column in tree.find_all(exp.Column):
        if column.name in SOURCE_COLUMNS[source] and not column.table:
            continue
        known = sorted(SOURCE_COLUMNS[source] - {PROPERTIES})
        close = None
        if source == "events":
            known += [property_column(k) for k in choices.property_keys]
            # An export's extra column is a property: plan is read as properties['plan'].
            if column.name in choices.property_keys:
                close = [property_column(column.name)]
        raise _unknown(
            role, "column", column.sql(), known, f"use one of: {', '.join(known)}", close
        )


def _check_event_names(
    con: duckdb.DuckDBPyConnection, fields: Mapping[str, Any], choices: MetricChoices
) -> None:
    """OkrlensError for an event name, property, column or dimension the stored events lack."""
    for role in ("filter", "column"):
        tree = _parsed(fields.get(role))
        if tree is None:
            continue
        _check_columns(tree, role, "events", choices)
        for key in _properties_read(tree):
            if key not in choices.property_keys:
                raise _unknown(
                    role,
                    "property",
                    key,
                    list(choices.property_keys),
                    fix="the stored events carry the properties "
                    + (", ".join(choices.property_keys) or "(none)"),
                )
        for name in _compared(tree, "event_name"):
            if name not in choices.event_names and not db.scalar(con, _EVENT_NAMED, [name]):
                raise _unknown(
                    role,
                    "event",
                    name,
                    list(choices.event_names),
                    fix="pick event names from those stored, or upload events that have it",
                )
    for dimension in fields.get("dimensions") or []:
        if dimension not in choices.event_dimensions:
            raise _unknown(
                "dimensions",
                "dimension",
                str(dimension),
                list(choices.event_dimensions),
                fix=f"break it down by one of: {', '.join(choices.event_dimensions)}",
            )


def _check_kpi_names(fields: Mapping[str, Any], choices: MetricChoices) -> None:
    """OkrlensError for a KPI, column or segment the stored KPI rows lack."""
    kpi = str(fields.get("kpi") or fields.get("name", ""))
    if kpi not in choices.kpis:
        raise _unknown(
            "kpi",
            "KPI",
            kpi,
            list(choices.kpis),
            fix="pick one of the stored KPIs, or upload its export first",
        )
    tree = _parsed(fields.get("filter"))
    if tree is None:
        return
    _check_columns(tree, "filter", "kpis", choices)
    segments = choices.segments.get(kpi, ())
    for segment in _compared(tree, "segment"):
        if segment not in segments:
            raise _unknown(
                "filter",
                "segment",
                segment,
                list(segments),
                fix=f"the KPI {kpi} has "
                + (f"the segments {', '.join(segments)}" if segments else "no segments"),
            )


def _store_warnings(
    con: duckdb.DuckDBPyConnection, fields: Mapping[str, Any], choices: MetricChoices
) -> list[str]:
    """What the store cannot check yet, as warnings; OkrlensError naming what it does not hold."""
    source = fields.get("source")
    if source == "events":
        if not choices.events:
            return ["No events are stored yet, so the names it uses could not be checked."]
        _check_event_names(con, fields, choices)
    elif source == "kpis":
        if not choices.kpis:
            return ["No KPI exports are stored yet, so its KPI could not be checked."]
        _check_kpi_names(fields, choices)
    return []


def _events_read(con: duckdb.DuckDBPyConnection, metric: Metric) -> tuple[int, bool]:
    """(how many stored events metric's filter keeps, whether its column is a number in any)."""
    counted = metric.model_copy(update={"aggregation": "count", "column": None})
    # max over the column as a number is NULL exactly when no kept event holds a number in it.
    largest = metric.model_copy(update={"aggregation": "max"})
    aggregates = [named(event_aggregate(counted), "matched")]
    if metric.column and metric.aggregation not in ("count", "count_distinct"):
        aggregates.append(named(event_aggregate(largest), "largest"))
    row = db.query(con, render(select(aggregates, table("events")))).iloc[0]
    return int(row["matched"]), "largest" not in row or bool(pd.notna(row["largest"]))


@dataclass(frozen=True)
class MetricPreview:
    """A draft metric as it would be saved: its series, its definition in words, what to mind."""

    metric: Metric
    words: str
    series: pd.DataFrame  # metric, period_start, period_end, value, complete: the last periods
    warnings: tuple[str, ...]

    @property
    def latest(self) -> tuple[pd.Timestamp, float] | None:
        """(start, value) of the last complete period with a value, or None."""
        done = self.series[self.series["complete"] & self.series["value"].notna()]
        if done.empty:
            return None
        return pd.Timestamp(done["period_start"].iloc[-1]), float(done["value"].iloc[-1])


def _checked_draft(
    workspace: Workspace, fields: edit.Fields, replacing: str | None
) -> MetricPreview:
    """The preview of a draft; OkrlensError when it cannot be saved as it is."""
    with workspace.reading() as con:
        choices = _choices(con)
        warnings = _store_warnings(con, fields, choices)
        catalog = edit.draft_catalog(workspace, fields, replacing)
        metric = catalog.get(str(fields["name"]))
        try:
            series = metric_series(con, catalog, [metric.name])
            matched, numeric = (
                _events_read(con, metric) if metric.source == "events" else (None, True)
            )
        except duckdb.Error as exc:
            raise OkrlensError(
                f"the store cannot compute metric {metric.name}: {str(exc).splitlines()[0]}",
                fix="compare like with like: properties are text, so compare them with quoted "
                "text or cast them, e.g. CAST(properties['seats'] AS INTEGER) > 5",
            ) from None
    if metric.filter and matched == 0 and choices.events:
        warnings.append("This filter matches no events.")
    elif metric.filter and metric.source == "kpis" and series.empty and choices.kpis:
        warnings.append("This filter matches none of the KPI's rows.")
    elif not numeric or (not series.empty and series["value"].isna().all()):
        warnings.append(
            f"No period has a value: {metric.column} holds no numbers to {metric.aggregation}."
        )
    return MetricPreview(
        metric=metric,
        words=in_words(metric, catalog),
        series=series.tail(PREVIEW_PERIODS).reset_index(drop=True),
        warnings=tuple(warnings),
    )


def preview(
    workspace: Workspace, draft: Mapping[str, Any] | Metric, *, replacing: str | None = None
) -> MetricPreview:
    """A draft metric's last periods, its definition in words and warnings, checked like a save.

    replacing names the metric the draft would replace (None: a new metric). OkrlensError when
    the draft is not valid as metrics.yaml would read it, or names what the store does not hold.
    """
    return _checked_draft(workspace, edit.metric_fields(draft), replacing)


def save_metric(
    workspace: Workspace,
    actor: Actor,
    draft: Mapping[str, Any] | Metric,
    *,
    replacing: str | None = None,
) -> Metric:
    """Add the draft metric (replacing None: its name must be new) or replace one, audited.

    Checked exactly like the preview. Renaming a metric that key results or other metrics use
    is refused, naming them (okrs.yaml is another file: one save cannot rename in both).
    """
    # Who may is asked first: a refused visitor learns nothing about what the draft lacks.
    asked = draft.name if isinstance(draft, Metric) else str(draft.get("name", ""))
    allow(workspace, actor, Action.DEFINE_METRICS, asked)
    fields = edit.metric_fields(draft)
    name = str(fields.get("name", ""))
    _checked_draft(workspace, fields, replacing)
    action = "define metric" if replacing is None else "edit metric"
    with audit.recording_edit(workspace.home, actor, action, name, [workspace.metrics_path]):
        catalog = edit.save_metric(workspace, fields, replacing)
    return catalog.get(name)


SOURCES = ("events", "kpis", "ratio", "formula")


@dataclass(frozen=True)
class MetricForm:
    """What the browser form of one metric holds (a new one: a weekly count of events)."""

    name: str = ""
    label: str = ""
    description: str = ""
    kind: str = "leading"
    source: str = "events"  # one of SOURCES: ratio and formula combine other metrics
    aggregation: str = "count"
    column: str = ""
    kpi: str = ""
    event_names: tuple[str, ...] = ()
    filter: str = ""
    dimensions: tuple[str, ...] = ()
    numerator: str = ""
    denominator: str = ""
    expr: str = ""
    grain: str = "week"
    unit: str = ""
    direction: str = "higher"

    def draft(self) -> dict[str, Any]:
        """The metric this form defines, as a draft for preview and save_metric."""
        common = {
            "name": self.name.strip(),
            "label": self.label.strip(),
            "description": self.description.strip(),
            "kind": self.kind,
            "unit": self.unit.strip(),
            "direction": self.direction,
        }
        if self.source == "ratio":
            return common | {
                "ratio": {"numerator": self.numerator, "denominator": self.denominator}
            }
        if self.source == "formula":
            return common | {"expr": self.expr.strip()}
        events = self.source == "events"
        return common | {
            "source": self.source,
            "aggregation": self.aggregation,
            "column": self.column if events and self.aggregation != "count" else "",
            "kpi": "" if events else self.kpi,
            "filter": event_filter(self.event_names, self.filter) if events else self.filter,
            "dimensions": list(self.dimensions),
            "grain": self.grain,
        }


def metric_form(metric: Metric | None) -> MetricForm:
    """The form of metric as metrics.yaml holds it (None: a new metric's)."""
    if metric is None:
        return MetricForm()
    source = metric.source or ("ratio" if metric.ratio is not None else "formula")
    names, rest = filter_parts(metric.filter) if source == "events" else ((), metric.filter)
    return MetricForm(
        name=metric.name,
        label=metric.label,
        description=metric.description,
        kind=metric.kind,
        source=source,
        aggregation=metric.aggregation or "count",
        column=metric.column or "",
        kpi=metric.kpi_name if source == "kpis" else "",
        event_names=names,
        filter=rest or "",
        dimensions=tuple(metric.dimensions),
        numerator=metric.ratio.numerator if metric.ratio else "",
        denominator=metric.ratio.denominator if metric.ratio else "",
        expr=metric.expr or "",
        grain=metric.grain,
        unit=metric.unit,
        direction=metric.direction,
    )
