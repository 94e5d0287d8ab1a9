"""The ingest ledger: what each ingest read, added, skipped and rejected, and who ran it when."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from pipelines import db
from pipelines.coverage import Coverage
from pipelines.errors import OkrlensError
from pipelines.ingest.dialect import Dialect
from pipelines.ingest.staging import REJECT_COLUMNS
from pipelines.limits import REJECTS_SHOWN


@dataclass
class IngestReport:
    """The outcome of ingesting one file."""

    kind: str
    file_name: str
    sha256: str
    shape: str = ""
    dialect: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # file label -> stored meaning
    rows_read: int = 0
    rows_added: int = 0
    rows_duplicate: int = 0
    rows_revised: int = 0
    rows_rejected: int = 0
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    committed: bool = False
    already_ingested_at: dt.datetime | None = None
    already_ingested_by: str = ""
    ingest_id: int | None = None
    preview: pd.DataFrame = field(default_factory=pd.DataFrame)  # the first rows as stored
    sampled: int = 0  # bytes of the file a preview read when it read only its head (0: all)
    coverage: Coverage | None = None  # the days the file covers (None: it stored nothing)
    kpis: tuple[str, ...] = ()  # the KPIs a KPI file holds, whose periods its coverage completes
    part: str = ""  # which part of the file was read (part_read), "" for all of it

    def covers(self) -> str:
        """What the file covers, for people ("covers 2 Nov 2026 – 27 Nov 2026 (its rows)"), or ""."""
        if self.coverage is None or self.already_ingested_at is not None:
            return ""
        return "covers " + self.coverage.words(dt.datetime.now(dt.UTC).date())

    def summary(self) -> str:
        """One line saying what happened to the file."""
        if self.already_ingested_at is not None:
            return (
                f"{self.file_name}: already ingested on {self.already_ingested_at:%Y-%m-%d %H:%M} "
                f"UTC by {self.already_ingested_by} (same sha256); 0 rows added"
            )
        verb = "ingested" if self.committed else "NOT ingested"
        parts = [f"{self.rows_added:,} rows added"]
        if self.rows_duplicate:
            parts.append(f"{self.rows_duplicate:,} already stored (skipped)")
        if self.rows_revised:
            parts.append(f"{self.rows_revised:,} revised values")
        if self.rows_rejected:
            parts.append(f"{self.rows_rejected:,} rejected")
        return f"{self.file_name}: {verb} as {self.kind} ({self.shape}); " + ", ".join(parts)


class IngestRejected(OkrlensError):
    """A file refused because some of its lines are invalid; nothing of it was stored."""

    def __init__(self, report: IngestReport) -> None:
        self.report = report
        shown = report.rejects.head(REJECTS_SHOWN)
        examples = "; ".join(
            f"line {r['line']}"
            + (f", column {r['column_name']}" if isinstance(r["column_name"], str) else "")
            + (f", value {_short(r['value'])!r}" if isinstance(r["value"], str) else "")
            + f": {r['reason']}"
            for r in shown.to_dict("records")
        )
        more = (
            f" (first {len(shown)} of {report.rows_rejected:,} shown)"
            if report.rows_rejected > len(shown)
            else ""
        )
        super().__init__(
            f"{report.file_name} was not ingested: {report.rows_rejected:,} of "
            f"{report.rows_read + report.rows_rejected:,} lines are invalid{more}: {examples}",
            fix="correct those lines and ingest the file again"
            + (
                ", or pass --allow-rejects to store the valid rows and keep the rejected ones in "
                "the ledger"
                if report.rows_read
                else " (not one of its lines can be stored as it is)"
            ),
        )


def _short(text: str, limit: int = 60) -> str:
    """text cut to limit characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def current_user() -> str:
    """Who is ingesting: $OKRLENS_USER, else the login name."""
    try:
        return os.environ.get("OKRLENS_USER") or getpass.getuser()
    except OSError:
        return "unknown"


def part_read(dialect: Dialect) -> str:
    """Which part of its file dialect reads: "sheet 'Daily'", "table 2", both, or "" (all)."""
    parts = [f"sheet {dialect.sheet.sheet!r}"] if dialect.sheet else []
    parts += [f"table {dialect.table}"] if len(dialect.tables) > 1 else []
    return ", ".join(parts)


def previous_ingest(
    con: duckdb.DuckDBPyConnection, kind: str, sha256: str, part: str = ""
) -> tuple[dt.datetime, str] | None:
    """When and by whom this part of a file with this sha256 was ingested as kind, if it was."""
    row = con.execute(
        "SELECT ingested_at, ingested_by FROM ingests WHERE kind = ? AND sha256 = ? "
        "AND part = ? ORDER BY ingest_id LIMIT 1",
        [kind, sha256, part],
    ).fetchone()
    return None if row is None else (row[0], row[1])


def new_ingest_id(con: duckdb.DuckDBPyConnection) -> int:
    """A fresh ingest id from the store's sequence."""
    return int(db.scalar(con, "SELECT nextval('ingest_ids')"))


PREVIEW_ROWS = 20


# Called inside an ingest's transaction once its rows and ledger row are in, to add what must
# commit with them (the upload's audit event).
OnCommit = Callable[[duckdb.DuckDBPyConnection, IngestReport], None]


class _DryRun(Exception):
    """Raised inside a dry run's transaction so that it rolls back."""


