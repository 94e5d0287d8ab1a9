"""The one door to the database: connections, queries with bound parameters, quoted identifiers.

The store is a single DuckDB file in the workspace. Raw events and KPI rows live in tables; every
ingest is recorded, and rejected lines are kept, so nothing a user sent is silently dropped.

Connection model. DuckDB lets one process hold the file read-write or many processes read it,
never both. okrlens therefore never keeps a connection open: every use takes the workspace's lock
file first (`store.duckdb.lock`: shared for a reader, exclusive for a writer, flock(2), so threads
of one process exclude each other like processes do), waits for it a bounded time saying so, and
closes the connection before letting go. A writer alone migrates the schema. A reader's
connection is read-only with file access and configuration locked, so nothing run on it (metric
SQL above all) can write the store or reach a file. Pages do not read the store at all: they read
the snapshot that each commit publishes (see snapshot.py).

Why this module is long: the schema and every migration step live here beside the connections
that apply them: one place says what a store of each version holds.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipelines import limits
from pipelines.errors import OkrlensError

# Version 1: the tables and the view every store has had.
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
CREATE VIEW IF NOT EXISTS kpis AS
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


# Each later schema change is one idempotent step, applied in order by writers only.
MIGRATIONS: tuple[str, ...] = (
    SCHEMA,
    # Version 2: every committed change is recorded, so the data version is derived from what
    # was committed; one file is stored once per kind, whatever races try.
    """
    CREATE TABLE IF NOT EXISTS store_identity AS SELECT CAST(uuid() AS VARCHAR) AS store_id;
    CREATE SEQUENCE IF NOT EXISTS commit_ids START 1;
    CREATE TABLE IF NOT EXISTS commits (
        commit_id BIGINT PRIMARY KEY,
        committed_at TIMESTAMP NOT NULL,   -- UTC
        action VARCHAR NOT NULL,           -- e.g. ingest
        ingest_id BIGINT
    );
    INSERT INTO commits
    SELECT nextval('commit_ids'), ingested_at, 'ingest', ingest_id FROM ingests
    WHERE ingest_id NOT IN (SELECT ingest_id FROM commits WHERE ingest_id IS NOT NULL)
    ORDER BY ingest_id;
    """,
    """
    CREATE UNIQUE INDEX IF NOT EXISTS ingests_one_per_file ON ingests (kind, sha256);
    """,
    # Version 4: the audit log. Append-only by contract: okrlens only ever inserts into it.
    """
    CREATE TABLE IF NOT EXISTS audit_log (
        event_id VARCHAR PRIMARY KEY,
        at_utc TIMESTAMP NOT NULL,
        actor VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        via VARCHAR NOT NULL,              -- dashboard | cli | local
        action VARCHAR NOT NULL,
        target VARCHAR NOT NULL,
        outcome VARCHAR NOT NULL,          -- ok | refused | failed
        file_sha256 VARCHAR,
        rows_added BIGINT,
        rows_skipped BIGINT,
        rows_revised BIGINT,
        rows_rejected BIGINT,
        detail VARCHAR NOT NULL
    );
    """,
    # Version 5: the days each file covers (pipelines/coverage.py), and the KPIs each KPI file
    # holds, so a period is complete when its files cover it; one file is stored once per part
    # read (its sheet and table), so a workbook's second sheet is not "already ingested". Events ingests made before this
    # covered their rows' days; KPI ones get their rows' span when read.
    """
    ALTER TABLE ingests ADD COLUMN IF NOT EXISTS covers_from DATE;
    ALTER TABLE ingests ADD COLUMN IF NOT EXISTS covers_through DATE;
    ALTER TABLE ingests ADD COLUMN IF NOT EXISTS covered_by VARCHAR;
    ALTER TABLE ingests ADD COLUMN IF NOT EXISTS part VARCHAR DEFAULT '';
    UPDATE ingests SET part = '' WHERE part IS NULL;
    DROP INDEX IF EXISTS ingests_one_per_file;
    CREATE UNIQUE INDEX IF NOT EXISTS ingests_one_per_part ON ingests (kind, sha256, part);
    CREATE TABLE IF NOT EXISTS ingest_kpis (ingest_id BIGINT NOT NULL, metric VARCHAR NOT NULL);
    INSERT INTO ingest_kpis SELECT DISTINCT ingest_id, metric FROM kpi_rows
    WHERE ingest_id NOT IN (SELECT ingest_id FROM ingest_kpis);
    UPDATE ingests SET covers_from = span.first, covers_through = span.through,
        covered_by = 'its rows'
    FROM (
        SELECT ingest_id, CAST(min(event_time) AS DATE) AS first,
               CAST(max(event_time) AS DATE) AS through
        FROM events GROUP BY ingest_id
    ) AS span
    WHERE ingests.ingest_id = span.ingest_id AND ingests.covers_from IS NULL;
    """,
    # Version 6: an event is identified by its second, user and name, with the insert id its
    # tool gave it (Mixpanel, Amplitude, Segment), not by the whole row: row_hash hashes that
    # identity (pipelines/ingest/events.py IDENTITY), so one event exported by two tools with
    # different columns is stored once.
    """
    ALTER TABLE events ADD COLUMN IF NOT EXISTS insert_id VARCHAR;
    UPDATE events SET row_hash = hash(date_trunc('second', event_time), user_id, event_name);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
