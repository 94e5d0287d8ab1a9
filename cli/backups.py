"""`okrlens backup`, `restore` and `delete`: copies of the workspace, and taking data out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.app import app, chosen_workspace
from pipelines.service import backup as backups
from pipelines.service import edits, trust


@app.command()
def backup(
    destination: Annotated[Path, typer.Argument(help="Folder to write the backup folder into.")],
) -> None:
    """Copy the store (one committed state), definitions, audit trail and kept raw exports."""
    target = backups.backup(chosen_workspace(), trust.cli_actor(), destination)
    typer.echo(f"backed up to {target}")


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="A folder written by `okrlens backup`.")],
) -> None:
    """Replace the store and definitions with a backup's (the audit log keeps its history)."""
    backups.restore(chosen_workspace(), trust.cli_actor(), source)
    typer.echo(f"restored from {source}")


@app.command()
def delete(
    ingest_id: Annotated[int, typer.Argument(help="The ingest to delete (see okrlens status).")],
) -> None:
    """Delete one ingest and every row it stored (audited)."""
    typer.echo(edits.delete_ingest(chosen_workspace(), trust.cli_actor(), ingest_id))
