"""Ingesting product-event exports: event_time, user_id, event_name[, account_id], properties.

One pass of DuckDB's reader types and validates the file (timestamps are cast by the reader,
so a bad one is rejected with its line); only when required values are missing does a second,
numbered pass find their lines. Other columns are kept as JSON properties.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import db
from pipelines.errors import OkrlensError
from pipelines.ingest import ledger
from pipelines.ingest.columns import EVENT_REQUIRED, EVENT_ROLES, require, resolve_roles
from pipelines.ingest.dialect import Dialect, sniff
from pipelines.ingest.facts import file_facts
from pipelines.ingest.staging import file_sha256, merged_rejects, physical_lines, stage
from pipelines.ingest.values import AHEAD, EARLIEST
from pipelines.limits import max_file_bytes

q = db.quote_ident
TIME_REASON = "not a date-time (expected e.g. 2026-05-18 09:30:00 or 2026-05-18T09:30:00Z)"


def _typed_select(roles: Mapping[str, str], properties: list[str]) -> str:
    """The projection typing the reader's columns: UTC times, trimmed ids, JSON properties.

    Property names are bound as $k0, $k1, ...; JSON because DuckDB builds it several times
    faster than a MAP, and metric filters read it as properties['name'].
    """
    account = f"nullif(trim({q(roles['account_id'])}), '')" if "account_id" in roles else "NULL"
    pairs = ", ".join(f"$k{i}, {q(p)}" for i, p in enumerate(properties))
    props = f"json_object({pairs})" if properties else "CAST(NULL AS JSON)"
    columns = f"""
        CAST(timezone('UTC', {q(roles["event_time"])}) AS TIMESTAMP) AS event_time,
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
    """Ingest one product-event CSV into the store, all of it in one transaction, or nothing.

    dry_run does all of it, reports what would happen (with a preview of the stored rows and
    the rejects, without raising), then rolls back.

    Rows already stored by an earlier ingest (same time, user, account, event and properties) are
    skipped, so overlapping exports never double data; the same file twice adds zero rows.
    Raises IngestRejected when lines are invalid, unless allow_rejects stores the valid rows and
    records the rejected ones in the ledger.
    """
    name = file_name or path.name
    dialect = sniff(path)
    facts = file_facts(dialect, max_bytes=max_bytes or max_file_bytes())
    roles = resolve_roles(dialect, EVENT_ROLES, mapping)
    require(dialect, roles, EVENT_REQUIRED, "a product-event export")
    report = ledger.IngestReport(
        kind="events",
        file_name=name,
        sha256=sha256 or file_sha256(path),
        shape="events",
        dialect=dialect.describe(),
    )
    properties = [c for c in dialect.columns if c not in roles.values()]
    labels = dict(zip(dialect.columns, dialect.header, strict=True))
    report.columns = {labels[c]: role for role, c in roles.items()}
    report.columns |= {labels[p]: f"property {p}" for p in properties}

    def load() -> None:
        read = stage(
            con,
            dialect,
            types={roles["event_time"]: "TIMESTAMPTZ"},
            select=_typed_select(roles, properties),
            params={f"k{i}": p for i, p in enumerate(properties)},
            cast_reason=TIME_REASON,
            facts=facts,
        )
        con.execute("ALTER TABLE staged RENAME TO typed")
        rejects = [read.rejects]
        if db.scalar(con, _COUNT_MISSING):
            rejects.append(_missing_values(con, dialect, roles))
            con.execute(_DELETE_MISSING)
        _refuse_implausible_times(con, name)
        report.rejects = physical_lines(dialect, merged_rejects(rejects))
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
