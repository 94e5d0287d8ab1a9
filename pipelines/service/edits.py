"""Every change a person can make, in one place: ingests, uploads, definitions, the demo.

Pages and commands change data only through these functions, so the checks that guard a change
(who may make it, what it may contain) have one home, and the store is written the one way the
connection model allows (`Workspace.writing`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pipelines import db
from pipelines.demo import build_demo
from pipelines.ingest.columns import looks_like_events
from pipelines.ingest.dialect import slug, sniff
from pipelines.ingest.events import ingest_events
from pipelines.ingest.kpis import KpiOptions, ingest_kpis
from pipelines.ingest.ledger import IngestReport
from pipelines.okrs.edit import add_checkin, set_band_preset, update_key_result
from pipelines.workspace import Workspace

__all__ = [
    "add_checkin",
    "build_demo",
    "ingest_exports",
    "ingest_upload",
    "init_workspace",
    "set_band_preset",
    "update_key_result",
    "upload_kind",
]


def init_workspace(workspace: Workspace, *, force: bool = False) -> list[Path]:
    """Scaffold commented example definitions; refuses to overwrite unless force."""
    return workspace.init(force=force)


def _ingest_one(
    kind: str, options: KpiOptions, mapping: dict[str, str], allow_rejects: bool
) -> Callable[..., IngestReport]:
    """The ingest function of kind with the analyst's options bound."""
    if kind == "events":
        return lambda con, path, **kw: ingest_events(
            con, path, mapping=mapping, allow_rejects=allow_rejects, **kw
        )
    return lambda con, path, **kw: ingest_kpis(
        con, path, options=options, allow_rejects=allow_rejects, **kw
    )


def ingest_exports(
    workspace: Workspace,
    paths: Iterable[Path],
    kind: str,
    *,
    options: KpiOptions | None = None,
    mapping: dict[str, str] | None = None,
    allow_rejects: bool = False,
    on_wait: db.Notify | None = None,
) -> Iterator[IngestReport]:
    """Ingest each export in turn, each committed whole or not at all; yields each report.

    Raises IngestRejected at the first refused file (the files before it stay committed).
    """
    ingest = _ingest_one(kind, options or KpiOptions(), mapping or {}, allow_rejects)
    with workspace.writing(on_wait=on_wait) as con:
        for path in paths:
            yield ingest(con, path)


def upload_file_name(name: str, payload: bytes) -> str:
    """A safe local file name for an upload: the slug of its name, .csv or .csv.gz by content."""
    stem = slug(Path(name).name.removesuffix(".gz").removesuffix(".csv")) or "upload"
    return stem + (".csv.gz" if payload[:2] == b"\x1f\x8b" else ".csv")


def ingest_upload(
    workspace: Workspace,
    name: str,
    payload: bytes,
    kind: str,
    options: KpiOptions,
    mapping: dict[str, str],
    *,
    dry_run: bool,
) -> IngestReport:
    """Ingest (or dry-run) an uploaded file; valid rows stored, rejected lines kept in the ledger.

    A dry run commits nothing, so it never changes the data version others see.
    """
    ingest = _ingest_one(kind, options, mapping, allow_rejects=True)
    # The client's file name is a label, never a path: the temp file takes its slug.
    with tempfile.TemporaryDirectory() as tmp, workspace.writing() as con:
        path = Path(tmp) / upload_file_name(name, payload)
        path.write_bytes(payload)
        return ingest(con, path, file_name=name, dry_run=dry_run)


def upload_kind(name: str, payload: bytes) -> tuple[str, list[str]]:
    """("events" or "kpis", the file's column labels) of an upload; OkrlensError if unreadable."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / upload_file_name(name, payload)
        path.write_bytes(payload)
        dialect = sniff(path)
        return ("events" if looks_like_events(dialect) else "kpis"), list(dialect.header)
