"""The inbox: exports dropped in `<workspace>/inbox/` are ingested by themselves, each once.

A scheduled export (an analytics or billing tool's, or a cron `cp`) drops files in the inbox;
`okrlens watch` (or the dashboard, when `okrlens run --watch-inbox` set OKRLENS_WATCH_INBOX)
looks every few seconds. Each file is handled exactly as the Upload page handles an upload,
through the same service functions (`edits.upload_kind`, then `edits.ingest_upload` with the
default options, without "store the valid rows"): the same checks, size cap and messages, and
the same ingest ledger and audit log entries, under the system actor "inbox". Then it moves:

- `inbox/done/`: ingested, or already stored (the same bytes dropped twice are stored once; the
  second is recorded as skipped);
- `inbox/refused/`: refused (invalid lines included), with `<name>.reasons.txt` beside it
  holding the one-paragraph message. A refused file is never retried; drop a corrected one.
  A name already taken in done/ or refused/ gets a UTC stamp, so nothing is overwritten.

Partial writes: dotfiles and `*.tmp`, `*.part`, `*.partial`, `*.crdownload` are left alone, and
so is a file modified within the last SETTLE_SECONDS, or one that changes while it is read. A
writer should write elsewhere (or under such a name) and rename the file into the inbox.

Concurrency: a pass holds the inbox's lock (`inbox/.processing.lock`), so two watchers (the CLI
and a dashboard) never take one file twice; each file is first moved into `inbox/.processing/`.
A file a killed watcher left there is finished by the next pass (if its ingest had committed,
the ledger's sha256 makes it a skip).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipelines import audit, db
from pipelines.access import Actor, Role
from pipelines.errors import OkrlensError
from pipelines.ingest.events import EventOptions
from pipelines.ingest.kpis import KpiOptions
from pipelines.ingest.ledger import IngestRejected, IngestReport
from pipelines.limits import MAX_UPLOAD_BYTES
from pipelines.service import edits
from pipelines.service.uploads import internal_error
from pipelines.workspace import Workspace

LOG = logging.getLogger(__name__)
# Set (to 1) by `okrlens run --watch-inbox`: the dashboard server runs one inbox watcher.
WATCH_ENV = "OKRLENS_WATCH_INBOX"
# A file modified this recently may still be being written (a `cp` of a large export).
SETTLE_SECONDS = 2.0
# Seconds between looks: a look at an empty inbox is one directory listing.
INTERVAL_SECONDS = 2.0
# Names writers give files they have not finished (browsers, rsync, curl --output …).
UNFINISHED_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload")
INBOX_ACTOR = "inbox"
TAKEN, DONE, REFUSED = ".processing", "done", "refused"


@dataclass(frozen=True)
class InboxResult:
    """What happened to one dropped file: ingested, skipped (already stored) or refused."""

    name: str
    outcome: str  # ingested | skipped | refused
    moved_to: Path
    message: str  # the ingest's one-line summary, or the refusal's paragraph
    rows_added: int = 0

    def line(self) -> str:
        """One line for a terminal or a log: what happened, and where the file is now."""
        where = f"{self.moved_to.parent.name}/{self.moved_to.name}"
        if self.outcome == "refused":
            return f"{self.name}: refused, {self.message} → {where}"
        return f"{self.message} → {where}"


def inbox_folder(workspace: Workspace) -> Path:
    """The folder exports are dropped in."""
    return workspace.home / "inbox"


def inbox_actor(via: str) -> Actor:
    """The system actor dropped files are ingested as, through via ("cli" or "dashboard").

    An analyst, as the Upload page requires: whoever may write into the workspace folder may
    change its data anyway, so the folder's permissions are the inbox's access control.
    """
    return Actor(INBOX_ACTOR, Role.ANALYST, via)


def dashboard_watches_inbox() -> bool:
    """True when the dashboard server was asked to watch the inbox (OKRLENS_WATCH_INBOX=1)."""
    return os.environ.get(WATCH_ENV, "") not in ("", "0")


def ingest_inbox(
    workspace: Workspace, actor: Actor, *, settle: float = SETTLE_SECONDS
) -> list[InboxResult]:
    """Ingest every finished file in the inbox, in the order taken; what happened to each.

    Files still being written stay for a later pass. OkrlensError when there is no workspace,
    or another watcher held the inbox for longer than the store's wait (OKRLENS_STORE_WAIT).
    """
    if not workspace.home.is_dir():
        raise OkrlensError(
            f"no workspace at {workspace.home}, so it has no inbox to watch",
            where=str(workspace.home),
            fix="run `okrlens init` or `okrlens demo` first, or point --home at a workspace",
        )
    folder = inbox_folder(workspace)
    taken = folder / TAKEN
    taken.mkdir(parents=True, exist_ok=True)
    with db.lock_file(taken, exclusive=True, what="the inbox"):
        finished = [p for p in folder.iterdir() if _is_finished(p, settle)]
        # Oldest first, so a later export's revisions of a value win over an earlier one's.
        for path in sorted(finished, key=_drop_order):
            os.rename(path, taken / f"{time.time_ns():020d}-{path.name}")
        waiting = sorted(p for p in taken.iterdir() if _is_regular(p))
        results = [_handle(workspace, actor, path, settle) for path in waiting]
    return [r for r in results if r is not None]


def watch_inbox(
    workspace: Workspace,
    actor: Actor,
    *,
    interval: float = INTERVAL_SECONDS,
    on_result: Callable[[InboxResult], object],
    on_error: Callable[[OkrlensError], object],
    stop: threading.Event,
) -> None:
    """Ingest the inbox now and every interval seconds until stop is set.

    A pass that fails (the store busy, the workspace gone) is told to on_error and the watch
    goes on: the files wait in the inbox for the next pass.
    """
    while not stop.is_set():
        try:
            for result in ingest_inbox(workspace, actor):
                on_result(result)
        except OkrlensError as exc:
            on_error(exc)
        except Exception:  # a bug in okrlens: logged for a report, and the watch goes on
            LOG.exception("a look at the inbox failed")
            on_error(
                OkrlensError(
                    "okrlens failed while looking at the inbox, because of an internal error",
                    where=str(inbox_folder(workspace)),
                    fix="the files wait where they are for the next look; the log has the "
                    "details for a bug report",
                )
            )
        stop.wait(interval)


def _is_regular(path: Path) -> bool:
    """True when path is a regular file (a symlink, folder or pipe is no export to take)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except FileNotFoundError:
        return False


