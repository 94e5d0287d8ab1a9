"""The one door to the database: connections, queries with bound parameters, quoted identifiers.

The store is a single DuckDB file in the workspace. Raw events and KPI rows live in tables; every
ingest is recorded, and rejected lines are kept, so nothing a user sent is silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipelines.errors import OkrlensError

SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS ingest_ids START 1;
CREATE TABLE IF NOT EXISTS ingests (
    ingest_id BIGINT PRIMARY KEY,
    kind VARCHAR NOT NULL,              -- events | kpis
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    shape VARCHAR,                      -- events | long | wide_by_date | wide_by_metric
    dialect VARCHAR,
    rows_read BIGINT NOT NULL,
    rows_added BIGINT NOT NULL,
    rows_duplicate BIGINT NOT NULL,
    rows_revised BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    ingested_at TIMESTAMP NOT NULL,     -- UTC
    ingested_by VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    event_time TIMESTAMP NOT NULL,      -- UTC
    user_id VARCHAR NOT NULL,
    account_id VARCHAR,
    event_name VARCHAR NOT NULL,
    properties JSON,                    -- the export's other columns, read as properties['name']
    row_hash UBIGINT NOT NULL,          -- identical rows from overlapping exports are kept once
    ingest_id BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS kpi_rows (
    date DATE NOT NULL,
    metric VARCHAR NOT NULL,
    segment VARCHAR NOT NULL,           -- '' when the export has no segment
    value DOUBLE NOT NULL,
    ingest_id BIGINT NOT NULL
);
-- A later export that revises a value supersedes it; the earlier row stays for the audit trail.
CREATE OR REPLACE VIEW kpis AS
SELECT date, metric, segment, value, ingest_id
FROM kpi_rows
QUALIFY row_number() OVER (PARTITION BY metric, date, segment ORDER BY ingest_id DESC) = 1;
CREATE TABLE IF NOT EXISTS kpi_labels (
    metric VARCHAR PRIMARY KEY,
    label VARCHAR NOT NULL,
    unit VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS rejected_lines (
    ingest_id BIGINT NOT NULL,
    line BIGINT,
    column_name VARCHAR,
    value VARCHAR,
    reason VARCHAR NOT NULL
);
"""


def quote_ident(name: str) -> str:
    """name quoted as a DuckDB identifier, embedded quotes doubled.

    Example:
        >>> quote_ident('a"b')
        '"a""b"'
    """
    return '"' + name.replace('"', '""') + '"'


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the store at path (":memory:" for tests), schema created, clock in UTC."""
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise OkrlensError(
                "the store is busy: another okrlens process (probably the dashboard) holds it",
                where=str(path),
                fix="stop that process and retry, or upload the file through the dashboard",
            ) from None
        raise OkrlensError(
            f"cannot open the store: {exc}",
            where=str(path),
            fix="check the workspace path and its permissions",
        ) from None
    con.execute("SET TimeZone = 'UTC'")
    if not read_only:
        con.execute(SCHEMA)
    return con


def query(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
) -> pd.DataFrame:
    """The result of sql, run with bound params, as a DataFrame."""
    return con.execute(sql, params or []).df()


def scalar(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
) -> Any:
    """The first column of the first row of sql's result (None when there is no row)."""
    row = con.execute(sql, params or []).fetchone()
    return None if row is None else row[0]


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """A transaction on con: committed when the block ends, rolled back if it raises."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()
