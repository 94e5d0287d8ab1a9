"""Reading a CSV file into a staging table with DuckDB, keeping every structural reject.

The file is read as text (all columns VARCHAR, explicit names, no sniffing) with
`store_rejects`, never the reader's option to skip bad lines silently: ragged or unparseable
lines are recorded with their line numbers. Typing and validation happen afterwards in SQL.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import db
from pipelines.errors import OkrlensError
from pipelines.ingest.dialect import Dialect
from pipelines.ingest.facts import FileFacts, unaccounted
from pipelines.limits import READER_BUFFER_BYTES

# Python's csv module refuses fields over 128 KB by default; okrlens re-reads lines the
# reader rejected, which may hold fields up to the reader's own limit.
csv.field_size_limit(READER_BUFFER_BYTES)

STAGED = "staged"
REJECT_COLUMNS = ["line", "column_name", "value", "reason"]


@dataclass
class Staged:
    """A file read into the temp table `staged` (rn, columns...) plus its structural rejects."""

    dialect: Dialect
    rows: int
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))

    def line_of(self, rn: pd.Series) -> pd.Series:
        """The physical line number of staged rows rn (1-based), skipping lines rejected earlier."""
        skipped = sorted(int(x) for x in self.rejects["line"].dropna())
        first_data_line = self.dialect.header_line
        lines = []
        for row in rn.astype("int64"):
            line = first_data_line + row
            # Each rejected line before this row pushes it one physical line further down.
            shift = 0
            while True:
                moved = bisect.bisect_right(skipped, line + shift)
                if moved == shift:
                    break
                shift = moved
            lines.append(line + shift)
        return pd.Series(lines, index=rn.index, dtype="int64")

    def located(self, problems: pd.DataFrame) -> pd.DataFrame:
        """problems (rn, column_name, value, reason) as rejects with physical line numbers."""
        return pd.DataFrame(
            {
                "line": self.line_of(problems["rn"]),
                "column_name": problems["column_name"].astype("object"),
                "value": problems["value"].astype("object"),
                "reason": problems["reason"].astype("object"),
            },
            columns=REJECT_COLUMNS,
        )

    def all_rejects(self, problems: pd.DataFrame) -> pd.DataFrame:
        """The reader's rejects plus problems (rn, column_name, value, reason), by line."""
        return merged_rejects([self.rejects, self.located(problems)])


