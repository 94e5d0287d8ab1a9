"""The store as a shared service: readers that cannot write, writers that wait their turn,
snapshots that show one committed state whole, and a data version that moves only on commits."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from pipelines import db
from pipelines.errors import OkrlensError
from pipelines.ingest.kpis import ingest_kpis
from pipelines.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
WEEKS = 12


def mrr_export(folder: Path, week: int) -> Path:
    """A one-row KPI export: MRR of week `week` (1-based) is 1000 × week."""
    day = dt.date(2026, 1, 5) + dt.timedelta(weeks=week - 1)
    path = folder / f"mrr-week-{week:02d}.csv"
    path.write_text(f"date,metric,value\n{day},mrr,{1000 * week}\n")
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """An empty workspace with the example definitions (mrr comes from KPI exports)."""
    ws = Workspace(tmp_path / "ws")
    ws.init(example=True)
    return ws


def mrr_weeks(ws: Workspace) -> list[float]:
    """The MRR values of the current snapshot, oldest first."""
    series = ws.series()
    return series[series["metric"] == "mrr"]["value"].tolist()


def committed_states(weeks: int) -> set[tuple[float, ...]]:
    """Every state a reader may see while weeks one-row exports are committed in order."""
    return {tuple(1000.0 * w for w in range(1, k + 1)) for k in range(weeks + 1)}


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("INSERT INTO kpi_rows VALUES ('2026-01-05', 'mrr', '', 1, 1)", "read-only"),
        ("UPDATE kpi_rows SET value = 1", "read-only"),
        ("DROP TABLE events", "read-only"),
        ("COPY (SELECT 1) TO '{tmp}/leak.csv'", "file system operations are disabled"),
        ("SELECT * FROM read_text('/etc/hostname')", "file system operations are disabled"),
        ("ATTACH '{tmp}/other.duckdb'", "file system operations are disabled"),
        ("SET enable_external_access = true", "Cannot change configuration"),
        ("SET lock_configuration = false", "Cannot change configuration"),
    ],
)
def test_a_reader_connection_can_neither_write_nor_reach_files(
    workspace: Workspace, tmp_path: Path, statement: str, refusal: str
) -> None:
    with workspace.writing() as con:
        ingest_kpis(con, mrr_export(tmp_path, 1))
    with workspace.reading() as con, pytest.raises(duckdb.Error, match=refusal):
        con.execute(statement.format(tmp=tmp_path))
    assert not (tmp_path / "leak.csv").exists()
    assert mrr_weeks(workspace) == [1000.0]


def test_a_reader_of_a_workspace_without_a_store_sees_an_empty_one(workspace: Workspace) -> None:
    with workspace.reading() as con:
        assert db.scalar(con, "SELECT count(*) FROM events") == 0
    assert not workspace.store_path.exists()
    assert mrr_weeks(workspace) == []


def test_a_hostile_metric_filter_in_metrics_yaml_runs_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    with workspace.writing() as con:
        ingest_kpis(con, mrr_export(tmp_path, 1))
    leak = tmp_path / "pwned.txt"
    payload = (
        f"CAST(value AS \"INTEGRAL) = 1) GROUP BY 1) SELECT 1; COPY (SELECT 1) TO '{leak}'; "
        'UPDATE kpi_rows SET value = 1; WITH agg AS (SELECT ((1") = 1'
    )
    text = workspace.metrics_path.read_text()
    workspace.metrics_path.write_text(
        text.replace(
            "    source: kpis\n", f"    source: kpis\n    filter: {json.dumps(payload)}\n", 1
        )
    )
    # The metric is left out, saying why; nothing of the payload runs.
    left_out = {b.id: b for b in workspace.definitions().broken if b.kind == "metric"}
    assert "may not use" in left_out["mrr"].problem
    assert "mrr" not in set(workspace.series()["metric"])
    assert not leak.exists()
    with workspace.reading() as con:
        assert db.scalar(con, "SELECT value FROM kpi_rows") == 1000.0


def test_the_data_version_moves_on_commits_and_definition_edits_only(
    workspace: Workspace, tmp_path: Path
) -> None:
    empty = workspace.data_version()
    export = mrr_export(tmp_path, 1)
    with workspace.writing() as con:
        ingest_kpis(con, export, dry_run=True)
    assert workspace.data_version() == empty, "a dry run committed nothing"
    with workspace.writing() as con:
        ingest_kpis(con, export)
    one = workspace.data_version()
    assert one != empty
    with workspace.writing() as con:
        report = ingest_kpis(con, export)
    assert report.already_ingested_at is not None
    assert workspace.data_version() == one, "the same file again committed nothing"
    workspace.okrs_path.write_text(workspace.okrs_path.read_text() + "\n# a comment\n")
    assert workspace.data_version() not in {empty, one}


def test_a_rebuilt_store_never_shares_a_version_with_the_old_one(
    workspace: Workspace, tmp_path: Path
) -> None:
    with workspace.writing() as con:
        ingest_kpis(con, mrr_export(tmp_path, 1))
    old = workspace.data_version()
    workspace.store_path.unlink()
    with workspace.writing() as con:
        ingest_kpis(con, mrr_export(tmp_path, 2))
    assert workspace.data_version() != old
    assert mrr_weeks(workspace) == [2000.0]


def test_the_same_file_from_two_sessions_at_once_is_stored_once(
    workspace: Workspace, tmp_path: Path
) -> None:
    export = mrr_export(tmp_path, 1)
    barrier = threading.Barrier(4)

    def upload(_: int) -> bool:
        barrier.wait()
        with workspace.writing() as con:
            return ingest_kpis(con, export).committed

    with ThreadPoolExecutor(4) as pool:
        committed = list(pool.map(upload, range(4)))
    assert committed.count(True) == 1
    with workspace.reading() as con:
        assert db.scalar(con, "SELECT count(*) FROM ingests") == 1
        assert db.scalar(con, "SELECT count(*) FROM kpi_rows") == 1


def test_the_store_refuses_a_second_ledger_row_for_one_file(workspace: Workspace) -> None:
    row = (
        "(ingest_id, kind, file_name, sha256, shape, dialect, rows_read, rows_added, "
        "rows_duplicate, rows_revised, rows_rejected, ingested_at, ingested_by) "
        "VALUES (?, 'kpis', 'f.csv', 'abc', 'long', '', 1, 1, 0, 0, 0, now()::TIMESTAMP, 'me')"
    )
    with workspace.writing() as con:
        con.execute(f"INSERT INTO ingests {row}", [1])
        with pytest.raises(duckdb.ConstraintException):
            con.execute(f"INSERT INTO ingests {row}", [2])


def test_many_threads_open_readers_while_a_writer_commits(
    workspace: Workspace, tmp_path: Path
) -> None:
    seen: list[tuple[float, ...]] = []
    failures: list[BaseException] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                seen.append(tuple(mrr_weeks(workspace)))
                with workspace.reading() as con:
                    db.scalar(con, "SELECT count(*) FROM kpi_rows")
            except BaseException as exc:  # every failure is the test's business
                failures.append(exc)

    readers = [threading.Thread(target=read) for _ in range(8)]
    for thread in readers:
        thread.start()
    for week in range(1, WEEKS + 1):
        with workspace.writing() as con:
            ingest_kpis(con, mrr_export(tmp_path, week))
    done.set()
    for thread in readers:
        thread.join()
    assert failures == []
    assert len(seen) >= len(readers)
    assert set(seen) <= committed_states(WEEKS)
    assert mrr_weeks(workspace) == [1000.0 * w for w in range(1, WEEKS + 1)]


READER = """
import json, sys
from pathlib import Path
from pipelines.workspace import Workspace
ws = Workspace(Path(sys.argv[1]))
seen, failures = set(), []
stop = Path(sys.argv[2])
while not stop.exists() or not seen:
    try:
        series = ws.series()
        seen.add(tuple(series[series["metric"] == "mrr"]["value"].tolist()))
        with ws.reading() as con:
            con.execute("SELECT count(*) FROM kpi_rows").fetchone()
    except BaseException as exc:
        failures.append(f"{type(exc).__name__}: {exc}")