def _is_finished(path: Path, settle: float) -> bool:
    """True when path is a regular file that its writer is done with, by its name and age."""
    name = path.name.lower()
    if name.startswith(".") or name.endswith(UNFINISHED_SUFFIXES) or not _is_regular(path):
        return False
    return time.time() - path.lstat().st_mtime >= settle


def _drop_order(path: Path) -> tuple[int, str]:
    """path's order among dropped files: by modification time, then name."""
    return path.lstat().st_mtime_ns, path.name


def _settled_bytes(path: Path, name: str, settle: float) -> bytes | None:
    """path's bytes, or None while it is still being written (recently, or during the read).

    A writer that kept the file open after it was taken is still writing it. OkrlensError for
    a file larger than an upload may be, which is not read.
    """
    try:
        stream = path.open("rb")
    except OSError as exc:  # a file written by someone okrlens may not read
        raise OkrlensError(
            f"{name} cannot be read: {exc.strerror}",
            where=name,
            fix="let the user okrlens runs as read it, and drop it in the inbox again",
        ) from None
    with stream:
        before = os.fstat(stream.fileno())
        if time.time() - before.st_mtime < settle:
            return None
        if before.st_size > MAX_UPLOAD_BYTES:
            raise OkrlensError(
                f"{name} is larger than the {MAX_UPLOAD_BYTES // 1_000_000} MB an upload may be",
                where=name,
                fix="ingest it with `okrlens ingest events` or `okrlens ingest kpis`, which "
                "read files of up to 5 GB",
            )
        payload = stream.read()
        after = os.fstat(stream.fileno())
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        return None
    return payload


