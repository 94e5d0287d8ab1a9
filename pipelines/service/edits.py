"""Every change to the data a person can make: ingests, uploads, deletions, the workspace, the demo.

Changes to the definitions live beside it: okr_edits.py and key_result_form.py (okrs.yaml),
metric_edits.py (metrics.yaml).

Pages and commands change data only through these functions, so the checks that guard a change
(who may make it, what it may contain) have one home, and the store is written the one way the
connection model allows (`Workspace.writing`). Each takes the actor first: it is refused (and the
refusal audited) unless the actor's role allows it, and what it changes is audited.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pipelines import audit, db
from pipelines.access import Action, Actor
from pipelines.demo import build_demo as _build_demo
from pipelines.errors import OkrlensError
from pipelines.ingest import ledger
from pipelines.ingest.columns import looks_like_events
from pipelines.ingest.dialect import slug, sniff
from pipelines.ingest.events import EventOptions, ingest_events
from pipelines.ingest.kpis import KpiOptions, ingest_kpis
from pipelines.ingest.ledger import IngestRejected, IngestReport, OnCommit
from pipelines.limits import MAX_LINE_BYTES, MAX_UPLOAD_BYTES, PREVIEW_BYTES, max_file_bytes
from pipelines.workspace import Workspace

__all__ = [
    "build_demo",
    "delete_ingest",
    "ingest_exports",
    "ingest_upload",
    "init_workspace",
    "upload_kind",
]


def allow(
    workspace: Workspace, actor: Actor, action: Action, target: str = "", team: str | None = None
) -> None:
    """Return if actor may take action; else audit the refusal and raise it (OkrlensError)."""
    if not actor.may(action, team):
        raise record_refusal(workspace, actor, action, target, team)


def record_refusal(
    workspace: Workspace, actor: Actor, action: Action, target: str = "", team: str | None = None
) -> OkrlensError:
    """Audit that actor was refused action; the error that says why."""
    refusal = actor.refusal(action, team)
    if workspace.home.is_dir():
        audit.append(
            workspace.home,
            audit.event(actor, action.wording, target, outcome="refused", detail=refusal.what),
        )
    return refusal


def init_workspace(
    workspace: Workspace, actor: Actor, *, force: bool = False, example: bool = False
) -> list[Path]:
    """Scaffold empty, documented definitions (or the worked example), audited."""
    allow(workspace, actor, Action.SET_UP_WORKSPACE, str(workspace.home))
    workspace.home.mkdir(parents=True, exist_ok=True)
    with audit.recording_edit(
        workspace.home, actor, "start an empty workspace", "", workspace.definition_paths[:3]
    ):
        return workspace.init(force=force, example=example)


def build_demo(
    workspace: Workspace,
    actor: Actor,
    *,
    n_events: int | None = None,
    force: bool = False,
    progress: Callable[[str], object] = print,
) -> list[IngestReport]:
    """Fill workspace with the sample scenario (see pipelines.demo), audited."""
    allow(workspace, actor, Action.SET_UP_WORKSPACE, str(workspace.home))
    workspace.home.mkdir(parents=True, exist_ok=True)
    with audit.recording_edit(
        workspace.home, actor, "build the demo workspace", "", workspace.definition_paths[:-1]
    ):
        reports = _build_demo(workspace, n_events=n_events, force=force, progress=progress)
    rows = sum(r.rows_added for r in reports)
    audit.append(
        workspace.home,
        audit.event(
            actor,
            "build the demo workspace",
            str(workspace.home),
            rows_added=rows,
            detail=f"{len(reports)} exports ingested" + (" (store rebuilt)" if force else ""),
        ),
    )
    return reports


def _audit_upload(actor: Actor) -> OnCommit:
    """The audit event of an ingest, inserted in the ingest's own transaction."""

    def insert(con: db.duckdb.DuckDBPyConnection, report: IngestReport) -> None:
        audit.insert(con, _upload_event(actor, report))

    return insert


def _upload_event(
    actor: Actor, report: IngestReport, outcome: str = "ok", detail: str = ""
) -> audit.Event:
    """What the audit log says about one ingest."""
    return audit.event(
        actor,
        "upload",
        report.file_name,
        outcome=outcome,
        file_sha256=report.sha256,
        rows_added=report.rows_added,
        rows_skipped=report.rows_duplicate,
        rows_revised=report.rows_revised,
        rows_rejected=report.rows_rejected,
        detail=detail or f"{report.kind} ({report.shape}), {report.rows_read:,} rows read",
    )


