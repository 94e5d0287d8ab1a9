"""The dashboard server: `streamlit run`, with the libraries every page needs imported first.

Streamlit imports a page's modules during its first script run, so whoever opens the dashboard
first after a start waits for pandas, DuckDB, Altair, pydantic, sqlglot and the pipelines to
import (~2.5 s on a 2-core machine, `python -X importtime`) before anything is drawn. Imported
here, before the server listens, that cost moves to start-up, where `okrlens run` and a
supervisor's health check wait anyway. Once the server runs, a background thread imports the
dashboard's own modules (they declare Streamlit caches, which need the running server) and
computes today's overview into those caches (dashboard.data.warm), so the first visitor's page
paints like the next one's (bench/bench_paint.py measures both).

Usage: python -m dashboard.serve run dashboard/app.py [streamlit options]
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import time

# What every page imports on its first run, heaviest first (pipelines.service brings pandas,
# DuckDB, pydantic and sqlglot).
LIBRARIES = ("pipelines.service", "altair")
POLL_SECONDS = 0.05


def _warm_when_running() -> None:
    """Once Streamlit's runtime exists, compute the first visitor's overview into its caches."""
    from streamlit import runtime

    while not runtime.exists():
        time.sleep(POLL_SECONDS)  # the runtime appears within a second of start-up
    try:
        from dashboard import data

        data.warm()
    except Exception:  # a failed warm-up costs the first visitor time, nothing else
        logging.getLogger(__name__).exception("warming the overview failed; pages compute it")


def main() -> None:
    """Import LIBRARIES, start the warm-up, then hand over to Streamlit's `streamlit` command."""
    for name in LIBRARIES:
        importlib.import_module(name)
    threading.Thread(target=_warm_when_running, name="okrlens-warm", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
