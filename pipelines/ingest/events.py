"""Ingesting product-event exports: event_time, user_id, event_name[, account_id], properties.

One pass of DuckDB's reader types and validates the file (timestamps are cast by the reader,
so a bad one is rejected with its line); only when required values are missing does a second,
numbered pass find their lines. Other columns are kept as JSON properties, and a column holding
each event's properties as a JSON object (Amplitude's `event_properties`) adds its keys. Epoch
times (Mixpanel's `time`) are read as seconds or milliseconds when the digits settle it, or as
declared. An export without an event column (Stripe's payments) names its event by option.

An event is stored once, however many exports hold it: its identity is its second, user and
name, with the insert id its tool gave it (_INSERT_NEW says how rows are matched).

JSON-lines exports (Mixpanel, Amplitude, PostHog, Segment: one object per line) are read by
DuckDB too, line by line so that every line is either stored or rejected with its number.

Why this module is long: the CSV and JSON-lines readers fill one `typed` table that a single
envelope validates and stores, and the epoch-time and identity rules serve both; split apart,
each half would have to re-state the other's columns and reasons.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import db
from pipelines.coverage import Coverage, file_coverage
from pipelines.errors import OkrlensError
from pipelines.ingest import ledger
from pipelines.ingest.columns import (
    EVENT_REQUIRED,
    EVENT_ROLES,
    INSERT_ID_ROLE,
    JSON_PROPERTY_COLUMNS,
    require,
    resolve_roles,
)
from pipelines.ingest.dialect import Dialect, sniff
from pipelines.ingest.facts import file_facts
from pipelines.ingest.staging import (
    file_sha256,
    first_rows,
    first_values,
    merged_rejects,
    physical_lines,
    stage,
)
from pipelines.ingest.values import AHEAD, EARLIEST, ValueProblem, decimal_mark, is_null
from pipelines.limits import max_file_bytes

q = db.quote_ident
Reader = Callable[[], pd.DataFrame]  # fills the temp table `typed`; returns the rejects
TIME_REASON = (
    "not a date-time (expected e.g. 2026-05-18 09:30:00, 2026-05-18T09:30:00Z, or epoch "
    "seconds such as 1747560600)"
)
# An event's identity: its second, user and name, plus the tool's insert id where it has one
# (compared in _INSERT_NEW). Two tools exporting one event agree on these, rarely on the rest:
# sub-second digits, property columns and account ids differ by tool.
IDENTITY = "hash(date_trunc('second', event_time), user_id, event_name)"
UNIT_NAMES = {"s": "seconds", "ms": "milliseconds"}
# Epoch numbers of 10 digits are seconds, of 13 milliseconds: both span 2001-09-09 to 2286.
_EPOCH_DIGITS = {10: "s", 13: "ms"}
_EPOCH = re.compile(r"^\d+(?:\.\d+)?$")
# Clamped, so a wrong unit reaches the plausibility check instead of DuckDB's range error
# (CASE, not least/greatest, which would turn a missing time into the clamp's bound).
_EPOCH_TIME = (
    "to_timestamp(CASE WHEN {v} < -1e10 THEN -1e10 WHEN {v} > 1e11 THEN 1e11 ELSE {v} END)"
)
_TIME_OF = {
    None: "timezone('UTC', {v})",
    "s": "timezone('UTC', " + _EPOCH_TIME.format(v="{v}") + ")",
    "ms": "timezone('UTC', " + _EPOCH_TIME.format(v="({v} / 1000)") + ")",
}


@dataclass(frozen=True)
class EventOptions:
    """What the analyst can state about an events file when it cannot tell for itself."""

    mapping: Mapping[str, str] | None = None  # role -> column label (or JSON key path)
    time_unit: str | None = None  # s or ms
    event_name: str | None = None  # every row's event, in a file without an event column
    sheet: str | None = None  # which sheet of an Excel workbook, by name or 1-based number
    through: dt.date | None = None  # the last day the export covers, when its rows end sooner


def time_unit(name: str, label: str, values: list[str], declared: str | None) -> str | None:
    """The epoch unit of the time column ('s' or 'ms'), or None when it holds written date-times.

    Example:
        >>> time_unit("e.csv", "time", ["1747558800", "1747558861"], None)
        's'
    """
    if declared is not None:
        if declared not in UNIT_NAMES:
            raise OkrlensError(
                f"unknown time unit {declared!r}",
                where="--time-unit",
                fix="use --time-unit s (epoch seconds) or --time-unit ms (epoch milliseconds)",
            )
        return declared
    numbers = [v.strip() for v in values if _EPOCH.match(v.strip())]
    # Mostly numbers is an epoch column with a few bad cells, rejected by line as such.
    if len(numbers) <= len(values) / 2:
        return None
    units = {_EPOCH_DIGITS.get(len(v.split(".")[0])) for v in numbers}
    if len(units) == 1 and None not in units:
        return units.pop()
    raise OkrlensError(
        f"the {label} column of {name} holds numbers such as {numbers[0]}, which okrlens "
        "cannot tell apart as epoch seconds or milliseconds",
        where=f"{name}, column {label}",
        fix="say which with --time-unit s or --time-unit ms",
    )


def _typed_select(
    roles: Mapping[str, str],
    properties: list[str],
    json_columns: list[str],
    unit: str | None,
    marks: Mapping[str, str],
) -> str:
    """The projection typing the reader's columns: UTC times, trimmed ids, JSON properties.

    Property names are bound as $k0, $k1, ...; JSON because DuckDB builds it several times
    faster than a MAP, and metric filters read it as properties['name']. JSON property
    columns add their objects' keys (nested objects stay JSON, as JSON-lines exports keep
    them); where a plain column has the same name, its cell wins unless blank (the key's path
    is bound as $p0, $p1, ...). properties_ok is false when such a cell holds no JSON object.
    Without an event column every row's event is $event_name.
    """

    def cell(role: str) -> str:
        return f"nullif(trim({q(roles[role])}), '')" if role in roles else "NULL"

    values = [_written_number(q(p), marks.get(p)) for p in properties]
    if json_columns:
        values = [f"coalesce({v}, _json ->> $p{i})" for i, v in enumerate(values)]
    pairs = ", ".join(f"$k{i}, {v}" for i, v in enumerate(values))
    props = f"json_object({pairs})" if properties else "CAST(NULL AS JSON)"
    source, readable = "{source}", "true"
    if json_columns:
        readable = " AND ".join(_json_object_cell(q(c)) for c in json_columns)
        objects = ", ".join(
            f"CAST(coalesce(nullif(trim({q(c)}), ''), $no_keys) AS JSON)" for c in json_columns
        )
        # Casting text that is no JSON fails, so only readable rows are cast.
        parsed = f"CASE WHEN {readable} THEN json_merge_patch({objects}, $no_keys) END"
        source = f"(SELECT *, {parsed} AS _json FROM {{source}})"  # noqa: S608
        keys = "json_merge_patch(_json, CAST($plain_names AS JSON))"
        props, readable = f"json_merge_patch(json_object({pairs}), {keys})", "_json IS NOT NULL"
    time = _TIME_OF[unit].format(v=q(roles["event_time"]))
    event = cell("event_name") if "event_name" in roles else "$event_name"
    columns = f"""
        CAST({time} AS TIMESTAMP) AS event_time,
        {cell("user_id")} AS user_id,
        {cell("account_id")} AS account_id,
        {event} AS event_name,
        {props} AS properties,
        {cell("insert_id")} AS insert_id,
        {readable} AS properties_ok"""
    # Identifiers are quoted; property names are bound parameters; staged names never start
    # with "_" (dialect.slug), so _json names no column of the file.
    return f"SELECT *, {IDENTITY} AS row_hash FROM (SELECT {columns} FROM {source})"  # noqa: S608


def _json_object_cell(cell: str) -> str:
    """SQL true when cell is blank or holds a JSON object (json_type fails on other text)."""
    return (
        f"CASE WHEN {cell} IS NULL OR trim({cell}) = '' THEN true "
        f"WHEN json_valid({cell}) THEN json_type({cell}) = 'OBJECT' ELSE false END"
    )


# Decimal mark -> a number written with thousands separators ("1,234.56"), which a cast to
# DOUBLE (as sum metrics make) reads as no number; and a number a cast reads as it is.
_GROUPED = {".": r"-?\d{1,3}(,\d{3})*(\.\d+)?", ",": r"-?\d{1,3}(\.\d{3})*(,\d+)?"}
# Bound as parameters: the select is a format string, whose braces the patterns would break.
_GROUPED_PARAM = {".": "grouped_point", ",": "grouped_comma"}
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def number_mark(cells: list[str], delimiter: str) -> str | None:
    """The decimal mark of a column of numbers (cells from its top), None when it holds text.

    The whole column is read with it, since a "1,234.56" may first appear past the top rows.

    Example:
        >>> number_mark(["1,234.56", "12.00"], ","), number_mark(["12,5", "7"], ";")
        ('.', ',')
        >>> number_mark(["web", "12"], ",")
    """
    written = [c.strip() for c in cells if not is_null(c)]
    try:
        mark = decimal_mark(written, delimiter)
    except ValueProblem:
        return None
    grouped = re.compile(_GROUPED[mark])
    numbers = all(grouped.fullmatch(c) or _PLAIN_NUMBER.fullmatch(c) for c in written)
    return mark if written and numbers else None


def _written_number(cell: str, mark: str | None) -> str:
    """SQL for cell as stored: a number with separators as a plain one ("1234.56"), else as written."""
    if mark is None:
        return cell
    if mark == ".":
        plain = f"replace(trim({cell}), ',', '')"
    else:
        plain = f"replace(replace(trim({cell}), '.', ''), ',', '.')"
    pattern = _GROUPED_PARAM[mark]
    return f"CASE WHEN regexp_full_match(trim({cell}), ${pattern}) THEN {plain} ELSE {cell} END"


_MISSING = """
SELECT rn, role AS column_name, NULL AS value, 'missing ' || role AS reason
FROM (SELECT rn, unnest([{roles}]) AS role, unnest([{cells}]) AS raw FROM staged)
WHERE raw IS NULL OR trim(raw) = ''
"""
_NOT_AN_OBJECT = """
SELECT rn, ${name} AS column_name, left({cell}, 200) AS value, 'not a JSON object' AS reason
FROM staged WHERE NOT ({readable})
"""
_INVALID = "event_time IS NULL OR user_id IS NULL OR event_name IS NULL OR NOT properties_ok"
_PREVIEW = "SELECT event_time, user_id, account_id, event_name, properties FROM typed LIMIT ?"

# Rows of the file that are events the store holds, by identity (row_hash) and insert id:
# - equal insert ids are one event, in the store or repeated in the file (a resent event);
# - different insert ids are different events (a double click within one second);
# - a row without an insert id is any one stored event of its identity whose id no row of the
#   file carries, or that has none. Each stored event stands for one row of the file at most,
#   so rows without an id that repeat within one file (the tool's own record of two clicks)
#   are all kept, and a superset export adds exactly the events beyond the stored ones.
# Rows with a new insert id take the stored events without one first (nothing else can be
# them); rows without an id take what is left. Only identities the store holds are ranked,
# so a file of new events costs one pass.
_INSERT_NEW = """
INSERT INTO events (
    event_time, user_id, account_id, event_name, properties, row_hash, ingest_id, insert_id
)
WITH held AS (
    SELECT row_hash, insert_id FROM events
    -- Only the file's own seconds can hold its events: appends cost what the file costs.
    WHERE event_time >= (SELECT date_trunc('second', min(event_time)) FROM typed)
      AND event_time < (SELECT date_trunc('second', max(event_time)) + INTERVAL 1 SECOND FROM typed)
      AND row_hash IN (SELECT row_hash FROM typed)
), first_sent AS (
    SELECT * FROM typed WHERE insert_id IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY row_hash, insert_id ORDER BY event_time) = 1
), new_ids AS (
    SELECT f.* FROM first_sent f ANTI JOIN held h USING (row_hash, insert_id)
), tally AS (
    -- Per identity the store holds: its held events without an id, those with an id that no
    -- row of the file carries, the file's new ids and its rows without an id.
    SELECT row_hash, count(*) FILTER (WHERE side = 1) AS without_id,
           count(*) FILTER (WHERE side = 2) AS other_ids,
           count(*) FILTER (WHERE side = 3) AS new_ids,
           count(*) FILTER (WHERE side = 4) AS arriving
    FROM (
        SELECT row_hash, 1 AS side FROM held WHERE insert_id IS NULL
        UNION ALL
        SELECT h.row_hash, 2 FROM held h ANTI JOIN first_sent f USING (row_hash, insert_id)
        WHERE h.insert_id IS NOT NULL
        UNION ALL
        SELECT row_hash, 3 FROM new_ids
        UNION ALL
        SELECT row_hash, 4 FROM typed
        WHERE insert_id IS NULL AND row_hash IN (SELECT row_hash FROM held)
    )
    GROUP BY row_hash
    HAVING without_id + other_ids > 0
), taken AS (
    -- How many rows without an id an identity's held events stand for, where that is some.
    SELECT row_hash, without_id - least(new_ids, without_id) + other_ids AS skipped, arriving
    FROM tally WHERE arriving > 0
), kept AS (
    SELECT n.* FROM new_ids n LEFT JOIN tally c USING (row_hash)
    QUALIFY row_number() OVER (PARTITION BY n.row_hash ORDER BY n.insert_id)
        > coalesce(any_value(c.without_id) OVER (PARTITION BY n.row_hash), 0)
    UNION ALL
    SELECT t.* FROM typed t ANTI JOIN taken USING (row_hash) WHERE t.insert_id IS NULL
    UNION ALL
    -- Ranked only where some rows of an identity are held and some are not.
    SELECT t.* FROM typed t JOIN taken k USING (row_hash)
    WHERE t.insert_id IS NULL AND k.skipped < k.arriving
    QUALIFY row_number() OVER (PARTITION BY t.row_hash ORDER BY t.event_time, t.account_id)
        > any_value(k.skipped) OVER (PARTITION BY t.row_hash)
)
SELECT event_time, user_id, account_id, event_name, properties, row_hash, ?, insert_id FROM kept
"""


_IMPLAUSIBLE = """
SELECT count(*), min(event_time), max(event_time) FROM typed
WHERE event_time < CAST($earliest AS TIMESTAMP) OR event_time > CAST($latest AS TIMESTAMP)
"""


def _refuse_implausible_times(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """OkrlensError when events lie outside the dates okrlens reads (see values.plausible)."""
    latest = dt.datetime.now(dt.UTC).date() + AHEAD
    found = con.execute(_IMPLAUSIBLE, {"earliest": EARLIEST, "latest": latest}).fetchone()
    if found and found[0]:
        raise OkrlensError(
            f"{name} has {found[0]:,} event(s) dated outside {EARLIEST.year}–{latest} (from "
            f"{found[1]} to {found[2]}), which would stretch every weekly series across centuries",
            where=name,
            fix="check the event_time column: epoch milliseconds read as seconds, or a "
            "placeholder date such as 9999-12-31, are the usual causes",
        )


def _invalid_cells(
    con: duckdb.DuckDBPyConnection,
    dialect: Dialect,
    roles: Mapping[str, str],
    json_columns: list[str],
) -> pd.DataFrame:
    """Rejects (line, column_name, value, reason): missing required values, JSON that is no object."""
    staged = stage(con, dialect)
    required = [role for role in EVENT_REQUIRED if role in roles]
    checks = [
        _MISSING.format(
            roles=", ".join(f"'{role}'" for role in required),
            cells=", ".join(q(roles[role]) for role in required),
        )
    ]
    checks += [
        _NOT_AN_OBJECT.format(name=f"j{i}", cell=q(c), readable=_json_object_cell(q(c)))
        for i, c in enumerate(json_columns)
    ]
    params = {f"j{i}": c for i, c in enumerate(json_columns)}
    found = db.query(con, " UNION ALL ".join(checks) + " ORDER BY rn", params)
    return staged.located(found)


def _coverage(
    con: duckdb.DuckDBPyConnection, name: str, through: dt.date | None
) -> Coverage | None:
    """The days the typed events cover: their first to last day, or to the day stated."""
    days = con.execute(
        "SELECT CAST(min(event_time) AS DATE), CAST(max(event_time) AS DATE) FROM typed"
    ).fetchone()
    if days is None or days[0] is None:
        return None
    today = dt.datetime.now(dt.UTC).date()
    return file_coverage(
        (days[0], days[1]), declared=None, through=through, ingested=today, where=name
    )


def ingest_events(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    options: EventOptions | None = None,
    allow_rejects: bool = False,
    user: str | None = None,
    file_name: str | None = None,
    dry_run: bool = False,
    on_commit: ledger.OnCommit | None = None,
    max_bytes: int | None = None,
    sha256: str | None = None,
) -> ledger.IngestReport:
    """Ingest one product-event CSV or JSON-lines export, all of it in one transaction, or nothing.

    options.mapping names the column (or JSON key path, e.g. properties.$user_id) of each role
    (event_time, user_id, event_name, account_id, insert_id); options may also state the time
    column's unit, one event name for a file without an event column, the workbook sheet and
    the last day the file covers. dry_run does all of it, reports what would happen (with a
    preview of the stored rows and the rejects, without raising), then rolls back.

    Events already stored by an earlier ingest are skipped, by their identity: second, user and
    event name, and the tool's insert id where either row has one (see _INSERT_NEW). So
    overlapping exports, from one tool or two, never double data; the same file twice adds zero.
    Raises IngestRejected when lines are invalid, unless allow_rejects stores the valid rows and
    records the rejected ones in the ledger.
    """
    name = file_name or path.name
    said = options or EventOptions()
    roles_mapping = dict(said.mapping or {})
    _check_event_name(said.event_name, roles_mapping)
    if said.event_name is not None:
        said = replace(said, event_name=said.event_name.strip())
    report = ledger.IngestReport(kind="events", file_name=name, sha256=sha256 or "", shape="events")
    limit = max_bytes or max_file_bytes()
    if is_json_lines(path):
        read = _json_lines_reader(con, path, name, roles_mapping, said, limit, report)
    else:
        read = _csv_reader(con, path, name, roles_mapping, said, limit, report)
    report.sha256 = report.sha256 or file_sha256(path)

    def load() -> None:
        rejects = read()
        _refuse_implausible_times(con, name)
        report.rejects = rejects
        report.rows_rejected = int(report.rejects["line"].nunique())
        report.rows_read = int(db.scalar(con, "SELECT count(*) FROM typed"))
        if report.rows_rejected and not allow_rejects and not dry_run:
            raise ledger.IngestRejected(report)
        report.coverage = _coverage(con, name, said.through)
        report.preview = db.query(con, _PREVIEW, [ledger.PREVIEW_ROWS])
        report.ingest_id = ledger.new_ingest_id(con)
        inserted = con.execute(_INSERT_NEW, [report.ingest_id]).fetchone()
        report.rows_added = int(inserted[0]) if inserted else 0
        report.rows_duplicate = report.rows_read - report.rows_added
        con.execute("DROP TABLE typed")

    return ledger.ingest_once(con, report, load, user=user, dry_run=dry_run, on_commit=on_commit)


def _check_event_name(one_name: str | None, mapping: Mapping[str, str]) -> None:
    """Nothing; OkrlensError when the event name given for every row is blank or contradicted."""
    if one_name is None:
        return
    if not one_name.strip():
        raise OkrlensError(
            "the event name given for every row is blank",
            where="--event-name",
            fix="name what each row is, e.g. --event-name payment",
        )
    if "event_name" in mapping:
        raise OkrlensError(
            f"both --event-name {one_name} and --map event_name={mapping['event_name']} say "
            "what the events are called",
            where="--event-name",
            fix="keep one: --event-name for one name on every row, --map for a column",
        )


def _csv_reader(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    name: str,
    mapping: Mapping[str, str],
    declared: EventOptions,
    max_bytes: int,
    report: ledger.IngestReport,
) -> Reader:
    """A reader filling `typed` from a CSV export, once the file's dialect and roles are known."""
    dialect = sniff(path, sheet=declared.sheet)
    facts = file_facts(dialect, max_bytes=max_bytes)
    known = EVENT_ROLES | INSERT_ID_ROLE
    if declared.event_name is not None:  # an event column is then a property like any other
        known = {role: names for role, names in known.items() if role != "event_name"}
    roles = resolve_roles(dialect, known, mapping)
    require(
        dialect, roles, tuple(r for r in EVENT_REQUIRED if r in known), "a product-event export"
    )
    others = [c for c in dialect.columns if c not in roles.values()]
    json_columns = [c for c in others if c in JSON_PROPERTY_COLUMNS]
    properties = [c for c in others if c not in json_columns]
    labels = dict(zip(dialect.columns, dialect.header, strict=True))
    time_label = labels[roles["event_time"]]
    first = first_values(con, dialect, roles["event_time"])
    unit = time_unit(name, time_label, first, declared.time_unit)
    head = first_rows(con, dialect)
    marks = {
        p: mark
        for p in properties
        if (mark := number_mark(head[p].dropna().tolist(), dialect.delimiter)) is not None
    }
    report.dialect = dialect.describe()
    report.columns = {labels[c]: role for role, c in roles.items()}
    if unit:
        report.columns[time_label] = f"event_time (epoch {UNIT_NAMES[unit]})"
    if declared.event_name is not None:
        report.columns["--event-name"] = f"event_name {declared.event_name}"
    report.columns |= {
        labels[p]: f"property {p}"
        + (" (numbers, thousands separators dropped)" if p in marks else "")
        for p in properties
    }
    report.columns |= {labels[c]: "properties: its JSON object's keys" for c in json_columns}
    params: dict[str, object] = {f"k{i}": p for i, p in enumerate(properties)}
    if json_columns:
        params |= {"plain_names": json.dumps(dict.fromkeys(properties)), "no_keys": "{}"}
        params |= {f"p{i}": _key_path((p,)) for i, p in enumerate(properties)}
    params |= {_GROUPED_PARAM[mark]: _GROUPED[mark] for mark in set(marks.values())}
    if declared.event_name is not None:
        params["event_name"] = declared.event_name

    def read() -> pd.DataFrame:
        """Stage the file as `typed`; its rejects, in physical lines."""
        staged = stage(
            con,
            dialect,
            types={roles["event_time"]: "DOUBLE" if unit else "TIMESTAMPTZ"},
            select=_typed_select(roles, properties, json_columns, unit, marks),
            params=params,
            cast_reason=f"not epoch {UNIT_NAMES[unit]}" if unit else TIME_REASON,
            facts=facts,
        )
        con.execute("ALTER TABLE staged RENAME TO typed")
        rejects = [staged.rejects]
        if db.scalar(con, f"SELECT count(*) FROM typed WHERE {_INVALID}"):  # noqa: S608
            rejects.append(_invalid_cells(con, dialect, roles, json_columns))
            con.execute(f"DELETE FROM typed WHERE {_INVALID}")  # noqa: S608
        return physical_lines(dialect, merged_rejects(rejects))

    return read