def _handle(workspace: Workspace, actor: Actor, path: Path, settle: float) -> InboxResult | None:
    """Ingest one taken file as an upload and move it out; None while it has to wait."""
    name = path.name.partition("-")[2] or path.name
    try:
        payload = _settled_bytes(path, name, settle)
        if payload is None:
            return None
        kind, _ = edits.upload_kind(workspace, actor, name, payload)
        options = EventOptions() if kind == "events" else KpiOptions()
        report = edits.ingest_upload(workspace, actor, name, payload, kind, options, dry_run=False)
    except IngestRejected as exc:  # the ingest audited this refusal itself
        return _refuse(path, name, _rejected_reasons(exc))
    except OkrlensError as exc:
        if exc.where == str(workspace.store_path):
            return None  # the store was busy, which is no fault of the file: the next pass
        _audit_refusal(workspace, actor, name, exc)
        return _refuse(path, name, _with_default_options(exc))
    except Exception:
        LOG.exception("ingesting %r from the inbox failed", name)
        failure = internal_error(name, "ingesting")
        _audit_refusal(workspace, actor, name, failure)
        return _refuse(path, name, failure)
    return _done(path, name, report)


def _done(path: Path, name: str, report: IngestReport) -> InboxResult:
    """Move an ingested (or already stored) file to done/."""
    target = _free_name(path.parent.parent / DONE, name)
    os.rename(path, target)
    outcome = "skipped" if report.already_ingested_at is not None else "ingested"
    return InboxResult(name, outcome, target, report.summary(), report.rows_added)


def _refuse(path: Path, name: str, reasons: OkrlensError) -> InboxResult:
    """Move a refused file to refused/, its reasons written beside it first."""
    target = _free_name(path.parent.parent / REFUSED, name)
    _reasons_path(target).write_text(reasons.message() + "\n", encoding="utf-8")
    os.rename(path, target)
    return InboxResult(name, "refused", target, reasons.message())


def _reasons_path(target: Path) -> Path:
    """Where the reasons of the refused file at target are written."""
    return target.with_name(target.name + ".reasons.txt")


def _free_name(folder: Path, name: str) -> Path:
    """folder/name, or that name stamped with the UTC time when taken: nothing is overwritten.

    Only the pass holding the inbox's lock moves files, so a name found free stays free.
    """
    folder.mkdir(exist_ok=True)
    stem, dot, suffixes = name.partition(".")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target, n = folder / name, 1
    while target.exists() or _reasons_path(target).exists():
        target = folder / f"{stem}-{stamp}{f'-{n}' if n > 1 else ''}{dot}{suffixes}"
        n += 1
    return target


def _rejected_reasons(refused: IngestRejected) -> OkrlensError:
    """A file with invalid lines, refused as the Upload page refuses it, fixed from the inbox."""
    storable = refused.report.rows_read > 0
    return OkrlensError(
        refused.what,
        where=refused.where,
        fix="correct those lines and drop the file in the inbox again"
        + (
            f", or store its valid rows and keep the rejected lines in the ledger with "
            f"`okrlens ingest {refused.report.kind} --allow-rejects FILE`"
            if storable
            else " (not one of its lines can be stored as it is)"
        ),
    )


def _with_default_options(error: OkrlensError) -> OkrlensError:
    """error, saying that the inbox cannot take the options its fix may name."""
    if "--" not in error.fix:
        return error
    return OkrlensError(
        error.what,
        where=error.where,
        fix=f"{error.fix}; the inbox reads every file with the default options, so ingest a file "
        "that needs one with `okrlens ingest events` or `okrlens ingest kpis` instead",
    )


def _audit_refusal(workspace: Workspace, actor: Actor, name: str, error: OkrlensError) -> None:
    """Audit a refusal the ingest itself did not record (the file could not even be read)."""
    audit.append(
        workspace.home,
        audit.event(actor, "upload", name, outcome="refused", detail=error.what),
    )
