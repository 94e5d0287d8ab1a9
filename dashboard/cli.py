"""The `okrlens` command: the same pipelines as the dashboard, for scripts, CI and terminals.

User errors exit with status 2 and one paragraph saying what was wrong, where, and how to fix
it; never a traceback (set OKRLENS_DEBUG=1 to see one).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from dashboard.text_output import Format, render, table
from pipelines.errors import OkrlensError
from pipelines.exports import records
from pipelines.ingest.events import ingest_events
from pipelines.ingest.kpis import SHAPES, KpiOptions, ingest_kpis
from pipelines.ingest.ledger import IngestRejected, IngestReport
from pipelines.workspace import Workspace

APP = Path(__file__).with_name("app.py")

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


def _workspace() -> Workspace:
    """The workspace chosen by --home, $OKRLENS_HOME or the default."""
    return Workspace.resolve(State.home)


def _as_of(value: dt.datetime | None) -> dt.date:
    """The as-of date: the option's, else today in UTC."""
    return value.date() if value else dt.datetime.now(dt.UTC).date()


@app.callback()
def _main(home: HomeOption = None) -> None:
    State.home = home


@app.command()
def init(
    force: Annotated[bool, typer.Option(help="Overwrite existing definition files.")] = False,
) -> None:
    """Scaffold a workspace with commented example metrics.yaml and okrs.yaml."""
    workspace = _workspace()
    for path in workspace.init(force=force):
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
    from pipelines.demo import build_demo

    workspace = _workspace()
    for report in build_demo(workspace, n_events=events, force=force, progress=typer.echo):
        typer.echo("  " + report.summary())
    typer.echo(f"demo workspace ready at {workspace.home}; try: okrlens report")


def _mapping(pairs: list[str] | None) -> dict[str, str]:
    """ROLE=COLUMN pairs as a dict; OkrlensError on a malformed pair."""
    out = {}
    for pair in pairs or []:
        role, sep, column = pair.partition("=")
        if not sep or not role.strip() or not column.strip():
            raise OkrlensError(
                f"malformed mapping {pair!r}",
                where="--map",
                fix="write ROLE=COLUMN, e.g. --map user_id=distinct_id",
            )
        out[role.strip()] = column.strip()
    return out


def _print_ingest(report: IngestReport) -> None:
    """Tell the analyst what was understood and what happened to the file."""
    typer.echo(report.summary())
    if report.dialect and report.already_ingested_at is None:
        typer.echo(f"  read as: {report.dialect}")
        understood = ", ".join(f"{label} → {meaning}" for label, meaning in report.columns.items())
        typer.echo(f"  columns: {understood}")
    if report.rows_rejected:
        typer.echo(f"  rejected lines (kept in the ledger, first 5 of {report.rows_rejected:,}):")
        typer.echo("    " + table(report.rejects.head(5)).replace("\n", "\n    "))


def _ingest_all(
    files: list[Path], ingest_one: Callable[[duckdb.DuckDBPyConnection, Path], IngestReport]
) -> None:
    """Ingest each file in turn; stop at the first refused file (earlier files stay committed)."""
    workspace = _workspace()
    with workspace.writing(on_wait=lambda note: typer.echo(note, err=True)) as con:
        for path in files:
            try:
                report = ingest_one(con, path)
            except IngestRejected as exc:
                typer.echo(exc.message(), err=True)
                typer.echo(
                    "  rejected lines:\n    "
                    + table(exc.report.rejects.head(5)).replace("\n", "\n    "),
                    err=True,
                )
                raise typer.Exit(2) from None
            _print_ingest(report)


@ingest_app.command("events")
def ingest_events_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Product-event CSV files (event_time, user_id, event_name[, account_id], properties...)."
        ),
    ],
    map_: MapOption = None,
    allow_rejects: AllowRejectsOption = False,
) -> None:
    """Ingest product-event exports; each file is committed whole or not at all."""
    mapping = _mapping(map_)
    _ingest_all(
        files,
        lambda con, path: ingest_events(con, path, mapping=mapping, allow_rejects=allow_rejects),
    )


