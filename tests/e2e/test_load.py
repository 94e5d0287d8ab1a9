"""The real dashboard server under concurrent sessions: bench/load.py at test size.

Eight websocket sessions browse the overview and the Key result page at once, a burst of eight
opens within two seconds, and an ingest commits while eight sessions browse. No session may fail,
and every session's next rerun after the ingest must show the ingested value. Speed is measured
by the full-size bench (README, "Load"), never asserted here: each run is awaited until its
script_finished arrives, however busy the machine; the bench's ceilings only catch a hung server.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from pipelines.workspace import Workspace
from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.slow

SESSIONS = 8
RERUNS = 3
# A hung server stops the bench here, before pytest-timeout's 600 s would stop the test.
CEILING_SECONDS = 540


@pytest.fixture(scope="module")
def report(demo_workspace: Workspace, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """bench/load.py's results at test size, serving a copy of the demo workspace."""
    results = tmp_path_factory.mktemp("load") / "load.json"
    command = [
        sys.executable,
        str(ROOT / "bench" / "load.py"),
        f"--home={demo_workspace.home}",
        f"--sessions={SESSIONS}",
        f"--reruns={RERUNS}",
        "--think=0.2",
        "--burst=8",
        "--within=2",
        "--ingest-midway",
        f"--json={results}",
    ]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=CEILING_SECONDS, check=False
    )
    assert results.exists(), f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    found: dict[str, Any] = json.loads(results.read_text())
    return found


def test_cold_first_visit_draws_both_pages(report: dict[str, Any]) -> None:
    assert report["warm_up"]["failures"] == []
    assert len(report["warm_up"]["runs"]) == 4


def test_concurrent_sessions_browse_without_failure(report: dict[str, Any]) -> None:
    steady = report["steady"]
    assert steady["failures"] == []
    assert steady["first_load"]["n"] == SESSIONS
    assert steady["rerun"]["n"] == SESSIONS * RERUNS


def test_a_burst_of_sessions_all_get_their_first_page(report: dict[str, Any]) -> None:
    burst = report["burst"]
    assert burst["failures"] == []
    assert burst["time_to_first_page"]["n"] == burst["sessions"] == 8


def test_every_session_sees_an_ingest_on_its_next_rerun(report: dict[str, Any]) -> None:
    midway = report["ingest_midway"]
    assert midway["ingest"]["returncode"] == 0, midway["ingest"]["output"]
    assert "1 rows added" in midway["ingest"]["output"]
    assert midway["failures"] == []
    # Some runs finished before the ingest started, and none of them showed the value yet, so
    # what the sessions show afterwards is the ingest's doing.
    assert midway["ingest"]["runs_done_before"] > 0
    assert midway["marked_before_ingest"] == 0
    assert midway["sessions_seeing_new_data_next_rerun"] == SESSIONS
    assert midway["post_ingest_runs_without_new_data"] == 0
