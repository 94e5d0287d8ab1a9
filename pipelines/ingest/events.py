"""Ingesting product-event exports: event_time, user_id, event_name[, account_id], properties.

One pass of DuckDB's reader types and validates the file (timestamps are cast by the reader,
so a bad one is rejected with its line); only when required values are missing does a second,
numbered pass find their lines. Other columns are kept as JSON properties. Epoch times (Mixpanel's
`time`) are read as seconds or milliseconds when the digits settle it, or as declared.

JSON-lines exports (Mixpanel, Amplitude, PostHog, Segment: one object per line) are read by
DuckDB too, line by line so that every line is either stored or rejected with its number.

Why this module is long: the CSV and JSON-lines readers fill one `typed` table that a single
envelope validates and stores, and the epoch-time rule serves both; split apart, each half
would have to re-state the other's columns and reasons.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import db
from pipelines.errors import OkrlensError
from pipelines.ingest import ledger
from pipelines.ingest.columns import EVENT_REQUIRED, EVENT_ROLES, require, resolve_roles
from pipelines.ingest.dialect import Dialect, sniff
from pipelines.ingest.facts import file_facts
from pipelines.ingest.staging import (
    file_sha256,
    first_values,
    merged_rejects,
    physical_lines,
    stage,
)
from pipelines.ingest.values import AHEAD, EARLIEST
from pipelines.limits import max_file_bytes

q = db.quote_ident
Reader = Callable[[], pd.DataFrame]  # fills the temp table `typed`; returns the rejects
TIME_REASON = (
    "not a date-time (expected e.g. 2026-05-18 09:30:00, 2026-05-18T09:30:00Z, or epoch "
    "seconds such as 1747560600)"
)
# The mapping may carry the time column's unit, so every interface that states roles states it.
TIME_UNIT = "time_unit"
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


def _typed_select(roles: Mapping[str, str], properties: list[str], unit: str | None) -> str:
    """The projection typing the reader's columns: UTC times, trimmed ids, JSON properties.

    Property names are bound as $k0, $k1, ...; JSON because DuckDB builds it several times
    faster than a MAP, and metric filters read it as properties['name'].
    """
    account = f"nullif(trim({q(roles['account_id'])}), '')" if "account_id" in roles else "NULL"
    pairs = ", ".join(f"$k{i}, {q(p)}" for i, p in enumerate(properties))
    props = f"json_object({pairs})" if properties else "CAST(NULL AS JSON)"
    time = _TIME_OF[unit].format(v=q(roles["event_time"]))
    columns = f"""
        CAST({time} AS TIMESTAMP) AS event_time,
        nullif(trim({q(roles["user_id"])}), '') AS user_id,
        {account} AS account_id,
        nullif(trim({q(roles["event_name"])}), '') AS event_name,
        {props} AS properties"""
    # Identifiers are quoted; property names are bound parameters.
    hashed = "SELECT *, hash(event_time, user_id, account_id, event_name, properties) AS row_hash"
    return f"{hashed} FROM (SELECT {columns} FROM {{source}})"  # noqa: S608


_MISSING = """
SELECT rn, role AS column_name, NULL AS value, 'missing ' || role AS reason
FROM (
    SELECT rn, unnest(['event_time', 'user_id', 'event_name']) AS role,
           unnest([{event_time}, {user_id}, {event_name}]) AS raw
    FROM staged
)
WHERE raw IS NULL OR trim(raw) = ''
ORDER BY rn
"""

_COUNT_MISSING = (
    "SELECT count(*) FROM typed WHERE event_time IS NULL OR user_id IS NULL OR event_name IS NULL"
)
_DELETE_MISSING = (
    "DELETE FROM typed WHERE event_time IS NULL OR user_id IS NULL OR event_name IS NULL"
)
_PREVIEW = "SELECT event_time, user_id, account_id, event_name, properties FROM typed LIMIT ?"

_INSERT_NEW = """
INSERT INTO events
SELECT event_time, user_id, account_id, event_name, properties, row_hash, ? FROM typed t
WHERE NOT EXISTS (
    SELECT 1 FROM events e
    WHERE e.row_hash = t.row_hash
      -- Only the new file's time range can hold duplicates: appends cost what the file costs.
      AND e.event_time BETWEEN (SELECT min(event_time) FROM typed) AND (SELECT max(event_time) FROM typed)
)
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


def _missing_values(
    con: duckdb.DuckDBPyConnection, dialect: Dialect, roles: Mapping[str, str]
) -> pd.DataFrame:
    """Rejects (line, column_name, value, reason) for rows missing a required value."""
    staged = stage(con, dialect)
    sql = _MISSING.format(**{role: q(roles[role]) for role in EVENT_REQUIRED})
    return staged.located(db.query(con, sql))