@ingest_app.command("kpis")
def ingest_kpis_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Business-KPI CSV exports: long (date, metric, value[, segment]) or wide."
        ),
    ],
    shape: Annotated[
        str | None, typer.Option(help=f"Layout when it cannot be detected: {', '.join(SHAPES)}.")
    ] = None,
    decimal: Annotated[
        str | None, typer.Option(help="Decimal mark when the file does not show it: '.' or ','.")
    ] = None,
    date_format: Annotated[
        str | None, typer.Option(help="Date format when ambiguous, e.g. %d/%m/%Y.")
    ] = None,
    map_: MapOption = None,
    allow_rejects: AllowRejectsOption = False,
) -> None:
    """Ingest business-KPI exports; each file is committed whole or not at all."""
    if decimal not in (None, ".", ","):
        raise OkrlensError(
            f"unknown decimal mark {decimal!r}",
            where="--decimal",
            fix="use --decimal . or --decimal ,",
        )
    options = KpiOptions(
        shape=shape, decimal=decimal, date_format=date_format, mapping=_mapping(map_)
    )
    _ingest_all(
        files,
        lambda con, path: ingest_kpis(con, path, options=options, allow_rejects=allow_rejects),
    )


@metrics_app.callback(invoke_without_command=True)
def metrics_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """List the metrics defined in metrics.yaml."""
    if ctx.invoked_subcommand is not None:
        return
    import pandas as pd

    catalog = _workspace().catalog()
    frame = pd.DataFrame(
        [
            {
                "name": m.name,
                "label": m.display_label,
                "kind": m.kind,
                "source": "ratio" if m.ratio else m.source,
                "aggregation": f"{m.ratio.numerator} / {m.ratio.denominator}"
                if m.ratio
                else m.aggregation,
                "grain": m.grain,
                "unit": m.unit,
                "direction": m.direction,
                "description": m.description,
            }
            for m in catalog.metrics
        ]
    )
    typer.echo(render(frame, fmt))


@metrics_app.command("show")
def metrics_show(
    name: Annotated[str, typer.Argument(help="Metric name.")], fmt: FormatOption = Format.table
) -> None:
    """Print one metric's time series (period_start, period_end, value, complete)."""
    from pipelines.report import series_of

    typer.echo(render(series_of(_workspace(), name), fmt))


REPORT_TABLE_COLUMNS = [
    "kr_id", "key_result", "metric", "baseline", "target", "current", "progress", "band",
    "expected_progress", "status", "data_as_of",
]  # fmt: skip


