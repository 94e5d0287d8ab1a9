"""Commands that print answers: metrics, report, status, links, forecast, lint, brief."""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Annotated

import typer

from cli.app import (
    AsOfOption,
    FormatOption,
    app,
    as_of_date,
    chosen_workspace,
    current_answers,
    metrics_app,
)
from cli.render import Format, render, table
from pipelines.service import OkrlensError, brief_markdown, records
from pipelines.service.formatting import cell_text
from pipelines.service.status import definition_problems, store_status


@metrics_app.callback(invoke_without_command=True)
def metrics_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """List the metrics defined in metrics.yaml."""
    if ctx.invoked_subcommand is not None:
        return
    frame = current_answers().metric_catalog.drop(columns=["used_by", "definition"])
    typer.echo(render(frame, fmt))


@metrics_app.command("show")
def metrics_show(
    name: Annotated[str, typer.Argument(help="Metric name.")], fmt: FormatOption = Format.table
) -> None:
    """Print one metric's time series: its periods, values, and which the data covers."""
    typer.echo(render(current_answers().metric_series((name,)), fmt))


REPORT_TABLE_COLUMNS = [
    "kr_id", "key_result", "metric", "baseline", "target", "current", "progress", "band",
    "expected_progress", "status", "data_through",
]  # fmt: skip


@app.command()
def report(
    as_of: AsOfOption = None,
    period: Annotated[
        str | None,
        typer.Option(help="Period name, or 'all' (default: the period containing --as-of)."),
    ] = None,
    fmt: FormatOption = Format.table,
    html: Annotated[
        bool,
        typer.Option(
            "--html",
            help="Print the overview as one self-contained HTML page to forward "
            "(title, period, as-of, every key result in words).",
        ),
    ] = False,
) -> None:
    """Score every key result: progress, band, expected progress and status."""
    date = as_of_date(as_of)
    answers = current_answers()
    chosen = answers.chosen_period(date, period)
    if html:
        if chosen is None:
            raise OkrlensError("--html shows one period", fix="pass --period NAME, not all")
        typer.echo(answers.overview_html(date, chosen))
        return
    krs, objectives = answers.scores(date, chosen)
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
            f"progress {progress} · {objective['band'] or 'no band'} · "
            f"{cell_text('status', objective['status'])}"
        )
        typer.echo(table(rows[REPORT_TABLE_COLUMNS], units=rows["unit"]))
    typer.echo(
        f"\nas of {date}; bands: {', '.join(f'{k}={v}' for k, v in krs['band'].value_counts().items())}"
    )


@app.command()
def status(
    as_of: AsOfOption = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
) -> None:
    """Row counts per source, data freshness and the latest ingests."""
    info = store_status(chosen_workspace(), as_of_date(as_of))
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
    cross-correlated at lags 0..max-lag; significance is corrected across every pair and lag
    tested (false discovery rate), a lead at the largest lag needs stronger evidence and the rank
    correlation must agree. An association, not proof of cause.
    """
    frame = current_answers().links_between(leading or None, lagging or None, max_lag)
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
    date = as_of_date(as_of)
    answers = current_answers()
    typer.echo(render(answers.forecasts(date, answers.chosen_period(date)), fmt))


@app.command()
def lint(
    as_of: AsOfOption = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table or json.")] = Format.table,
) -> None:
    """Check objectives and key results against OKR practice and against their own data."""
    typer.echo(render(current_answers().findings(as_of_date(as_of)), fmt))


class BriefFormat(StrEnum):
    """How the brief is printed."""

    markdown = "markdown"
    json = "json"


BriefAsOfOption = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d"],
        help="The week ending on this date (default: the end of the latest complete week of data).",
        show_default=False,
    ),
]


@app.command()
def brief(
    as_of: BriefAsOfOption = None,
    team: Annotated[str | None, typer.Option(help="One team (default: all teams).")] = None,
    fmt: Annotated[
        BriefFormat, typer.Option("--format", "-f", help="markdown or json.")
    ] = BriefFormat.markdown,
) -> None:
    """Write the weekly standup brief: moves, what to discuss, stale data, movers, forecast shifts, lint."""
    answers = current_answers()
    written = answers.brief(as_of.date() if as_of else answers.brief_as_of(), team)
    if fmt is BriefFormat.json:
        typer.echo(json.dumps(written.record(), indent=2, ensure_ascii=False))
    else:
        typer.echo(brief_markdown(written))


@app.command()
def check(fmt: FormatOption = Format.table) -> None:
    """Validate metrics.yaml and okrs.yaml item by item; exit 1 if anything is left out (CI)."""
    workspace = chosen_workspace()
    problems = definition_problems(workspace)
    if problems.empty:
        definitions = workspace.definitions()
        krs = sum(len(o.key_results) for o in definitions.okrs.objectives)
        typer.echo(
            f"all definitions valid: {len(definitions.catalog.metrics)} metrics, "
            f"{len(definitions.okrs.objectives)} objectives, {krs} key results"
        )
        return
    typer.echo(render(problems, fmt))
    if fmt is Format.table:
        typer.echo(f"{len(problems)} definition(s) left out; the rest loads and scores")
    raise typer.Exit(1)
