"""Backups: a whole, consistent copy of a workspace, and putting one back.

A backup holds the store (checkpointed, copied while the write lock is held, so it is one
committed state), the definition files, the audit journal and tracked versions, and the raw
exports okrlens keeps by content hash (`raw/<sha256>`). Restoring replaces all of it under the
same lock, the store last; readers then republish their snapshot from the restored store.
The audit log is never rolled back: the events recorded since the backup are carried into the
restored store, and the restore itself is recorded with what it changed in the definitions.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from pipelines import audit, db
from pipelines.access import Action, Actor
from pipelines.errors import OkrlensError
from pipelines.service.edits import allow
from pipelines.snapshot import FOLDER
from pipelines.workspace import DEFINITION_FILES, Workspace, remove_tree

# What a backup holds besides the store, relative to the workspace folder.
KEPT = (*DEFINITION_FILES, "access.yaml", "audit", "raw")
RESTORED = tuple(name for name in KEPT if name != "audit")  # the audit log only grows
STORE = "store.duckdb"


def _copy(source: Path, target: Path) -> None:
    """Copy a file or folder (if it exists) to target."""
    if source.is_dir():
        shutil.copytree(source, target)
    elif source.is_file():
        shutil.copy2(source, target)


def backup(workspace: Workspace, actor: Actor, destination: Path) -> Path:
    """Copy workspace into a new folder under destination; the folder."""
    allow(workspace, actor, Action.MANAGE_BACKUPS, str(destination))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = destination / f"okrlens-backup-{stamp}"
    target.mkdir(parents=True)
    with workspace.writing() as con:
        con.execute("CHECKPOINT")  # the file alone then holds every commit
        shutil.copy2(workspace.store_path, target / STORE)
        for name in KEPT:
            _copy(workspace.home / name, target / name)
    audit.append(workspace.home, audit.event(actor, "back up", str(target)))
    return target


def restore(workspace: Workspace, actor: Actor, source: Path) -> None:
    """Replace workspace's store and files with the backup in folder source."""
    allow(workspace, actor, Action.MANAGE_BACKUPS, str(source))
    if not (source / STORE).is_file() or not (source / "okrs.yaml").is_file():
        raise OkrlensError(
            f"{source} is not an okrlens backup (no {STORE} and okrs.yaml in it)",
            where=str(source),
            fix="give the folder `okrlens backup` printed",
        )
    staging = workspace.home / ".restore"
    remove_tree(staging)
    shutil.copytree(source, staging)  # copy first: the lock is then held only for renames
    with (
        audit.recording_edit(
            workspace.home, actor, "restore", str(source), workspace.definition_paths
        ),
        db.lock_file(workspace.store_path, exclusive=True),
    ):
        history = _audit_rows(workspace.store_path)
        for name in RESTORED:
            current = workspace.home / name
            if current.is_dir():
                shutil.rmtree(current)
            else:
                current.unlink(missing_ok=True)
            if (staging / name).exists():
                os.replace(staging / name, current)
        remove_tree(workspace.home / FOLDER)
        workspace.store_path.with_suffix(".duckdb.wal").unlink(missing_ok=True)
        os.replace(staging / STORE, workspace.store_path)
        _carry_audit(workspace.store_path, history)
    shutil.rmtree(staging)


def _audit_rows(store: Path) -> list[tuple[object, ...]]:
    """Every audit event in the store at path (the caller holds the write lock)."""
    if not store.exists():
        return []
    con = db.connect(store)
    try:
        return [tuple(r) for r in con.execute("SELECT * FROM audit_log").fetchall()]
    finally:
        con.close()


def _carry_audit(store: Path, rows: list[tuple[object, ...]]) -> None:
    """Add the audit events rows to the store at path, each once."""
    con = db.connect(store)
    try:
        with db.transaction(con):
            for row in rows:
                con.execute(audit.INSERT + " ON CONFLICT DO NOTHING", list(row))
    finally:
        con.close()