def ingest_events(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    mapping: Mapping[str, str] | None = None,
    allow_rejects: bool = False,
    user: str | None = None,
    file_name: str | None = None,
    dry_run: bool = False,
    on_commit: ledger.OnCommit | None = None,
    max_bytes: int | None = None,
    sha256: str | None = None,
) -> ledger.IngestReport:
    """Ingest one product-event CSV or JSON-lines export, all of it in one transaction, or nothing.

    mapping names the column (or JSON key path, e.g. properties.$user_id) of each role, and may
    state the time column's unit as time_unit (s or ms). dry_run does all of it, reports what
    would happen (with a preview of the stored rows and the rejects, without raising), then
    rolls back.

    Rows already stored by an earlier ingest (same time, user, account, event and properties) are
    skipped, so overlapping exports never double data; the same file twice adds zero rows.
    Raises IngestRejected when lines are invalid, unless allow_rejects stores the valid rows and
    records the rejected ones in the ledger.
    """
    name = file_name or path.name
    roles_mapping = dict(mapping or {})
    declared = roles_mapping.pop(TIME_UNIT, None)
    report = ledger.IngestReport(kind="events", file_name=name, sha256=sha256 or "", shape="events")
    limit = max_bytes or max_file_bytes()
    if is_json_lines(path):
        read = _json_lines_reader(con, path, name, roles_mapping, declared, limit, report)
    else:
        read = _csv_reader(con, path, name, roles_mapping, declared, limit, report)
    report.sha256 = report.sha256 or file_sha256(path)

    def load() -> None:
        rejects = read()
        _refuse_implausible_times(con, name)
        report.rejects = rejects
        report.rows_rejected = int(report.rejects["line"].nunique())
        report.rows_read = int(db.scalar(con, "SELECT count(*) FROM typed"))
        if report.rows_rejected and not allow_rejects and not dry_run:
            raise ledger.IngestRejected(report)
        report.preview = db.query(con, _PREVIEW, [ledger.PREVIEW_ROWS])
        report.ingest_id = ledger.new_ingest_id(con)
        inserted = con.execute(_INSERT_NEW, [report.ingest_id]).fetchone()
        report.rows_added = int(inserted[0]) if inserted else 0
        report.rows_duplicate = report.rows_read - report.rows_added
        con.execute("DROP TABLE typed")

    return ledger.ingest_once(con, report, load, user=user, dry_run=dry_run, on_commit=on_commit)


def _csv_reader(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    name: str,
    mapping: Mapping[str, str],
    declared: str | None,
    max_bytes: int,
    report: ledger.IngestReport,
) -> Reader:
    """A reader filling `typed` from a CSV export, once the file's dialect and roles are known."""
    dialect = sniff(path)
    facts = file_facts(dialect, max_bytes=max_bytes)
    roles = resolve_roles(dialect, EVENT_ROLES, mapping)
    require(dialect, roles, EVENT_REQUIRED, "a product-event export")
    properties = [c for c in dialect.columns if c not in roles.values()]
    labels = dict(zip(dialect.columns, dialect.header, strict=True))
    time_label = labels[roles["event_time"]]
    unit = time_unit(name, time_label, first_values(con, dialect, roles["event_time"]), declared)
    report.dialect = dialect.describe()
    report.columns = {labels[c]: role for role, c in roles.items()}
    if unit:
        report.columns[time_label] = f"event_time (epoch {UNIT_NAMES[unit]})"
    report.columns |= {labels[p]: f"property {p}" for p in properties}

    def read() -> pd.DataFrame:
        """Stage the file as `typed`; its rejects, in physical lines."""
        staged = stage(
            con,
            dialect,
            types={roles["event_time"]: "DOUBLE" if unit else "TIMESTAMPTZ"},
            select=_typed_select(roles, properties, unit),
            params={f"k{i}": p for i, p in enumerate(properties)},
            cast_reason=f"not epoch {UNIT_NAMES[unit]}" if unit else TIME_REASON,
            facts=facts,
        )
        con.execute("ALTER TABLE staged RENAME TO typed")
        rejects = [staged.rejects]
        if db.scalar(con, _COUNT_MISSING):
            rejects.append(_missing_values(con, dialect, roles))
            con.execute(_DELETE_MISSING)
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
}
JSON_PROPERTIES = ("properties", "event_properties")

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
               {account_id} AS account_id, {event_name} AS event_name,
               CASE WHEN json_type(props) = 'OBJECT' THEN json_merge_patch(props, $used) END
                   AS properties
        FROM (SELECT *, coalesce({props}) AS props FROM json_lines)
    )
)
"""
_JSON_TYPED = """
CREATE OR REPLACE TEMP TABLE typed AS
SELECT event_time, user_id, account_id, event_name, properties,
       hash(event_time, user_id, account_id, event_name, properties) AS row_hash
FROM json_read WHERE reason IS NULL
"""
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
    declared: str | None,
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
    unit = time_unit(name, "time", [], declared)  # only a declared unit; else per value
    paths = {
        role: ((tuple(mapping[role].split(".")),) if role in mapping else candidates)
        for role, candidates in JSON_ROLES.items()
    }
    params: dict[str, object] = {"path": str(path), "time_reason": TIME_REASON}
    found: dict[str, str] = {}
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
        **{role: found[role] for role in ("user_id", "account_id", "event_name")},
    )
    report.dialect = "JSON lines, one event per line"
    report.columns = {" or ".join(".".join(c) for c in paths[role]): role for role in paths}
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
