"""`okrlens ingest events|kpis`: exports into the store, each file whole or not at all."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.app import AllowRejectsOption, MapOption, ThroughOption, chosen_workspace, ingest_app
from cli.render import table
from pipelines.service import (
    SHAPES,
    EventOptions,
    IngestRejected,
    IngestReport,
    KpiOptions,
    OkrlensError,
    edits,
    trust,
)

SheetOption = Annotated[
    str | None,
    typer.Option(
        help="Which sheet of an Excel workbook (.xlsx) to read: its name or number (1 = the "
        "first); by default its only sheet with data."
    ),
]


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
    if report.covers():
        typer.echo(f"  {report.covers()}")
    if report.rows_rejected:
        typer.echo(f"  rejected lines (kept in the ledger, first 5 of {report.rows_rejected:,}):")
        typer.echo("    " + table(report.rejects.head(5)).replace("\n", "\n    "))


def _ingest_all(
    files: list[Path],
    kind: str,
    *,
    allow_rejects: bool,
    options: KpiOptions | EventOptions,
) -> None:
    """Ingest each file in turn; stop at the first refused file (earlier files stay committed)."""
    reports = edits.ingest_exports(
        chosen_workspace(),
        trust.cli_actor(),
        files,
        kind,
        options=options,
        allow_rejects=allow_rejects,
        on_wait=lambda note: typer.echo(note, err=True),
    )
    try:
        for report in reports:
            _print_ingest(report)
    except IngestRejected as exc:
        typer.echo(exc.message(), err=True)
        typer.echo(
            "  rejected lines:\n    " + table(exc.report.rejects.head(5)).replace("\n", "\n    "),
            err=True,
        )
        raise typer.Exit(2) from None


@ingest_app.command("events")
def ingest_events_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Product-event CSV files (event_time, user_id, event_name[, account_id], "
            "properties...), JSON-lines exports (Mixpanel, Amplitude, PostHog, Segment) or Excel "
            "workbooks (.xlsx)."
        ),
    ],
    map_: MapOption = None,
    time_unit: Annotated[
        str | None,
        typer.Option(
            help="Unit of epoch times when their digits do not settle it: s or ms "
            "(10 digits are read as seconds, 13 as milliseconds)."
        ),
    ] = None,
    event_name: Annotated[
        str | None,
        typer.Option(
            help="One event name for every row of an export without an event column, e.g. "
            "payment for a Stripe payments export (to take it from a column: --map event_name=Status)."
        ),
    ] = None,
    sheet: SheetOption = None,
    through: ThroughOption = None,
    allow_rejects: AllowRejectsOption = False,
) -> None:
    """Ingest product-event exports (CSV or JSON lines); each file is committed whole or not at all."""
    options = EventOptions(
        mapping=_mapping(map_),
        time_unit=time_unit,
        event_name=event_name,
        sheet=sheet,
        through=None if through is None else through.date(),
    )
    _ingest_all(files, "events", options=options, allow_rejects=allow_rejects)


@ingest_app.command("kpis")
def ingest_kpis_command(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Business-KPI CSV exports or Excel workbooks (.xlsx): long (date, metric, "
            "value[, segment]) or wide."
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
    ignore: Annotated[
        list[str] | None,
        typer.Option(help="A column to leave out (repeatable), e.g. --ignore Currency."),
    ] = None,
    table: Annotated[
        int | None,
        typer.Option(
            help="Which table of a file that holds several (1 = the first); by default the "
            "only one that runs over time."
        ),
    ] = None,
    sheet: SheetOption = None,
    through: ThroughOption = None,
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
        shape=shape,
        decimal=decimal,
        date_format=date_format,
        mapping=_mapping(map_),
        ignore=tuple(ignore or ()),
        table=table,
        sheet=sheet,
        through=None if through is None else through.date(),
    )
    _ingest_all(files, "kpis", options=options, allow_rejects=allow_rejects)