# Role -> JSON key paths that Mixpanel, PostHog, Segment and Amplitude exports use, first found.
JSON_ROLES: dict[str, tuple[tuple[str, ...], ...]] = {
    "event_time": (("properties", "time"), ("time",), ("timestamp",), ("event_time",)),
    "user_id": (
        ("properties", "distinct_id"),
        ("distinct_id",),
        ("userId",),
        ("user_id",),
        ("anonymousId",),
    ),
    "event_name": (("event",), ("event_type",), ("event_name",)),
    "account_id": (("account_id",), ("properties", "account_id"), ("groupId",)),
    # Ids the sender gives an event, which tools fed by it keep; never an id a tool's server
    # assigns (PostHog's or Amplitude's uuid), which would tell one event in two tools apart.
    "insert_id": (("properties", "$insert_id"), ("$insert_id",), ("insert_id",), ("messageId",)),
}
JSON_PROPERTIES = JSON_PROPERTY_COLUMNS

_JSON_LINES = """
CREATE OR REPLACE TEMP TABLE json_lines AS
SELECT line, text,
       CASE WHEN json_valid(text) AND json_type(text) = 'OBJECT' THEN CAST(text AS JSON) END AS j
FROM (
    SELECT generate_subscripts(parts, 1) AS line, rtrim(unnest(parts), chr(13)) AS text
    FROM (SELECT string_split(ltrim(content, chr(65279)), chr(10)) AS parts FROM read_text($path))
)
WHERE trim(text) <> ''
"""
_EPOCH_SQL = r"regexp_full_match(time_raw, '\d+(\.\d+)?')"
_JSON_READ = """
CREATE OR REPLACE TEMP TABLE json_read AS
SELECT *, CASE
    WHEN j IS NULL THEN 'not a JSON object'
    WHEN time_raw IS NULL THEN 'missing event_time'
    WHEN event_time IS NULL THEN $time_reason
    WHEN user_id IS NULL THEN 'missing user_id'
    WHEN event_name IS NULL THEN 'missing event_name'
END AS reason
FROM (
    SELECT *, CAST(timezone('UTC', CASE
        WHEN {epoch} THEN {epoch_time}
        ELSE try_cast(time_raw AS TIMESTAMPTZ)
    END) AS TIMESTAMP) AS event_time
    FROM (
        SELECT line, text, j, {time_raw} AS time_raw, {user_id} AS user_id,
               {account_id} AS account_id, {event_name} AS event_name, {insert_id} AS insert_id,
               CASE WHEN json_type(props) = 'OBJECT' THEN json_merge_patch(props, $used) END
                   AS properties
        FROM (SELECT *, coalesce({props}) AS props FROM json_lines)
    )
)
"""
_JSON_TYPED = f"""
CREATE OR REPLACE TEMP TABLE typed AS
SELECT event_time, user_id, account_id, event_name, properties, insert_id,
       {IDENTITY} AS row_hash
FROM json_read WHERE reason IS NULL
"""  # noqa: S608 (IDENTITY is okrlens's own SQL)
_JSON_REJECTS = """
SELECT line, CASE WHEN j IS NULL THEN NULL WHEN reason = $time_reason THEN 'event_time'
                ELSE regexp_extract(reason, '(event_time|user_id|event_name)') END AS column_name,
       CASE WHEN j IS NULL THEN left(text, 200) WHEN reason = $time_reason THEN time_raw END AS value,
       reason
FROM json_read WHERE reason IS NOT NULL ORDER BY line
"""


