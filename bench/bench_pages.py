"""Dashboard rerun cost against data volume: the overview must not slow down with more events.

Builds demo workspaces with --small and --large generated events, opens every page with
Streamlit's AppTest, and reports the first (cold: metrics computed) and the median warm
rerun per page and volume, plus the large/small ratio of warm reruns. Results go to
bench/results/pages.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.navigation import PAGES
from pipelines.demo import build_demo
from pipelines.workspace import Workspace

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
RESULTS = Path(__file__).with_name("results")


def cold_caches() -> None:
    """Empty every dashboard cache (the snapshot on disk stays: it is what a commit publishes)."""
    st.cache_data.clear()
    st.cache_resource.clear()


def page_timings(home: Path, page: str, warm_runs: int) -> tuple[float, float]:
    """(cold seconds, median warm seconds) of one page on the workspace at home."""
    os.environ["OKRLENS_HOME"] = str(home)
    cold_caches()
    at = AppTest.from_file(APP, default_timeout=300)
    if page != PAGES[0].file:
        at.run()
        at.switch_page(f"app_pages/{page}")
        cold_caches()
    at.query_params["as_of"] = "2026-11-23"
    start = time.perf_counter()
    at.run()
    cold = time.perf_counter() - start
    assert not at.exception, at.exception
    warm = []
    for _ in range(warm_runs):
        start = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - start)
    return cold, statistics.median(warm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=10_000_000)
    parser.add_argument("--warm-runs", type=int, default=7)
    args = parser.parse_args()
    report: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, events in (("small", args.small), ("large", args.large)):
            home = Path(tmp) / label
            build_demo(Workspace(home), n_events=events, progress=lambda _: None)
            report[f"{label}_{events}"] = {
                spec.url_path: dict(
                    zip(
                        ("cold_s", "warm_s"),
                        page_timings(home, spec.file, args.warm_runs),
                        strict=True,
                    )
                )
                for spec in PAGES
            }
    small, large = report.values()
    summary = {
        "pages": report,
        "warm_large_over_small": {
            page: round(large[page]["warm_s"] / small[page]["warm_s"], 2) for page in small
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pages.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
