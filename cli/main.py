"""The `okrlens` command: the dashboard's answers for scripts, CI and terminals.

Each command parses its options, asks the service layer (`pipelines.service`), and renders.
User errors exit with status 2 and one paragraph saying what was wrong, where, and how to fix
it; never a traceback (set OKRLENS_DEBUG=1 to see one).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated

import typer

from cli import backups, balance, effects, ingest, people, plans, reports, reviews, watch
from cli.app import APP, app, chosen_workspace
from pipelines.service import AccessSpec, OkrlensError, inbox, trust

# Imported for the commands they register on app.
COMMANDS = (backups, balance, effects, ingest, people, plans, reports, reviews, watch)


# What the dashboard server promises whoever reaches it. In local mode (no sign-in configured)
# it serves one person: on this machine only, unless --expose says loudly that it is not.
SERVER_SETTINGS = {
    "server.address": "127.0.0.1",
    "server.enableXsrfProtection": "true",
    "server.enableCORS": "true",
    "server.maxUploadSize": "50",  # MB, also enforced by the Upload page's own cap
    "client.showErrorDetails": "none",  # tracebacks go to the server log, never to a browser
    "client.toolbarMode": "viewer",
    "client.disableDataExport": "true",  # the tables' own CSV download escapes nothing
    "browser.gatherUsageStats": "false",
    # Streamlit collects garbage (gc.collect(2), ~150 ms holding the GIL) after every script run:
    # it capped the server at ~3.5 pages a second (bench/load.py); memory levels off without it.
    "runner.postScriptGC": "false",
    # The bands' Okabe–Ito colours (BandPreset.colors), for badges and coloured words.
    "theme.redColor": "#D55E00",
    "theme.orangeColor": "#E69F00",
    "theme.blueColor": "#0072B2",
    "theme.violetColor": "#56B4E9",
    # Density: a quarter's key results fit a 1280×720 shared screen (config.toml says more).
    "theme.baseFontSize": "14",
    "theme.paddingTop": "1rem",
}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
EXPOSED = (
    "EXPOSED: the dashboard listens on every network interface, with no sign-in: anyone who can "
    "reach this machine can read every page, upload data and change targets."
)


def server_command(extra: list[str], *, expose: bool, access: AccessSpec) -> list[str]:
    """The `streamlit run` command line: the safe settings, then the user's extra options.

    In local mode, OkrlensError when an extra --server.address would listen beyond this machine
    without expose. With sign-in configured any address may be served; behind a proxy, the
    proxy's identity headers are the only ones Streamlit reads.
    """
    settings = SERVER_SETTINGS | ({"server.address": "0.0.0.0"} if expose else {})
    address = _option(extra, "--server.address") or settings["server.address"]
    if access.sign_in == "local" and address not in LOOPBACK and not expose:
        raise OkrlensError(
            f"okrlens serves one person on this machine until sign-in is configured; "
            f"--server.address {address} would let anyone on the network change the data",
            where="okrlens run",
            fix="configure sign-in in access.yaml (see the README), leave the address alone "
            "(127.0.0.1), or pass --expose if you mean it",
        )
    if access.sign_in == "proxy":
        headers = {access.proxy_header: "email"}
        if access.proxy_groups_header:
            headers[access.proxy_groups_header] = "groups"
        settings["server.trustedUserHeaders"] = json.dumps(headers)
    flags = [f"--{key}={value}" for key, value in settings.items()]
    # dashboard.serve is `streamlit run` with the libraries imported before it listens.
    return [sys.executable, "-m", "dashboard.serve", "run", str(APP), *flags, *extra]


def _option(args: list[str], name: str) -> str | None:
    """The last value given to option name in args (as `name value` or `name=value`)."""
    found = None
    for i, arg in enumerate(args):
        if arg.startswith(name + "="):
            found = arg.split("=", 1)[1]
        elif arg == name and i + 1 < len(args):
            found = args[i + 1]
    return found


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(
    ctx: typer.Context,
    expose: Annotated[
        bool,
        typer.Option(
            "--expose",
            help="Listen on every network interface. Without sign-in configured in access.yaml, "
            "anyone who can reach the machine can change the data.",
        ),
    ] = False,
    watch_inbox: Annotated[
        bool,
        typer.Option(
            "--watch-inbox",
            help="Also ingest the exports dropped in the workspace's inbox/ folder, as "
            "`okrlens watch` does (one watcher in the server, from the first page view on).",
        ),
    ] = False,
) -> None:
    """Start the dashboard on this machine (extra options go to Streamlit, e.g. --server.port 8502)."""
    workspace = chosen_workspace()
    access = trust.access_settings(workspace)
    command = server_command(list(ctx.args), expose=expose, access=access)
    env = {**os.environ, "OKRLENS_HOME": str(workspace.home)}
    if expose and access.sign_in == "local":
        typer.echo(EXPOSED, err=True)
        env[trust.EXPOSED_ENV] = "1"
    if watch_inbox:
        env[inbox.WATCH_ENV] = "1"
    # Become the server rather than its parent, so a signal that stops `okrlens run` (a
    # terminal's Ctrl-C, a supervisor's SIGTERM) reaches Streamlit and leaves no orphan behind.
    os.execve(command[0], command, env)


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
