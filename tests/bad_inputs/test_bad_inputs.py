"""Every file of the bad-input corpus, through the CLI and the Upload page, meets its fate.

Accepted files store exactly their rows; refused ones say what and where in one paragraph and
leave the store as it was; nothing ever shows a traceback or an internal error; the largest
files are read in bounded memory. A Hypothesis test adds random malformed CSVs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from dashboard.navigation import PAGES_DIR
from pipelines import db
from pipelines.errors import OkrlensError
from pipelines.ingest.kpis import ingest_kpis
from pipelines.workspace import Workspace
from tests.bad_inputs.corpus import CASES, Case
from tests.cli.test_cli import okrlens

ROOT = Path(__file__).resolve().parents[2]
BY_NAME = {case.name: case for case in CASES}
FILES_ONLY = {"fifo", "symlink-to-dev-zero", "symlink-to-a-file"}  # no browser can upload these
# The CLI's cap on decompressed size, lowered so the gzip bomb is refused quickly.
TEST_CAP = str(100_000_000)
# Run argv and print the child's peak resident memory (kB) as the last line of stdout.
MEASURED = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def stored_rows(ws: Workspace) -> tuple[int, int]:
    """(events, KPI values) in the workspace's store."""
    if not ws.store_path.exists():
        return 0, 0
    with ws.reading() as con:
        return (
            int(db.scalar(con, "SELECT count(*) FROM events")),
            int(db.scalar(con, "SELECT count(*) FROM kpi_rows")),
        )


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    """An empty workspace with the example definitions."""
    monkeypatch.setenv("OKRLENS_MAX_FILE_BYTES", TEST_CAP)
    ws = Workspace(tmp_path / "ws")
    ws.init(example=True)
    return ws


def test_the_corpus_covers_the_catalogue() -> None:
    assert len(CASES) >= 40
    assert len(BY_NAME) == len(CASES), "case names are unique"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_cli_stores_or_refuses_each_file_as_documented(
    case: Case, workspace: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = case.make(tmp_path)
    code, out, err = okrlens(capsys, "--home", str(workspace.home), "ingest", case.kind, str(path))
    assert "Traceback" not in err and "internal error" not in err
    events, kpis = stored_rows(workspace)
    if case.expect is None:
        assert code == 0, err
        assert (events if case.kind == "events" else kpis) == case.stored, out
    else:
        assert code == 2, out
        assert case.expect in err
        assert (events, kpis) == (0, 0), "a refused file stores nothing"


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.name not in FILES_ONLY], ids=lambda c: c.name
)
def test_the_upload_page_explains_each_file_without_storing_it(
    case: Case, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKRLENS_HOME", str(workspace.home))
    ws = workspace
    before = stored_rows(ws)
    payload = case.make(tmp_path).read_bytes()
    at = AppTest.from_file(str(PAGES_DIR / "upload_page.py"), default_timeout=120).run()
    at.file_uploader(key="uploads").set_value((f"{case.name}.csv", payload, "text/csv")).run()
    assert not at.exception
    shown = " ".join(str(e.value) for e in (*at.error, *at.warning, *at.markdown, *at.info))
    assert "internal error" not in shown
    if case.expect is None:
        assert f"Ingesting will add **{case.stored:,}** rows" in shown or "already" in shown
    else:
        # A refusal of the whole file is an error; bad lines are listed as rejects instead.
        assert at.error or "cannot be read and will not be stored" in shown
    assert stored_rows(ws) == before, "nothing is stored before Ingest"


@pytest.mark.parametrize("name", ["gzip-bomb", "line-50-mb", "columns-100000", "line-3-mb"])
def test_the_largest_files_are_refused_in_bounded_memory(name: str, tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    ws.init(example=True)
    path = BY_NAME[name].make(tmp_path)
    # Measured by a small launcher: a child forked from pytest itself would count pytest's pages.
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, sys.executable, "-m", "cli", "--home", str(ws.home),
         "ingest", "kpis", str(path)],
        cwd=ROOT,
        env={**os.environ, "OKRLENS_MAX_FILE_BYTES": TEST_CAP},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    peak_kb = int(done.stdout.split()[-1])
    assert peak_kb < 600_000, f"peak {peak_kb / 1000:.0f} MB"


CSV_ALPHABET = st.sampled_from(
    [",", ";", '"', "\n", "\r\n", "\r", " ", "\t", "2026-11-02", "11/02/26", "signups", "MRR",
     "12", "-3,5", "1e9", "x", "é", "NaN", "", "#", "=1+1"]
)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.lists(CSV_ALPHABET, min_size=1, max_size=60).map("".join))
def test_random_malformed_kpi_files_are_stored_or_refused_never_lost(
    body: str, tmp_path: Path
) -> None:
    path = tmp_path / "random.csv"
    path.write_text("date,metric,value\n" + body, encoding="utf-8")
    con = db.connect()
    try:
        try:
            report = ingest_kpis(con, path, allow_rejects=True)
        except OkrlensError as exc:
            assert exc.message()  # a refusal says what was wrong
            assert db.scalar(con, "SELECT count(*) FROM kpi_rows") == 0
            return
        stored = db.scalar(con, "SELECT count(*) FROM kpi_rows")
        assert stored == report.rows_added
        assert report.rows_added + report.rows_duplicate + report.rows_revised == report.rows_read
    except duckdb.Error as exc:  # pragma: no cover - the failure this test exists to find
        pytest.fail(f"DuckDB error reached the caller: {exc}")
    finally:
        con.close()


def test_a_file_still_being_written_is_refused_and_nothing_of_it_stored(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "growing.csv"
    line = "2026-11-02 10:00:00,u{},signed_up\n"
    path.write_text(
        "event_time,user_id,event_name\n" + "".join(line.format(i) for i in range(200_000))
    )
    stop = threading.Event()

    def grow() -> None:
        """Append lines, as an export tool still writing the file would."""
        with path.open("a") as out:
            i = 200_000
            while not stop.is_set():
                out.write(line.format(i))
                out.flush()
                i += 1

    writer = threading.Thread(target=grow)
    writer.start()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "cli", "--home", str(workspace.home), "ingest", "events", path],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        stop.set()
        writer.join()
    assert done.returncode == 2  # a refused input, as for every other refusal
    assert "growing.csv changed while it was being read" in done.stderr
    assert "Ingest it again once the tool writing it has finished." in done.stderr
    assert stored_rows(workspace) == (0, 0)
    assert not list((workspace.home / "raw").glob("*")), "no kept copy of a refused file"


def test_a_large_upload_is_previewed_from_its_head_and_ingested_whole(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKRLENS_HOME", str(workspace.home))
    lines = 700_000  # about 25 MB, past the 20 MB a preview reads
    body = "event_time,user_id,event_name\n" + "".join(
        f"2026-11-02 10:00:00,u{i},signed_up\n" for i in range(lines)
    )
    at = AppTest.from_file(str(PAGES_DIR / "upload_page.py"), default_timeout=300).run()
    at.file_uploader(key="uploads").set_value(("big.csv", body.encode(), "text/csv")).run()
    assert not at.exception
    shown = " ".join(str(e.value) for e in (*at.info, *at.markdown))
    assert "This preview read the first 20 MB of the file" in shown
    previewed = int(shown.split("ingesting would add **")[1].split("**")[0].replace(",", ""))
    assert 0 < previewed < lines
    assert stored_rows(workspace) == (0, 0)
    ingest = next(str(b.key) for b in at.button if str(b.key).endswith("_ingest"))
    at.button(key=ingest).click().run()
    assert not at.exception
    assert stored_rows(workspace)[0] == lines
