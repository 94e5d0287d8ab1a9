"""SIGKILL at random moments: a demo build, a large ingest, a run of check-in saves.

After each kill the store opens and reads whole, holds all or none of the file, and the
definition files are the old or the new version, never a mix. `make test` runs a few trials;
`OKRLENS_CRASH_TRIALS=50 .venv/bin/pytest tests/pipelines/test_crash_safety.py` is the full
run (its figures are in the README).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.okrs.spec import load_okrs
from pipelines.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
TRIALS = int(os.environ.get("OKRLENS_CRASH_TRIALS", "3"))
EVENTS = 40_000


def okrlens(*args: str) -> subprocess.Popen[str]:
    """`okrlens args` in its own process, its output captured."""
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(*args: str) -> tuple[int, str]:
    """Run `okrlens args` to the end: (exit status, stderr)."""
    process = okrlens(*args)
    _, err = process.communicate(timeout=600)
    return process.returncode, err


def killed_after(seconds: float, *args: str) -> None:
    """Start `okrlens args` and SIGKILL it after seconds (or let it end first)."""
    process = okrlens(*args)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()


def duration(*args: str) -> float:
    """How long `okrlens args` takes to finish here, now."""
    start = time.monotonic()
    code, err = finished(*args)
    assert code == 0, err
    return time.monotonic() - start


def table_counts(store: Path) -> dict[str, int]:
    """Every table's row count, read whole from a fresh read-only connection."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # type: ignore[index]
    finally:
        con.close()


def test_a_killed_demo_build_leaves_no_store_or_a_whole_one(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    full = duration("--home", str(reference), "demo", "--events", str(EVENTS))
    expected = table_counts(reference / "store.duckdb")
    rng = random.Random(7)
    outcomes = []
    for trial in range(TRIALS):
        home = tmp_path / f"trial-{trial}"
        killed_after(rng.uniform(0, full), "--home", str(home), "demo", "--events", str(EVENTS))
        store = home / "store.duckdb"
        was_whole = store.exists()
        if was_whole:  # the build had finished: whole, and demo says it is there
            assert _without_audit(table_counts(store)) == _without_audit(expected)
            code, err = finished("--home", str(home), "demo", "--events", str(EVENTS))
            assert code == 2 and "already exists" in err
        else:  # nothing half-built is in the way of building it again
            code, err = finished("--home", str(home), "demo", "--events", str(EVENTS))
            assert code == 0, err
        assert _without_audit(table_counts(store)) == _without_audit(expected)
        load_okrs(home / "okrs.yaml")
        assert not (home / ".demo-build").exists()
        outcomes.append("whole" if was_whole else "none")
    print(f"demo kills: {outcomes.count('none')} left no store, {outcomes.count('whole')} whole")


def _without_audit(counts: dict[str, int]) -> dict[str, int]:
    """Table counts but the audit log's (a rebuild adds its own events)."""
    return {k: v for k, v in counts.items() if k != "audit_log"}


@pytest.fixture
def big_export(tmp_path: Path) -> Path:
    """A product-event export of EVENTS * 5 lines, large enough to be killed mid-ingest."""
    from pipelines.sample import write_events

    path = tmp_path / "events.csv"
    write_events(path, n_events=EVENTS * 5)
    return path


def test_a_killed_ingest_stores_all_or_none_of_the_file(tmp_path: Path, big_export: Path) -> None:
    reference = tmp_path / "reference"
    Workspace(reference).init(example=True)
    full = duration("--home", str(reference), "ingest", "events", str(big_export))
    whole = table_counts(reference / "store.duckdb")["events"]
    rng = random.Random(11)
    outcomes = []
    for trial in range(TRIALS):
        home = tmp_path / f"trial-{trial}"
        Workspace(home).init(example=True)
        killed_after(rng.uniform(0, full), "--home", str(home), "ingest", "events", str(big_export))
        store = home / "store.duckdb"
        counts = table_counts(store) if store.exists() else {}
        assert counts.get("events", 0) in (0, whole)
        assert counts.get("ingests", 0) == (1 if counts.get("events") else 0)
        outcomes.append("whole" if counts.get("events") else "none")
        code, err = finished("--home", str(home), "ingest", "events", str(big_export))
        assert code == 0, err  # ingests the file, or says it is already stored
        assert table_counts(store)["events"] == whole
    print(f"ingest kills: {outcomes.count('none')} left none, {outcomes.count('whole')} whole")


SAVE_CHECKINS = """
import datetime as dt, sys
from pathlib import Path
from pipelines.okrs.edit import add_checkin
from pipelines.okrs.spec import CheckIn
from pipelines.workspace import Workspace
ws = Workspace(Path(sys.argv[1]))
for i in range(10_000):
    add_checkin(ws, "CO-1.3", CheckIn(date=dt.date(2026, 11, 1), value=0, note=f"n-{i}"))
"""


def checkin_notes(ws: Workspace) -> list[str]:
    """The notes of CO-1.3's check-ins, read by the strict reader (a torn file fails here)."""
    return [c.note for c in load_okrs(ws.okrs_path).key_result("CO-1.3")[1].checkins]


def test_a_killed_save_leaves_the_old_or_the_new_okrs_yaml(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    ws.init(example=True)
    rng = random.Random(5)
    for _ in range(max(TRIALS, 5)):
        before = checkin_notes(ws)
        process = subprocess.Popen(
            [sys.executable, "-c", SAVE_CHECKINS, str(ws.home)], cwd=ROOT, stderr=subprocess.PIPE
        )
        time.sleep(rng.uniform(0.5, 4.0))  # a random moment to kill at, not a wait for readiness
        process.send_signal(signal.SIGKILL)
        process.wait()
        after = checkin_notes(ws)
        # Every save before the kill is there, whole and in order; the one it cut is not.
        assert after[: len(before)] == before
        assert after[len(before) :] == [f"n-{i}" for i in range(len(after) - len(before))]