def merged_rejects(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Reject frames together, in file order."""
    present = [f for f in frames if not f.empty]
    if not present:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    return pd.concat(present, ignore_index=True).sort_values(
        "line", kind="stable", ignore_index=True
    )


def physical_lines(dialect: Dialect, rejects: pd.DataFrame) -> pd.DataFrame:
    """rejects with record line numbers turned into the physical lines an editor shows.

    DuckDB counts a quoted field spanning several lines as one line; only the error path pays
    for re-reading the file (up to the last rejected record) to count them properly.
    """
    if rejects.empty:
        return rejects
    wanted = set(int(x) for x in rejects["line"])
    last = max(wanted)
    mapping: dict[int, int] = {}
    opener = gzip.open if dialect.compression == "gzip" else open
    with opener(dialect.path, "rt", encoding="utf-8-sig", newline="", errors="replace") as text:
        for _ in range(dialect.skip_rows):
            text.readline()
        reader = csv.reader(text, delimiter=dialect.delimiter)
        record_line, physical = dialect.skip_rows, dialect.skip_rows
        for _ in reader:
            record_line += 1
            if record_line in wanted:
                mapping[record_line] = physical + 1
            physical = dialect.skip_rows + reader.line_num
            if record_line >= last:
                break
    return rejects.assign(line=[mapping.get(int(x), int(x)) for x in rejects["line"]])


def file_sha256(path: Path) -> str:
    """The hex sha256 of the file's bytes, as stored (compressed files hash their compressed bytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_SOURCE = """read_csv(
    $path, header = true, auto_detect = false, delim = $delim, quote = '"', escape = '"',
    skip = $skip, columns = $columns, compression = $compression, store_rejects = true,
    max_line_size = 2097152, buffer_size = 33554432
)"""
# Numbering rows costs a window over the whole file, so it is only asked for when needed.
NUMBERED = "SELECT row_number() OVER () AS rn, * FROM {source}"

_FORGET_REJECTS = "DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans"
_LATEST_REJECTS = """
SELECT line, column_name, csv_line AS value, error_type, error_message
FROM reject_errors
WHERE scan_id = (SELECT max(scan_id) FROM reject_scans)
ORDER BY line
"""

_REASONS = {
    "MISSING COLUMNS": "too few fields",
    "TOO MANY COLUMNS": "too many fields",
    "UNQUOTED VALUE": "a quote inside an unquoted field",
    "LINE SIZE OVER MAXIMUM": "line longer than 2 MB",
    "INVALID ENCODING": "not valid UTF-8",
}


def stage(
    con: duckdb.DuckDBPyConnection,
    dialect: Dialect,
    *,
    types: Mapping[str, str] | None = None,
    select: str = NUMBERED,
    params: Mapping[str, object] | None = None,
    cast_reason: str = "cannot be read as the column's type",
    facts: FileFacts | None = None,
) -> Staged:
    """The file read into the temp table `staged` on con, with the lines DuckDB's reader rejected.

    Columns are VARCHAR unless types says otherwise; select is a query over `{source}`, the
    reader (by default all columns, numbered by rn), with its own named params. A value the
    reader cannot cast is rejected with its line, the cell's value and cast_reason. With the
    file's facts, a line that was neither staged nor rejected stops the ingest: never lost.
    """
    columns = {name: (types or {}).get(name, "VARCHAR") for name in dialect.columns}
    # A scan without rejects records no scan at all, so the tables would still hold the
    # previous scan's rejects and pass them off as this one's.
    con.execute(_FORGET_REJECTS)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE staged AS " + select.format(source=_SOURCE),
            {**(params or {}), **_reader_params(dialect, columns)},
        )
    except duckdb.InvalidInputException as exc:
        # The reader gives up on some malformed files as a whole (e.g. "state machine reached
        # an invalid state") instead of rejecting lines: say so, with its words.
        first = str(exc).split("\n")[0].removeprefix("Invalid Input Error: ")
        raise OkrlensError(
            f"the CSV reader cannot read {dialect.path.name}: {first}",
            where=dialect.path.name,
            fix="check its delimiter, quotes and line breaks; re-export it from its tool",
        ) from None
    raw = db.query(con, _LATEST_REJECTS)
    expected = len(dialect.columns)
    rejects = pd.DataFrame(
        {
            "line": raw["line"].astype("int64"),
            "column_name": raw["column_name"].astype("object"),
            "value": [
                _cell(dialect, line, column) if kind == "CAST" else line
                for kind, line, column in zip(
                    raw["error_type"], raw["value"], raw["column_name"], strict=True
                )
            ],
            "reason": [
                f"{_REASONS.get(kind, kind.lower())} (expected {expected} fields)"
                if "COLUMNS" in kind
                else cast_reason
                if kind == "CAST"
                else _REASONS.get(kind, message)
                for kind, message in zip(raw["error_type"], raw["error_message"], strict=True)
            ],
        },
        columns=REJECT_COLUMNS,
    )
    rows = int(db.scalar(con, "SELECT count(*) FROM staged"))
    lost = unaccounted(facts, dialect, rows, rejects["line"].nunique()) if facts else 0
    if lost:
        raise OkrlensError(
            f"{lost:,} line(s) of {dialect.path.name} were neither read nor rejected by the CSV "
            "reader, so nothing of the file was stored",
            where=dialect.path.name,
            fix="report this file to the okrlens maintainers; meanwhile check its line breaks",
        )
    return Staged(dialect=dialect, rows=rows, rejects=rejects)


def first_values(
    con: duckdb.DuckDBPyConnection, dialect: Dialect, column: str, limit: int = 1000
) -> list[str]:
    """Up to limit non-blank cells of column from the top of the file, as written."""
    con.execute(_FORGET_REJECTS)
    sql = f"SELECT {db.quote_ident(column)} AS v FROM {_SOURCE} WHERE trim(v) <> '' LIMIT $limit"  # noqa: S608
    params = _reader_params(dialect, dict.fromkeys(dialect.columns, "VARCHAR"))
    return [value for (value,) in con.execute(sql, {**params, "limit": limit}).fetchall()]


def first_rows(con: duckdb.DuckDBPyConnection, dialect: Dialect, limit: int = 1000) -> pd.DataFrame:
    """The top limit rows of the file, every column as written (blank cells as missing)."""
    con.execute(_FORGET_REJECTS)
    params = _reader_params(dialect, dict.fromkeys(dialect.columns, "VARCHAR"))
    return db.query(con, f"SELECT * FROM {_SOURCE} LIMIT $limit", {**params, "limit": limit})  # noqa: S608


def _reader_params(dialect: Dialect, columns: Mapping[str, str]) -> dict[str, object]:
    """The named parameters of _SOURCE for dialect's file read with these column types."""
    return {
        "path": str(dialect.path),
        "delim": dialect.delimiter,
        "skip": dialect.skip_rows,
        "columns": columns,
        "compression": dialect.compression,
    }


def _cell(dialect: Dialect, line: str, column: str) -> str:
    """The value of column in a raw CSV line."""
    # DuckDB's record text of a CR LF file carries the line break's other half; a record may
    # also hold newlines in quotes, so it is read as a file, not as a one-item list.
    record = io.StringIO(line.strip("\r\n"), newline="")
    fields = next(csv.reader(record, delimiter=dialect.delimiter), [])
    position = dialect.columns.index(column) if column in dialect.columns else -1
    return fields[position] if 0 <= position < len(fields) else line
