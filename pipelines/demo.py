"""The demo workspace: the sample scenario's definitions and exports, ingested like a user would."""

from __future__ import annotations

import shutil
from collections.abc import Callable

from pipelines.errors import OkrlensError
from pipelines.ingest.events import ingest_events
from pipelines.ingest.kpis import ingest_kpis
from pipelines.ingest.ledger import IngestReport
from pipelines.sample import SAMPLE_DIR, write_events
from pipelines.workspace import Workspace


def build_demo(
    workspace: Workspace,
    *,
    n_events: int | None = None,
    force: bool = False,
    progress: Callable[[str], object] = print,
) -> list[IngestReport]:
    """Fill workspace with the sample scenario; n_events generates a larger event log instead."""
    if workspace.store_path.exists() and not force:
        raise OkrlensError(
            f"a workspace with data already exists at {workspace.home}",
            where=str(workspace.home),
            fix="pass --force to rebuild it, or choose another folder with --home",
        )
    workspace.home.mkdir(parents=True, exist_ok=True)
    for stale in (workspace.store_path, workspace.store_path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    for name in ("metrics.yaml", "okrs.yaml"):
        shutil.copyfile(SAMPLE_DIR / name, workspace.home / name)
    events = SAMPLE_DIR / "events.csv.gz"
    if n_events is not None:
        events = workspace.home / "generated" / "events.csv"
        events.parent.mkdir(exist_ok=True)
        progress(f"generating {n_events:,} events into {events} ...")
        write_events(events, n_events=n_events)
    reports = []
    with workspace.writing() as con:
        progress(f"ingesting {events.name} ...")
        reports.append(ingest_events(con, events))
        for export in sorted((SAMPLE_DIR / "kpis").glob("*.csv")):
            reports.append(ingest_kpis(con, export))
    return reports