def ingest_once(
    con: duckdb.DuckDBPyConnection,
    report: IngestReport,
    load: Callable[[], None],
    *,
    user: str | None,
    dry_run: bool,
    on_commit: OnCommit | None = None,
) -> IngestReport:
    """The envelope of every ingest: one transaction that stores a file once, or nothing.

    Inside the transaction: skip a file whose sha256 is already stored (checked there, and made
    unique by the store, so two tabs uploading one file at once store it once), run load (which
    fills report and may raise IngestRejected), record the ledger row, commit. A dry run does all
    of it and rolls back, so it never changes what readers see.
    """
    try:
        with db.transaction(con):
            previous = previous_ingest(con, report.kind, report.sha256, report.part)
            if previous is not None:
                report.already_ingested_at, report.already_ingested_by = previous
                return report
            load()
            if dry_run:
                raise _DryRun
            record(con, report, user or current_user())
            if on_commit is not None:
                on_commit(con, report)
    except _DryRun:
        return report
    except duckdb.OutOfMemoryException:
        raise OkrlensError(
            f"reading {report.file_name} needs more memory than okrlens may use "
            f"({db.limits.memory_limit()}); nothing of it was stored",
            where=report.file_name,
            fix="split the file into smaller exports, or raise OKRLENS_MEMORY_LIMIT",
        ) from None
    except duckdb.ConstraintException:
        # Another writer committed the same file between our check and our commit.
        previous = previous_ingest(con, report.kind, report.sha256, report.part)
        if previous is None:
            raise
        report.already_ingested_at, report.already_ingested_by = previous
        report.rows_added = report.rows_duplicate = report.rows_revised = 0
        return report
    report.committed = True
    con.execute("CHECKPOINT")
    return report


def record(con: duckdb.DuckDBPyConnection, report: IngestReport, user: str) -> None:
    """Write report and its rejected lines to the ledger (inside the caller's transaction)."""
    assert report.ingest_id is not None
    covers = report.coverage
    con.execute(
        "INSERT INTO ingests (ingest_id, kind, file_name, sha256, shape, dialect, rows_read, "
        "rows_added, rows_duplicate, rows_revised, rows_rejected, ingested_at, ingested_by, "
        "covers_from, covers_through, covered_by, part) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "CAST(now() AT TIME ZONE 'UTC' AS TIMESTAMP), ?, ?, ?, ?, ?)",
        [
            report.ingest_id,
            report.kind,
            report.file_name,
            report.sha256,
            report.shape,
            report.dialect,
            report.rows_read,
            report.rows_added,
            report.rows_duplicate,
            report.rows_revised,
            report.rows_rejected,
            user,
            None if covers is None else covers.first,
            None if covers is None else covers.through,
            None if covers is None else covers.basis,
            report.part,
        ],
    )
    if report.kpis:
        con.executemany(
            "INSERT INTO ingest_kpis VALUES (?, ?)", [[report.ingest_id, k] for k in report.kpis]
        )
    if not report.rejects.empty:
        frame = report.rejects.assign(ingest_id=report.ingest_id)[["ingest_id", *REJECT_COLUMNS]]
        con.register("rejects_frame", frame)
        con.execute("INSERT INTO rejected_lines SELECT * FROM rejects_frame")
        con.unregister("rejects_frame")
    db.record_commit(con, "ingest", report.ingest_id)


def ingest_history(con: duckdb.DuckDBPyConnection, limit: int = 20) -> pd.DataFrame:
    """The latest ingests, newest first."""
    return db.query(
        con,
        "SELECT ingest_id, kind, file_name, shape, rows_added, rows_duplicate, rows_revised, "
        "rows_rejected, ingested_at, ingested_by, sha256, covers_from, covers_through "
        "FROM ingests "
        "ORDER BY ingest_id DESC LIMIT ?",
        [limit],
    )


_DELETE_ROWS = {
    "events": "DELETE FROM events WHERE ingest_id = ? RETURNING 1",
    "kpis": "DELETE FROM kpi_rows WHERE ingest_id = ? RETURNING 1",
}


def delete_ingest(
    con: duckdb.DuckDBPyConnection,
    ingest_id: int,
    on_commit: Callable[[duckdb.DuckDBPyConnection, str, int], None] | None = None,
) -> tuple[str, int]:
    """Remove one ingest and every row it stored, in one transaction: (file name, rows removed).

    on_commit(con, file name, rows removed) runs inside that transaction (the audit event).

    An event row stored once serves every later export that held it too (they skipped it), so
    an events ingest whose rows a later one skipped is refused until the later one is deleted:
    removing it would silently take rows that the later file still holds.
    """
    row = con.execute(
        "SELECT kind, file_name FROM ingests WHERE ingest_id = ?", [ingest_id]
    ).fetchone()
    if row is None:
        raise OkrlensError(
            f"there is no ingest {ingest_id}",
            fix="see the ingest ids with `okrlens status` or on the Upload page",
        )
    kind, file_name = row
    later = db.query(
        con,
        "SELECT ingest_id, file_name FROM ingests WHERE kind = 'events' AND ? = 'events' "
        "AND ingest_id > ? AND rows_duplicate > 0 ORDER BY ingest_id",
        [kind, ingest_id],
    )
    if not later.empty:
        named = ", ".join(f"{i} ({n})" for i, n in later.itertuples(index=False, name=None))
        raise OkrlensError(
            f"later event exports skipped rows that {file_name} stored: {named}",
            fix="delete those ingests first (newest first), then this one",
        )
    with db.transaction(con):
        removed = con.execute(_DELETE_ROWS[kind], [ingest_id]).fetchall()
        con.execute("DELETE FROM rejected_lines WHERE ingest_id = ?", [ingest_id])
        con.execute("DELETE FROM ingest_kpis WHERE ingest_id = ?", [ingest_id])
        con.execute("DELETE FROM ingests WHERE ingest_id = ?", [ingest_id])
        db.record_commit(con, "delete", ingest_id)
        if on_commit is not None:
            on_commit(con, str(file_name), len(removed))
    return str(file_name), len(removed)
