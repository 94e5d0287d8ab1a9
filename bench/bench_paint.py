"""First paint of the overview in a real browser: what a leader waits for after opening the link.

Serves a demo workspace with each server command side by side, `streamlit run` and
`python -m dashboard.serve run` (okrlens run's, which imports the libraries before it
listens), --trials fresh servers each, alternating, and opens the overview in Debian's Chromium
at 1280×720, as a leader opens the link (no parameters: today, the current period): once on
the fresh server (cold: the first visitor after a start) and once more (warm). Per open it records, from the navigation:

- connected: Streamlit's frontend loaded and its websocket up (the same for every command: a
  static bundle okrlens does not control);
- numbers: the title and the table of bands drawn (the first paint of what a leader reads);
- forecasts: the headings filled in and the script finished.

Reports the medians and, per phase, serve/streamlit as a ratio. JSON to bench/results/paint.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Browser, expect, sync_playwright

from bench import serving
from pipelines.demo import build_demo
from pipelines.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results")
CEILING_MS = 300_000  # a page that never paints fails the bench rather than hanging it
FLAGS = [
    "--server.headless=true",
    "--server.address=127.0.0.1",
    "--server.fileWatcherType=none",
    "--browser.gatherUsageStats=false",
]
COMMANDS = {
    "streamlit": [sys.executable, "-m", "streamlit", "run", "dashboard/app.py"],
    "serve": [sys.executable, "-m", "dashboard.serve", "run", "dashboard/app.py"],
}
PHASES = ("connected", "numbers", "forecasts")


def opened(browser: Browser, url: str) -> dict[str, float]:
    """Seconds from navigating to url until each phase of the overview."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    start = time.monotonic()
    page.goto(url, timeout=CEILING_MS)
    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=CEILING_MS)
    connected = time.monotonic() - start
    expect(page.get_by_role("columnheader", name="Heading for")).to_be_visible(timeout=CEILING_MS)
    numbers = time.monotonic() - start
    expect(page.get_by_text("forecasting…")).to_have_count(0, timeout=CEILING_MS)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=CEILING_MS)
    forecasts = time.monotonic() - start
    page.close()
    return dict(zip(PHASES, (connected, numbers, forecasts), strict=True))


def trial(
    browser: Browser, command: list[str], home: Path, log: Path
) -> dict[str, dict[str, float]]:
    """A cold and a warm open of the overview on a fresh server started by command."""
    port = serving.unused_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "OKRLENS_HOME": str(home)}
    full = [*command, *FLAGS, f"--server.port={port}"]
    with serving.running_server(full, base, log, cwd=ROOT, env=env):
        url = f"{base}/"  # as a leader opens it: today, the current period
        return {"cold": opened(browser, url), "warm": opened(browser, url)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    args = parser.parse_args()
    runs: dict[str, list[dict[str, dict[str, float]]]] = {name: [] for name in COMMANDS}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        home = Path(tmp) / "demo"
        build_demo(Workspace(home), progress=lambda _: None)
        browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        for _ in range(args.trials):
            for name, command in COMMANDS.items():  # alternating, so load drifts hit both
                runs[name].append(trial(browser, command, home, Path(tmp) / f"{name}.log"))
        browser.close()
    medians = {
        name: {
            visit: {
                phase: round(statistics.median(r[visit][phase] for r in found), 2)
                for phase in PHASES
            }
            for visit in ("cold", "warm")
        }
        for name, found in runs.items()
    }
    summary = {
        "trials": args.trials,
        "median_s": medians,
        # What okrlens controls: from the websocket up to the numbers on screen.
        "cold_after_connect_s": {
            name: round(m["cold"]["numbers"] - m["cold"]["connected"], 2)
            for name, m in medians.items()
        },
        "serve_over_streamlit": {
            f"{visit}_{phase}": round(
                medians["serve"][visit][phase] / medians["streamlit"][visit][phase], 2
            )
            for visit in ("cold", "warm")
            for phase in PHASES
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "paint.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
