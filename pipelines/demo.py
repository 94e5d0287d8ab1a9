"""The demo workspace: the sample scenario's definitions and exports, ingested like a user would.

It is built beside the workspace (in `.demo-build/`) and moved into place only when complete,
the store last, under the workspace's write lock: a build killed at any moment leaves either
no demo store (and `okrlens demo` builds it again) or a complete one, never a half-built store
that `okrlens demo` would refuse to replace.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

from pipelines import db
from pipelines.errors import OkrlensError
from pipelines.ingest.events import ingest_events
from pipelines.ingest.kpis import ingest_kpis
from pipelines.ingest.ledger import IngestReport
from pipelines.sample import SAMPLE_DIR, write_events
from pipelines.snapshot import FOLDER
from pipelines.workspace import DEFINITION_FILES, Workspace, remove_tree

BUILD_FOLDER = ".demo-build"


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
    staging = Workspace(workspace.home / BUILD_FOLDER)
    remove_tree(staging.home)  # what a killed build left
    staging.home.mkdir(parents=True)
    for name in DEFINITION_FILES:
        if (SAMPLE_DIR / name).exists():
            shutil.copyfile(SAMPLE_DIR / name, staging.home / name)
    events = SAMPLE_DIR / "events.csv.gz"
    if n_events is not None:
        events = staging.home / "generated" / "events.csv"
        events.parent.mkdir()
        progress(f"generating {n_events:,} events into {events} ...")
        write_events(events, n_events=n_events)
    reports = []
    with staging.writing() as con:
        progress(f"ingesting {events.name} ...")
        reports.append(ingest_events(con, events))
        for export in sorted((SAMPLE_DIR / "kpis").glob("*.csv")):
            reports.append(ingest_kpis(con, export))
    _move_into_place(staging, workspace)
    return reports


def _move_into_place(staging: Workspace, workspace: Workspace) -> None:
    """Replace workspace's definitions, snapshots and store with staging's, the store last."""
    with db.lock_file(workspace.store_path, exclusive=True):
        for name in DEFINITION_FILES:
            if (staging.home / name).exists():
                os.replace(staging.home / name, workspace.home / name)
            else:  # the demo has none: a rebuild must not keep the old workspace's
                (workspace.home / name).unlink(missing_ok=True)
        remove_tree(workspace.home / FOLDER)
        os.replace(staging.home / FOLDER, workspace.home / FOLDER)
        workspace.store_path.with_suffix(".duckdb.wal").unlink(missing_ok=True)
        os.replace(staging.store_path, workspace.store_path)
    shutil.rmtree(staging.home)
