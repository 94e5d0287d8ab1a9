"""`okrlens watch`: ingest the exports dropped in the workspace's inbox folder, each once."""

from __future__ import annotations

import logging
import os
import threading
from typing import Annotated

import typer

from cli.app import app, chosen_workspace
from pipelines.service import inbox

# A bug met while ingesting one file is logged with its traceback; a terminal shows it only
# when asked for one, as every command does (the file itself is refused, saying so).
if not os.environ.get("OKRLENS_DEBUG"):
    logging.getLogger(inbox.__name__).addHandler(logging.NullHandler())


@app.command()
def watch(
    once: Annotated[
        bool,
        typer.Option(
            "--once", help="Look once and exit (for cron); exit status 1 when a file was refused."
        ),
    ] = False,
    interval: Annotated[
        float, typer.Option(min=0.1, help="Seconds between looks while watching.")
    ] = inbox.INTERVAL_SECONDS,
) -> None:
    """Ingest each export dropped in <workspace>/inbox/ once, as an upload; then move it to done/ or refused/ (with its reasons)."""
    workspace = chosen_workspace()
    actor = inbox.inbox_actor("cli")
    results = inbox.ingest_inbox(workspace, actor)  # a wrong --home stops here, with status 2
    for result in results:
        typer.echo(result.line())
    if once:
        if not results:
            typer.echo(f"nothing to ingest in {inbox.inbox_folder(workspace)}")
        if any(r.outcome == "refused" for r in results):
            raise typer.Exit(1)
        return
    typer.echo(f"watching {inbox.inbox_folder(workspace)} every {interval:g} s; Ctrl-C stops")
    try:
        inbox.watch_inbox(
            workspace,
            actor,
            interval=interval,
            on_result=lambda result: typer.echo(result.line()),
            on_error=lambda error: typer.echo(f"error: {error.message()}", err=True),
            stop=threading.Event(),  # never set: Ctrl-C ends the watch
        )
    except KeyboardInterrupt:
        typer.echo("stopped watching")
