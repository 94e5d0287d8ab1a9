"""Ingest speed side by side: okrlens vs bare DuckDB vs a pandas-only script, on one file.

Run with `make bench` (or `python bench/bench_ingest.py --events 2000000`). Prints the seconds
of each contender and okrlens' ratio to each, and writes them to bench/results/ingest.json.
Each contender runs on a fresh in-memory store in this one process, best of --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import db
from pipelines.ingest.events import ingest_events
from pipelines.sample import write_events

RESULTS = Path(__file__).with_name("results")


def bare_duckdb(path: Path) -> int:
    """DuckDB's own CSV reader, auto-detecting everything, into a table: the speed to approach."""
    con = duckdb.connect(":memory:")
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(path)])
    rows = con.execute("SELECT count(*) FROM t").fetchone()
    con.close()
    return int(rows[0]) if rows else 0


def okrlens_ingest(path: Path) -> int:
    """okrlens: explicit dialect, rejects kept, validation, dedupe, ledger, one transaction."""
    con = db.connect(":memory:")
    report = ingest_events(con, path, user="bench")
    con.close()
    return report.rows_added


def pandas_only(path: Path) -> int:
    """What a hand-written pandas script does: read, parse timestamps, drop exact duplicates."""
    frame = pd.read_csv(path, dtype=str)
    frame["event_time"] = pd.to_datetime(frame["event_time"], utc=True)
    return len(frame.drop_duplicates())


def best_seconds(run: Callable[[Path], int], path: Path, repeat: int) -> tuple[float, int]:
    """The fastest of repeat runs of run(path), with the rows it reported."""
    timings, rows = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        rows = run(path)
        timings.append(time.perf_counter() - start)
    return min(timings), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.csv"
        write_events(path, n_events=args.events)
        size_mb = path.stat().st_size / 1e6
        contenders = {
            "bare_duckdb": bare_duckdb,
            "okrlens": okrlens_ingest,
            "pandas_only": pandas_only,
        }
        results = {name: best_seconds(run, path, args.repeat) for name, run in contenders.items()}
    okrlens_s = results["okrlens"][0]
    report = {
        "events": results["okrlens"][1],
        "file_mb": round(size_mb, 1),
        "seconds": {name: round(s, 3) for name, (s, _) in results.items()},
        "okrlens_vs_bare_duckdb": round(okrlens_s / results["bare_duckdb"][0], 2),
        "okrlens_vs_pandas_only": round(okrlens_s / results["pandas_only"][0], 2),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ingest.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