def is_json_lines(path: Path) -> bool:
    """True when the file's first character (after a BOM and blanks) opens a JSON object."""
    if not path.is_file():
        return False
    with path.open("rb") as raw:
        head = raw.read(4096)
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as stream:
                head = stream.read(4096)
        except (OSError, EOFError):
            return False  # the CSV reader's checks name a broken gzip file
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")


def _key_path(keys: tuple[str, ...]) -> str:
    """The JSONPath of nested keys, each quoted so that `$insert_id` or `a.b` stay one key."""
    return "$" + "".join("." + json.dumps(key) for key in keys)


def _json_lines_reader(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    name: str,
    mapping: Mapping[str, str],
    declared: EventOptions,
    max_bytes: int,
    report: ledger.IngestReport,
) -> Reader:
    """A reader filling `typed` from a JSON-lines export: nested keys found by tool or by --map."""
    for role in mapping:
        if role not in JSON_ROLES:
            raise OkrlensError(
                f"unknown column role {role!r} in the mapping",
                where=f"--map {role}={mapping[role]}",
                fix=f"use one of: {', '.join(JSON_ROLES)}",
            )
    with path.open("rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
    if compressed or path.stat().st_size > max_bytes:
        raise OkrlensError(
            f"{name} is a JSON-lines export that is compressed or larger than "
            f"{max_bytes / 1_000_000:,.0f} MB",
            where=name,
            fix="decompress it, or export a shorter date range and ingest each part",
        )
    unit = time_unit(name, "time", [], declared.time_unit)  # only a declared unit; else per value
    paths = {
        role: ((tuple(mapping[role].split(".")),) if role in mapping else candidates)
        for role, candidates in JSON_ROLES.items()
        if not (role == "event_name" and declared.event_name is not None)
    }
    params: dict[str, object] = {"path": str(path), "time_reason": TIME_REASON}
    found: dict[str, str] = {"event_name": "$event_name"}
    if declared.event_name is not None:
        params["event_name"] = declared.event_name
    for role, candidates in paths.items():
        keys = []
        for i, candidate in enumerate(candidates):
            params[f"{role}_{i}"] = _key_path(candidate)
            keys.append(f"nullif(trim(json_extract_string(j, ${role}_{i})), '')")
        found[role] = f"coalesce({', '.join(keys)})"
    for i, key in enumerate(JSON_PROPERTIES):
        params[f"props_{i}"] = _key_path((key,))
    nested = {c[1] for candidates in paths.values() for c in candidates if len(c) == 2}
    params["used"] = json.dumps(dict.fromkeys(sorted(nested)))
    divisor = {"s": "1", "ms": "1000"}.get(
        unit or "", "CASE length(split_part(time_raw, '.', 1)) WHEN 10 THEN 1 WHEN 13 THEN 1000 END"
    )
    sql = _JSON_READ.format(
        epoch=_EPOCH_SQL,
        epoch_time=_EPOCH_TIME.format(v=f"(CAST(time_raw AS DOUBLE) / ({divisor}))"),
        time_raw=found["event_time"],
        props=", ".join(f"json_extract(j, $props_{i})" for i in range(len(JSON_PROPERTIES))),
        **{role: found[role] for role in ("user_id", "account_id", "event_name", "insert_id")},
    )
    report.dialect = "JSON lines, one event per line"
    report.columns = {" or ".join(".".join(c) for c in paths[role]): role for role in paths}
    if declared.event_name is not None:
        report.columns["--event-name"] = f"event_name {declared.event_name}"
    report.columns |= {" or ".join(JSON_PROPERTIES): "properties"}

    def read() -> pd.DataFrame:
        """Read the lines as `typed`; the lines that are no event, by number."""
        try:
            con.execute(_JSON_LINES, {"path": params["path"]})
        except duckdb.InvalidInputException as exc:
            first = str(exc).split("\n")[0].removeprefix("Invalid Input Error: ")
            raise OkrlensError(
                f"{name} cannot be read as JSON lines: {first}",
                where=name,
                fix="re-export it as UTF-8 JSON, one event object per line",
            ) from None
        con.execute(sql, {k: v for k, v in params.items() if k != "path"})
        con.execute(_JSON_TYPED)
        rejects = db.query(con, _JSON_REJECTS, {"time_reason": TIME_REASON})
        con.execute("DROP TABLE json_read; DROP TABLE json_lines")
        return rejects.astype({"line": "int64"})

    return read