print(json.dumps({"seen": sorted(seen), "failures": failures[:5]}))
"""


def test_reader_processes_never_fail_while_another_process_commits(
    workspace: Workspace, tmp_path: Path
) -> None:
    stop = tmp_path / "stop"
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(workspace.home), str(stop)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    exports = [str(mrr_export(tmp_path, week)) for week in range(1, WEEKS + 1)]
    for export in exports:  # one process per commit, like a cron job
        ingest = _okrlens("--home", str(workspace.home), "ingest", "kpis", export)
        assert ingest.returncode == 0, ingest.stderr
    stop.touch()
    for reader in readers:
        out, err = reader.communicate(timeout=120)
        assert reader.returncode == 0, err
        result = json.loads(out)
        assert result["failures"] == []
        assert {tuple(s) for s in result["seen"]} <= committed_states(WEEKS)


def _okrlens(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the okrlens CLI in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
        check=False,
    )


def hold_store(ws: Workspace, released: threading.Event, held: threading.Event) -> None:
    """Hold the store as a writer until released is set."""
    with ws.writing():
        held.set()
        released.wait(timeout=120)


@pytest.mark.parametrize(
    ("wait", "release_after_notice", "code", "said"),
    [
        pytest.param("0.3", False, 2, "the store is busy", id="gives-up-after-the-wait"),
        pytest.param("120", True, 0, "waiting up to 120 s", id="waits-then-succeeds"),
    ],
)
def test_a_cli_ingest_into_a_busy_store_waits_a_bounded_time_saying_so(
    workspace: Workspace,
    tmp_path: Path,
    wait: str,
    release_after_notice: bool,
    code: int,
    said: str,
) -> None:
    released, held = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_store, args=(workspace, released, held))
    holder.start()
    held.wait(timeout=30)
    command = [sys.executable, "-m", "cli", "--home", str(workspace.home)]
    command += ["ingest", "kpis", str(mrr_export(tmp_path, 1))]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "OKRLENS_STORE_WAIT": wait},
    )
    try:
        if release_after_notice:
            assert process.stderr is not None
            notice = process.stderr.readline()  # blocks until the CLI says it is waiting
            assert said in notice
            released.set()
        out, err = process.communicate(timeout=120)
    finally:
        released.set()
        holder.join()
    assert process.returncode == code, err
    assert "Traceback" not in err
    if not release_after_notice:
        assert said in err
        assert mrr_weeks(workspace) == []
    else:
        assert "1 rows added" in out
        assert mrr_weeks(workspace) == [1000.0]


OLD_SCHEMA_INGEST = (
    "INSERT INTO ingests VALUES (nextval('ingest_ids'), 'kpis', 'old.csv', 'abc', 'long', '', 1, 1, 0, 0, 0, "
    "now()::TIMESTAMP, 'me'); INSERT INTO kpi_rows VALUES ('2026-01-05', 'mrr', '', 500, 1)"
)


def make_old_store(ws: Workspace) -> None:
    """A store as okrlens wrote it before schema versions existed (version 1)."""
    con = duckdb.connect(str(ws.store_path))
    con.execute(db.MIGRATIONS[0])
    con.execute(OLD_SCHEMA_INGEST)
    con.close()


def test_a_reader_connection_never_migrates_an_old_store(workspace: Workspace) -> None:
    make_old_store(workspace)
    with (
        pytest.raises(OkrlensError, match="needs upgrading"),
        db.lock_file(workspace.store_path, exclusive=False),
    ):
        db.connect_reader(workspace.store_path)
    con = duckdb.connect(str(workspace.store_path), read_only=True)
    assert db.schema_version(con) == 1
    con.close()


def test_reading_an_old_store_upgrades_it_through_the_writer_and_keeps_its_data(
    workspace: Workspace,
) -> None:
    make_old_store(workspace)
    with workspace.reading() as con:
        assert db.schema_version(con) == db.SCHEMA_VERSION
        assert db.scalar(con, "SELECT value FROM kpi_rows") == 500
    assert mrr_weeks(workspace) == [500.0]


def test_a_writer_migrates_an_old_store_once_and_keeps_its_data(
    workspace: Workspace, tmp_path: Path
) -> None:
    make_old_store(workspace)
    with workspace.writing() as con:
        assert db.schema_version(con) == db.SCHEMA_VERSION
        ingest_kpis(con, mrr_export(tmp_path, 2))
    with workspace.writing() as con:
        assert db.scalar(con, "SELECT count(*) FROM schema_version") == db.SCHEMA_VERSION - 1
        assert db.scalar(con, "SELECT count(*) FROM commits") == 2
    assert mrr_weeks(workspace) == [500.0, 2000.0]


def test_readers_opening_at_once_never_conflict(workspace: Workspace, tmp_path: Path) -> None:
    with workspace.writing() as con:
        ingest_kpis(con, mrr_export(tmp_path, 1))

    def open_and_read(_: int) -> int:
        with workspace.reading() as con:
            return int(db.scalar(con, "SELECT count(*) FROM kpi_rows"))

    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(open_and_read, range(320)))
    assert counts == [1] * 320