# How long a command waits for another process's hold on the store before giving up.
DEFAULT_WAIT_SECONDS = 60.0


def quote_ident(name: str) -> str:
    """name quoted as a DuckDB identifier, embedded quotes doubled.

    Example:
        >>> quote_ident('a"b')
        '"a""b"'
    """
    return '"' + name.replace('"', '""') + '"'


def _busy(path: Path | str, waited: float, what: str = "the store") -> OkrlensError:
    """The error for a file (the store, by default) still held by someone else after waiting."""
    return OkrlensError(
        f"{what} is busy: another okrlens process held it for the {waited:.0f} s we waited",
        where=str(path),
        fix="retry in a moment (an ingest of a large file can take minutes), or raise the wait "
        "with OKRLENS_STORE_WAIT=<seconds>",
    )


def wait_seconds() -> float:
    """How long to wait for the store: $OKRLENS_STORE_WAIT, else DEFAULT_WAIT_SECONDS."""
    raw = os.environ.get("OKRLENS_STORE_WAIT", "")
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_WAIT_SECONDS
    except ValueError:
        return DEFAULT_WAIT_SECONDS


Notify = Callable[[str], object]


@contextmanager
def lock_file(
    path: Path,
    *,
    exclusive: bool,
    wait: float | None = None,
    on_wait: Notify | None = None,
    what: str = "the store",
) -> Iterator[None]:
    """Hold path's lock (shared or exclusive) for the block, waiting at most wait s.

    flock(2) has no queue, so a stream of readers could starve a writer: a writer first takes
    the gate file exclusively, which stops new readers at the gate while the current ones finish.
    A reader passes the gate (shared) and lets go of it once it holds the store lock.
    on_wait is told once, when a lock is not free at once, so a person knows why nothing moves.
    """
    wait = wait_seconds() if wait is None else wait
    deadline = time.monotonic() + wait
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    told: list[bool] = []

    def acquire(fd: int) -> None:
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _busy(path, wait, what) from None
                if on_wait is not None and not told:
                    on_wait(
                        f"{what} is busy: waiting up to {wait:.0f} s for another okrlens process"
                    )
                    told.append(True)
                time.sleep(0.02)

    gate = os.open(f"{path}.gate", os.O_RDWR | os.O_CREAT, 0o644)
    lock = -1
    try:
        acquire(gate)
        lock = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        acquire(lock)
        if not exclusive:
            os.close(gate)
            gate = -1
        yield
    finally:
        # Closing a descriptor releases its lock.
        for fd in (lock, gate):
            if fd >= 0:
                os.close(fd)