def _ingest_one(
    actor: Actor, kind: str, options: KpiOptions | EventOptions, allow_rejects: bool
) -> Callable[..., IngestReport]:
    """The ingest function of kind with the analyst's options bound, audited as actor's."""
    on_commit = _audit_upload(actor)
    if kind == "events":
        said = options if isinstance(options, EventOptions) else EventOptions()
        return lambda con, path, **kw: ingest_events(
            con,
            path,
            options=said,
            allow_rejects=allow_rejects,
            user=actor.who,
            on_commit=on_commit,
            **kw,
        )
    stated = options if isinstance(options, KpiOptions) else KpiOptions()
    return lambda con, path, **kw: ingest_kpis(
        con,
        path,
        options=stated,
        allow_rejects=allow_rejects,
        user=actor.who,
        on_commit=on_commit,
        **kw,
    )


def _ingesting(
    workspace: Workspace, actor: Actor, ingest: Callable[..., IngestReport]
) -> Callable[..., IngestReport]:
    """ingest, with what committed nothing (a refused file, one already stored) audited too."""

    def audited(con: db.duckdb.DuckDBPyConnection, path: Path, **kw: object) -> IngestReport:
        try:
            report = _from_kept_copy(workspace, ingest, con, path, **kw)
        except IngestRejected as exc:
            audit.append(workspace.home, _upload_event(actor, exc.report, "refused", exc.what))
            raise
        if report.already_ingested_at is not None and not kw.get("dry_run"):
            audit.append(workspace.home, _upload_event(actor, report, "skipped", report.summary()))
        return report

    return audited


def _from_kept_copy(
    workspace: Workspace,
    ingest: Callable[..., IngestReport],
    con: db.duckdb.DuckDBPyConnection,
    path: Path,
    **kw: object,
) -> IngestReport:
    """ingest(con, path), reading the bytes kept in raw/ rather than the file itself.

    The file is copied and hashed in one pass before the commit, and the ingest reads that copy
    (linked under the file's own name, which messages quote): what is stored, its sha256 and its
    kept copy are the same bytes even if the file grows or changes meanwhile. A dry run, a pipe,
    a device or a file over the size cap is read where it is (the ingest refuses what it must).
    """
    if kw.get("dry_run") or not path.is_file() or path.stat().st_size > max_file_bytes():
        return ingest(con, path, **kw)
    kept = keep_raw(workspace, path)
    with tempfile.TemporaryDirectory(dir=kept.parent) as tmp:
        named = Path(tmp) / path.name
        os.link(kept, named)
        return ingest(con, named, **kw)


def keep_raw(workspace: Workspace, path: Path) -> Path:
    """Keep the export at path by content hash (`raw/<sha256><suffixes>`), so it can be replayed.

    Copied and hashed in one pass, so the kept bytes are exactly the ones hashed; a file that
    changes during the copy is refused (OkrlensError), its copy removed.
    """
    folder = workspace.home / "raw"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with (
        tempfile.NamedTemporaryFile("wb", dir=folder, suffix=".tmp", delete=False) as out,
        path.open("rb") as stream,
    ):
        before = os.fstat(stream.fileno())
        copied = 0
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
            out.write(block)
            copied += len(block)
        after = os.fstat(stream.fileno())
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or (
        copied != after.st_size
    ):
        # A tool still writing the file: its last line may be cut short, and a cut line can
        # still parse (`signed_up` read as `sig`), so nothing of it is stored.
        os.unlink(out.name)
        raise OkrlensError(
            f"{path.name} changed while it was being read ({before.st_size:,} bytes, then "
            f"{after.st_size:,}): it is probably still being written",
            where=str(path),
            fix="ingest it again once the tool writing it has finished",
        )
    suffix = "".join(s for s in path.suffixes[-2:] if s.lower() in {".csv", ".txt", ".tsv", ".gz"})
    kept = folder / (digest.hexdigest() + suffix)
    os.replace(out.name, kept)
    return kept


def ingest_exports(
    workspace: Workspace,
    actor: Actor,
    paths: Iterable[Path],
    kind: str,
    *,
    options: KpiOptions | EventOptions | None = None,
    allow_rejects: bool = False,
    on_wait: db.Notify | None = None,
) -> Iterator[IngestReport]:
    """Ingest each export in turn, each committed whole or not at all; yields each report.

    Raises IngestRejected at the first refused file (the files before it stay committed).
    """
    allow(workspace, actor, Action.UPLOAD, kind)
    ingest = _ingesting(
        workspace,
        actor,
        _ingest_one(actor, kind, options or KpiOptions(), allow_rejects),
    )
    with workspace.writing(on_wait=on_wait) as con:
        for path in paths:
            yield ingest(con, path)


