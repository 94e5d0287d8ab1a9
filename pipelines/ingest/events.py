"""Ingesting product-event exports: event_time, user_id, event_name[, account_id], properties."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb

from pipelines import db
from pipelines.ingest import ledger
from pipelines.ingest.columns import EVENT_REQUIRED, EVENT_ROLES, require, resolve_roles
from pipelines.ingest.dialect import sniff
from pipelines.ingest.staging import file_sha256, stage

q = db.quote_ident


def _typed_sql(roles: Mapping[str, str], properties: list[str]) -> str:
    """SQL typing the staged rows: UTC timestamps, trimmed ids, properties as a map."""
    account = f"nullif(trim({q(roles['account_id'])}), '')" if "account_id" in roles else "NULL"
    props = (
        f"MAP([{', '.join('?' for _ in properties)}], [{', '.join(q(p) for p in properties)}])"
        if properties
        else "CAST(NULL AS MAP(VARCHAR, VARCHAR))"
    )
    # Naive timestamps are taken as UTC (the session time zone); offsets and 'Z' are honoured.
    return f"""
    CREATE OR REPLACE TEMP TABLE typed AS
    SELECT rn,
        {q(roles["event_time"])} AS raw_time,
        CAST(timezone('UTC', TRY_CAST(trim({q(roles["event_time"])}) AS TIMESTAMPTZ)) AS TIMESTAMP)
            AS event_time,
        nullif(trim({q(roles["user_id"])}), '') AS user_id,
        {account} AS account_id,
        nullif(trim({q(roles["event_name"])}), '') AS event_name,
        {props} AS properties
    FROM staged
    """  # noqa: S608 - identifiers are quoted staged column names, values are bound


_INVALID = """
SELECT rn, 'event_time' AS column_name, raw_time AS value,
       'not a date-time (expected e.g. 2026-05-18 09:30:00 or 2026-05-18T09:30:00Z)' AS reason
FROM typed WHERE event_time IS NULL AND raw_time IS NOT NULL AND trim(raw_time) <> ''
UNION ALL
SELECT rn, 'event_time', NULL, 'missing event_time' FROM typed
WHERE raw_time IS NULL OR trim(raw_time) = ''
UNION ALL
SELECT rn, 'user_id', NULL, 'missing user_id' FROM typed WHERE user_id IS NULL
UNION ALL
SELECT rn, 'event_name', NULL, 'missing event_name' FROM typed WHERE event_name IS NULL
ORDER BY rn
"""

_ADD = """
CREATE OR REPLACE TEMP TABLE incoming AS
SELECT event_time, user_id, account_id, event_name, properties,
       hash(event_time, user_id, account_id, event_name, properties) AS row_hash
FROM typed
WHERE rn NOT IN (SELECT rn FROM invalid);

CREATE OR REPLACE TEMP TABLE fresh AS
SELECT i.* FROM incoming i
WHERE NOT EXISTS (
    SELECT 1 FROM events e
    WHERE e.row_hash = i.row_hash
      -- Only the new file's time range can hold duplicates: keeps appends proportional to the file.
      AND e.event_time BETWEEN (SELECT min(event_time) FROM incoming)
                           AND (SELECT max(event_time) FROM incoming)
);
"""


def ingest_events(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    mapping: Mapping[str, str] | None = None,
    allow_rejects: bool = False,
    user: str | None = None,
    file_name: str | None = None,
) -> ledger.IngestReport:
    """Ingest one product-event CSV into the store, all of it in one transaction, or nothing.

    Rows already stored by an earlier ingest (same time, user, account, event and properties) are
    skipped, so overlapping exports never double data; the same file twice adds zero rows.
    Raises IngestRejected when lines are invalid, unless allow_rejects stores the valid rows and
    records the rejected ones in the ledger.
    """
    name = file_name or path.name
    dialect = sniff(path)
    roles = resolve_roles(dialect, EVENT_ROLES, mapping)
    require(dialect, roles, EVENT_REQUIRED, "a product-event export")
    report = ledger.IngestReport(
        kind="events",
        file_name=name,
        sha256=file_sha256(path),
        shape="events",
        dialect=dialect.describe(),
    )
    previous = ledger.previous_ingest(con, "events", report.sha256)
    if previous is not None:
        report.already_ingested_at, report.already_ingested_by = previous
        return report
    properties = [c for c in dialect.columns if c not in roles.values()]
    labels = dict(zip(dialect.columns, dialect.header, strict=True))
    report.columns = {labels[c]: role for role, c in roles.items()}
    report.columns |= {labels[p]: f"property {p}" for p in properties}
    with db.transaction(con):
        staged = stage(con, dialect)
        con.execute(_typed_sql(roles, properties), properties)
        invalid = db.query(con, _INVALID)
        con.register("invalid_frame", invalid[["rn"]])
        con.execute("CREATE OR REPLACE TEMP TABLE invalid AS SELECT DISTINCT rn FROM invalid_frame")
        con.unregister("invalid_frame")
        report.rejects = staged.all_rejects(invalid)
        report.rows_rejected = len(report.rejects["line"].unique())
        report.rows_read = staged.rows - int(invalid["rn"].nunique())
        if report.rows_rejected and not allow_rejects:
            raise ledger.IngestRejected(report)
        con.execute(_ADD)
        report.rows_added = int(db.scalar(con, "SELECT count(*) FROM fresh"))
        report.rows_duplicate = report.rows_read - report.rows_added
        report.ingest_id = ledger.new_ingest_id(con)
        con.execute(
            "INSERT INTO events SELECT event_time, user_id, account_id, event_name, properties, "
            "row_hash, ? FROM fresh",
            [report.ingest_id],
        )
        ledger.record(con, report, user or ledger.current_user())
        report.committed = True
    con.execute("CHECKPOINT")
    return report