def _open(path: Path | str, *, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection, retried while a process outside our lock protocol holds the file."""
    started = time.monotonic()
    while True:
        try:
            config: dict[str, str | bool | int | float | list[str]] = {
                "memory_limit": limits.memory_limit()
            }
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise OkrlensError(
                    f"cannot open the store: {exc}",
                    where=str(path),
                    fix="check the workspace path and its permissions",
                ) from None
            if time.monotonic() - started >= wait:
                raise _busy(path, time.monotonic() - started) from None
            time.sleep(0.05)


def _lock_down(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """con with the clock in UTC, then no file access and no way to change settings again.

    Readers of one process share one database instance: a sibling may have locked it already.
    """
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except duckdb.InvalidInputException:
        settings = con.execute(
            "SELECT current_setting('TimeZone') IN ('UTC', 'Etc/UTC'), "
            "current_setting('enable_external_access'), current_setting('lock_configuration')"
        ).fetchone()
        if settings != (True, False, True):
            raise
    return con


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version of the store on con (0 for a new, empty store)."""
    tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "schema_version" not in tables:
        return 1 if "ingests" in tables else 0
    return int(con.execute("SELECT max(version) FROM schema_version").fetchone()[0])  # type: ignore[index]


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Bring the store on con to SCHEMA_VERSION, one committed step at a time (writers only)."""
    current = schema_version(con)
    for version, step in enumerate(MIGRATIONS[current:], start=current + 1):
        try:
            with transaction(con):
                con.execute(step)
                con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                con.execute("INSERT INTO schema_version VALUES (?)", [version])
        except duckdb.ConstraintException:
            twice = query(
                con,
                "SELECT DISTINCT file_name FROM ingests WHERE (kind, sha256) IN "
                "(SELECT (kind, sha256) FROM ingests GROUP BY ALL HAVING count(*) > 1)",
            )
            raise OkrlensError(
                "the store holds files that an earlier okrlens ingested twice: "
                + ", ".join(twice["file_name"]),
                where="store.duckdb",
                fix="rebuild the workspace from its exports (for the demo: okrlens demo --force)",
            ) from None


def connect(path: Path | str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A read-write connection to path, schema migrated, clock in UTC (caller holds the lock).

    ":memory:" (the default) gives a private empty store, as tests and dry runs use.
    """
    con = _open(path, read_only=False, wait=wait_seconds())
    con.execute("SET TimeZone = 'UTC'")
    if schema_version(con) < SCHEMA_VERSION:
        migrate(con)
    return con


class StoreOutdated(OkrlensError):
    """A reader met a store of an older schema: only a writer may migrate it."""


def connect_reader(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A connection that can only read the store at path (caller holds the lock).

    A store that does not exist yet reads as an empty one.
    """
    if not Path(path).exists():
        return _lock_down(connect(":memory:"))
    con = _open(path, read_only=True, wait=wait_seconds())
    try:
        if schema_version(con) < SCHEMA_VERSION:
            raise StoreOutdated(
                "the store was written by an older okrlens and needs upgrading",
                where=str(path),
                fix="run any command that writes (e.g. `okrlens ingest`), which upgrades it",
            )
        return _lock_down(con)
    except BaseException:
        con.close()
        raise


def commit_token(con: duckdb.DuckDBPyConnection) -> str:
    """Which committed state the store on con is in: its identity and latest commit id.

    A rebuilt store is another store, so its states never share a token with the old one's.
    """
    return str(
        scalar(
            con,
            "SELECT (SELECT any_value(store_id) FROM store_identity) || ':' "
            "|| (SELECT coalesce(max(commit_id), 0) FROM commits)",
        )
    )


def record_commit(con: duckdb.DuckDBPyConnection, action: str, ingest_id: int | None) -> None:
    """Record a committed change (inside the caller's transaction)."""
    con.execute(
        "INSERT INTO commits VALUES (nextval('commit_ids'), "
        "CAST(now() AT TIME ZONE 'UTC' AS TIMESTAMP), ?, ?)",
        [action, ingest_id],
    )


def query(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
) -> pd.DataFrame:
    """The result of sql, exactly one statement run with bound params, as a DataFrame."""
    return con.execute(single_statement(con, sql), params or []).df()


def single_statement(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """sql itself when DuckDB's own parser reads it as exactly one statement; ValueError if not.

    Generated SQL carries user fragments; whatever slipped through their checks cannot add a
    second statement here.
    """
    statements = con.extract_statements(sql)
    if len(statements) != 1:
        raise ValueError(f"refusing to run {len(statements)} statements as one query")
    return sql


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
