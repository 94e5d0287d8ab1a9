"""Reading a CSV file into a staging table with DuckDB, keeping every structural reject.

The file is read as text (all columns VARCHAR, explicit names, no sniffing) with
`store_rejects`, never `ignore_errors`: ragged or unparseable lines are recorded with their line
numbers. Typing and validation happen afterwards in SQL, on the staged rows.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import db
from pipelines.ingest.dialect import Dialect

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

    def all_rejects(self, problems: pd.DataFrame) -> pd.DataFrame:
        """Structural rejects plus problems (rn, column_name, value, reason), by physical line."""
        cells = pd.DataFrame(
            {
                "line": self.line_of(problems["rn"]),
                "column_name": problems["column_name"].astype("object"),
                "value": problems["value"].astype("object"),
                "reason": problems["reason"].astype("object"),
            },
            columns=REJECT_COLUMNS,
        )
        frames = [f for f in (self.rejects, cells) if not f.empty]
        if not frames:
            return pd.DataFrame(columns=REJECT_COLUMNS)
        merged = pd.concat(frames, ignore_index=True)
        return merged.sort_values("line", kind="stable", ignore_index=True)


def file_sha256(path: Path) -> str:
    """The hex sha256 of the file's bytes, as stored (compressed files hash their compressed bytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_READ = """
CREATE OR REPLACE TEMP TABLE staged AS
SELECT row_number() OVER () AS rn, *
FROM read_csv(
    $path, header = true, auto_detect = false, delim = $delim, quote = '"', escape = '"',
    skip = $skip, columns = $columns, compression = $compression, store_rejects = true,
    max_line_size = 2097152
)
"""

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


def stage(con: duckdb.DuckDBPyConnection, dialect: Dialect) -> Staged:
    """The file read into the temp table `staged` on con, with its structural rejects."""
    columns = {name: "VARCHAR" for name in dialect.columns}
    con.execute(
        _READ,
        {
            "path": str(dialect.path),
            "delim": dialect.delimiter,
            "skip": dialect.skip_rows,
            "columns": columns,
            "compression": dialect.compression,
        },
    )
    raw = db.query(con, _LATEST_REJECTS)
    expected = len(dialect.columns)
    rejects = pd.DataFrame(
        {
            "line": raw["line"].astype("int64"),
            "column_name": raw["column_name"].astype("object"),
            "value": raw["value"].astype("object"),
            "reason": [
                f"{_REASONS.get(kind, kind.lower())} (expected {expected} fields)"
                if "COLUMNS" in kind
                else _REASONS.get(kind, message)
                for kind, message in zip(raw["error_type"], raw["error_message"], strict=True)
            ],
        },
        columns=REJECT_COLUMNS,
    )
    rows = int(db.scalar(con, "SELECT count(*) FROM staged"))
    return Staged(dialect=dialect, rows=rows, rejects=rejects)
