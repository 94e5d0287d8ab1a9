"""The `okrlens` command: the dashboard's answers for scripts, CI and terminals.

Each command parses its options, asks the service layer (`pipelines.service`), and renders.
User errors exit with status 2 and one paragraph saying what was wrong, where, and how to fix
it; never a traceback (set OKRLENS_DEBUG=1 to see one).
"""

from __future__ import annotations

import os
import subprocess
import sys

import typer

from cli import ingest, reports
from cli.app import APP, app, chosen_workspace
from pipelines.service import OkrlensError

COMMANDS = (ingest, reports)  # imported for the commands they register on app


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(ctx: typer.Context) -> None:
    """Start the dashboard (extra options go to Streamlit, e.g. --server.port 8502)."""
    workspace = chosen_workspace()
    env = {**os.environ, "OKRLENS_HOME": str(workspace.home)}
    command = [sys.executable, "-m", "streamlit", "run", str(APP), *ctx.args]
    raise typer.Exit(subprocess.call(command, env=env))


def main(argv: list[str] | None = None) -> None:
    """Run the okrlens command line; user errors become a one-paragraph message and exit status 2."""
    try:
        app(args=argv, prog_name="okrlens")
    except OkrlensError as exc:
        typer.echo(f"error: {exc.message()}", err=True)
        sys.exit(2)
    except Exception as exc:
        if os.environ.get("OKRLENS_DEBUG"):
            raise
        typer.echo(
            f"internal error: {type(exc).__name__}: {exc}. This is a bug in okrlens, not in your data; "
            "rerun with OKRLENS_DEBUG=1 for details and report it.",
            err=True,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