@app.command()
def report(
    as_of: AsOfOption = None,
    period: Annotated[
        str | None,
        typer.Option(help="Period name, or 'all' (default: the period containing --as-of)."),
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Score every key result: progress, band, expected progress and status."""
    from pipelines.report import kr_report

    date = _as_of(as_of)
    krs, objectives = kr_report(_workspace(), date, period)
    if fmt is not Format.table:
        typer.echo(render(krs, fmt))
        return
    if krs.empty:
        typer.echo(f"no key results in the chosen period as of {date}")
        return
    for objective in objectives.to_dict("records"):
        rows = krs[krs["objective_id"] == objective["objective_id"]]
        value = objective["progress"]
        progress = "–" if value is None or value != value else f"{value:.0%}"
        typer.echo(
            f"\n{objective['objective_id']}  {objective['objective']}  "
            f"[{objective['team']}, {objective['period']}]  "
            f"progress {progress} · {objective['band'] or 'no band'} · {objective['status']}"
        )
        typer.echo(table(rows[REPORT_TABLE_COLUMNS]))
    typer.echo(
        f"\nas of {date}; bands: {', '.join(f'{k}={v}' for k, v in krs['band'].value_counts().items())}"
    )


@app.command()
def status(
    as_of: AsOfOption = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
) -> None:
    """Row counts per source, data freshness and the latest ingests."""
    from pipelines.report import store_status

    info = store_status(_workspace(), _as_of(as_of))
    if fmt is Format.json:
        typer.echo(json.dumps(_json_ready(info), indent=2, ensure_ascii=False))
        return
    events = info["events"]
    typer.echo(f"workspace: {info['workspace']}")
    typer.echo(
        f"events: {events['rows']:,} rows, {events['users']:,} users, {events['accounts']:,} accounts; "
        + (
            f"{events['first']:%Y-%m-%d} to {events['last']:%Y-%m-%d} ({events['days_old']} days old)"
            if events["rows"]
            else "none yet"
        )
    )
    typer.echo(
        f"kpis: {info['kpis']['values']:,} values in {info['kpis']['metrics']} metrics; rejected lines kept: {info['rejected_lines']:,}"
    )
    typer.echo("\nKPI freshness:\n" + table(info["kpi_freshness"]))
    typer.echo("\nlatest ingests:\n" + table(info["ingests"].drop(columns=["sha256"])))


def _json_ready(value: object) -> object:
    """value with frames, dates and numpy scalars made JSON-native, recursively."""
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return records(value)
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    return records(pd.DataFrame({"v": [value]}))[0]["v"]


@app.command()
def links(
    leading: Annotated[
        list[str] | None,
        typer.Option("--leading", help="Leading metric(s) to test (default: all)."),
    ] = None,
    lagging: Annotated[
        list[str] | None,
        typer.Option("--lagging", help="Lagging metric(s) to test (default: all)."),
    ] = None,
    max_lag: Annotated[
        int, typer.Option("--max-lag", min=0, max=52, help="Longest lag tried, in periods.")
    ] = 8,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
) -> None:
    """Measure whether leading product KPIs lead lagging business KPIs, and by how many periods.

    Both series are differenced (shared trends make any two growing series correlate), then
    cross-correlated at lags 0..max-lag; significance is corrected for the lags tried. An
    association, not proof of cause.
    """
    from pipelines.insight.links import metric_links
    from pipelines.report import inputs

    _, catalog, series = inputs(_workspace())
    frame = metric_links(
        series, catalog, leading=leading or None, lagging=lagging or None, max_lag=max_lag
    )
    typer.echo(render(frame, fmt))


@app.command()
def forecast(
    as_of: AsOfOption = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
) -> None:
    """Forecast every metric-backed key result to its period end: the chance of each band.

    An ensemble of simple models chosen by backtest gives the median landing value, an 80 %
    interval and the probabilities of ending missed, met or exceeded; lagging KRs with a
    significant leading link also get a nowcast driven by the leading metric.
    """
    from pipelines.insight.forecast import kr_forecasts
    from pipelines.insight.links import metric_links
    from pipelines.report import inputs

    okrs, catalog, series = inputs(_workspace())
    found = kr_forecasts(okrs, catalog, series, _as_of(as_of), None, metric_links(series, catalog))
    typer.echo(render(found, fmt))


@app.command()
def lint(
    as_of: AsOfOption = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
) -> None:
    """Check objectives and key results against OKR practice and against their own data."""
    from pipelines.insight.lint import lint as lint_okrs
    from pipelines.report import inputs

    okrs, catalog, series = inputs(_workspace())
    typer.echo(render(lint_okrs(okrs, catalog, series, _as_of(as_of)), fmt))


class BriefFormat(StrEnum):
    """How the brief is printed."""

    markdown = "markdown"
    json = "json"


@app.command()
def brief(
    as_of: AsOfOption = None,
    team: Annotated[str | None, typer.Option(help="One team (default: all teams).")] = None,
    fmt: Annotated[
        BriefFormat, typer.Option("--format", "-f", help="markdown or json.")
    ] = BriefFormat.markdown,
) -> None:
    """Write the weekly standup brief: changes, movers, forecast shifts, stale data, new lint findings."""
    from pipelines.insight.brief import brief_markdown, weekly_brief
    from pipelines.insight.links import metric_links
    from pipelines.report import inputs

    okrs, catalog, series = inputs(_workspace())
    teams = {o.team for o in okrs.objectives}
    if team is not None and team not in teams:
        raise OkrlensError(
            f"unknown team {team!r}", where="--team", fix=f"use one of: {', '.join(sorted(teams))}"
        )
    written = weekly_brief(
        okrs, catalog, series, _as_of(as_of), team=team, links=metric_links(series, catalog)
    )
    if fmt is BriefFormat.json:
        typer.echo(json.dumps(written.record(), indent=2, ensure_ascii=False))
    else:
        typer.echo(brief_markdown(written))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(ctx: typer.Context) -> None:
    """Start the dashboard (extra options go to Streamlit, e.g. --server.port 8502)."""
    workspace = _workspace()
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
