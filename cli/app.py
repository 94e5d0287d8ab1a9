"""The `okrlens` application object, its shared options, and how a command finds its workspace."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from cli.render import Format
from pipelines.service import Answers, Workspace, edits, trust

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"

app = typer.Typer(
    name="okrlens",
    help="Link product metrics to business outcomes through OKRs. "
    "Ingest CSV exports, compute metrics, score key results.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
ingest_app = typer.Typer(
    help="Ingest CSV exports into the workspace's store.", no_args_is_help=True
)
metrics_app = typer.Typer(help="List metrics, or print one metric's time series.")
app.add_typer(ingest_app, name="ingest")
app.add_typer(metrics_app, name="metrics")

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Workspace folder (default: $OKRLENS_HOME or ./okrlens-data).",
        show_default=False,
    ),
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
AsOfOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d"],
        help="Score as of this date (default: today, UTC).",
        show_default=False,
    ),
]
MapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map", help="Column role mapping ROLE=COLUMN, e.g. --map user_id=distinct_id. Repeatable."
    ),
]
ThroughOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--through",
        formats=["%Y-%m-%d"],
        help="The last day the export covers (YYYY-MM-DD), when its rows end sooner: events "
        "that stop on Friday of a week exported on Monday cover it through Sunday.",
    ),
]
AllowRejectsOption = Annotated[
    bool,
    typer.Option(
        "--allow-rejects",
        help="Store the valid rows and keep rejected lines in the ledger, instead of refusing the file.",
    ),
]


class State:
    """Options shared by every command."""

    home: Path | None = None


def chosen_workspace() -> Workspace:
    """The workspace chosen by --home, $OKRLENS_HOME or the default."""
    return Workspace.resolve(State.home)


def current_answers() -> Answers:
    """The answers of the chosen workspace as it is now; left-out definitions warned on stderr."""
    answers = Answers(chosen_workspace())
    for broken in answers.broken:
        typer.echo(f"warning: {broken.message()}", err=True)
    return answers


def as_of_date(value: dt.datetime | None) -> dt.date:
    """The as-of date: the option's, else today in UTC."""
    return value.date() if value else dt.datetime.now(dt.UTC).date()


@app.callback()
def _main(home: HomeOption = None) -> None:
    State.home = home


@app.command()
def init(
    force: Annotated[bool, typer.Option(help="Overwrite existing definition files.")] = False,
    example: Annotated[
        bool, typer.Option(help="Write a worked example to adapt instead of empty files.")
    ] = False,
) -> None:
    """Scaffold a workspace: documented, empty metrics.yaml and okrs.yaml (or --example)."""
    workspace = chosen_workspace()
    for path in edits.init_workspace(workspace, trust.cli_actor(), force=force, example=example):
        typer.echo(f"wrote {path}")
    typer.echo(
        "next: okrlens ingest events FILE.csv / okrlens ingest kpis FILE.csv, then okrlens report"
    )


@app.command()
def demo(
    events: Annotated[
        int | None,
        typer.Option(
            help="Generate this many events instead of the committed sample (benchmarks)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Rebuild the workspace if it exists.")] = False,
) -> None:
    """Build a workspace from sample_data/: a B2B SaaS scenario with events, KPI exports and OKRs."""
    workspace = chosen_workspace()
    for report in edits.build_demo(
        workspace, trust.cli_actor(), n_events=events, force=force, progress=typer.echo
    ):
        typer.echo("  " + report.summary())
    typer.echo(f"demo workspace ready at {workspace.home}; try: okrlens report")