def upload_file_name(name: str, payload: bytes) -> str:
    """A safe local file name for an upload: the slug of its stem, and a suffix messages quote.

    Messages name this file, so it keeps the upload's own suffix when it is a text export's or a
    workbook's (a refusal then speaks of book.xlsx, not book_xlsx.csv); .csv.gz for gzip content.
    """
    base = Path(name).name
    plain = base[:-3] if base.lower().endswith(".gz") else base
    own = Path(plain).suffix.lower()
    kept = own if own in {".csv", ".txt", ".tsv", ".xlsx", ".xls"} else ""
    stem = slug(plain[: len(plain) - len(kept)]) or "upload"
    return stem + (".csv.gz" if payload[:2] == b"\x1f\x8b" else kept or ".csv")


def ingest_upload(
    workspace: Workspace,
    actor: Actor,
    name: str,
    payload: bytes,
    kind: str,
    options: KpiOptions | EventOptions,
    *,
    dry_run: bool,
    allow_rejects: bool = False,
) -> IngestReport:
    """Ingest (or dry-run) an uploaded file, whole or not at all, by the CLI's rule for rejects.

    A file with rejected lines is refused (IngestRejected) unless allow_rejects stores its valid
    rows and keeps the rejected lines in the ledger, like `--allow-rejects`. A dry run reports
    the rejects without refusing and commits nothing, so it never changes the data version.
    """
    allow(workspace, actor, Action.UPLOAD, name)
    ingest = _ingesting(workspace, actor, _ingest_one(actor, kind, options, allow_rejects))
    sample = _preview_sample(payload) if dry_run else None
    body = payload if sample is None else sample
    # The client's file name is a label, never a path: the temp file takes its slug.
    with tempfile.TemporaryDirectory() as tmp, workspace.writing() as con:
        path = Path(tmp) / upload_file_name(name, body)
        path.write_bytes(body)
        report = ingest(
            con,
            path,
            file_name=name,
            dry_run=dry_run,
            max_bytes=MAX_UPLOAD_BYTES,
            sha256=hashlib.sha256(payload).hexdigest(),  # the whole file's, sampled or not
        )
    report.sampled = 0 if sample is None else len(sample)
    return report


def _preview_sample(payload: bytes) -> bytes | None:
    """The upload's first PREVIEW_BYTES (decompressed, cut at a line end) when it is longer.

    None for a workbook, whose ZIP cannot be cut: the preview converts it whole.
    """
    if payload[:4] == b"PK\x03\x04":
        return None
    if payload[:2] != b"\x1f\x8b":
        head = payload[: PREVIEW_BYTES + 1]
    else:
        try:
            with gzip.open(io.BytesIO(payload)) as stream:
                head = stream.read(PREVIEW_BYTES + 1)
        except (OSError, EOFError, zlib.error):
            return None  # a damaged file: the ingest reads it whole and says what is wrong
    if len(head) <= PREVIEW_BYTES:
        return None
    cut = head.rfind(b"\n", 0, PREVIEW_BYTES) + 1
    # A line running past the cut longer than a line may be would vanish from the sample: the
    # preview then reads the file whole, whose first pass refuses such a line in bounded memory.
    return head[:cut] if PREVIEW_BYTES - cut <= MAX_LINE_BYTES else None


def upload_kind(
    workspace: Workspace, actor: Actor, name: str, payload: bytes
) -> tuple[str, list[str]]:
    """("events" or "kpis", the file's column labels) of an upload; OkrlensError if unreadable."""
    allow(workspace, actor, Action.UPLOAD, name)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / upload_file_name(name, payload)
        path.write_bytes(payload)
        dialect = sniff(path)
        return ("events" if looks_like_events(dialect) else "kpis"), list(dialect.header)


def delete_ingest(workspace: Workspace, actor: Actor, ingest_id: int) -> str:
    """Delete one ingest and the rows it stored (admins), audited; what was removed, in words."""
    allow(workspace, actor, Action.DELETE_DATA, f"ingest {ingest_id}")

    def audited(con: db.duckdb.DuckDBPyConnection, file_name: str, rows: int) -> None:
        detail = f"ingest {ingest_id}: {rows:,} rows removed"
        audit.insert(con, audit.event(actor, "delete", file_name, detail=detail))

    with workspace.writing() as con:
        file_name, rows = ledger.delete_ingest(con, ingest_id, audited)
    return f"deleted ingest {ingest_id} ({file_name}): {rows:,} rows removed"
