"""`okrlens ingest events|kpis`: exports into the store, each file whole or not at all."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.app import AllowRejectsOption, MapOption, chosen_workspace, ingest_app
from cli.render import table
from pipelines.service import (
    SHAPES,
    IngestRejected,
    IngestReport,
    KpiOptions,
    OkrlensError,
    edits,
    trust,
)


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
    files: list[Path],
    kind: str,
    *,
    allow_rejects: bool,
    options: KpiOptions | None = None,
    mapping: dict[str, str] | None = None,
) -> None:
    """Ingest each file in turn; stop at the first refused file (earlier files stay committed)."""
    reports = edits.ingest_exports(
        chosen_workspace(),
        trust.cli_actor(),
        files,
        kind,
        options=options,
        mapping=mapping,
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
            "properties...) or JSON-lines exports (Mixpanel, Amplitude, PostHog, Segment)."
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
    allow_rejects: AllowRejectsOption = False,
) -> None:
    """Ingest product-event exports (CSV or JSON lines); each file is committed whole or not at all."""
    # The unit travels with the column roles (as the mapping's "time_unit"), which is how the
    # service layer passes an events file's options on.
    mapping = _mapping(map_) | ({"time_unit": time_unit} if time_unit else {})
    _ingest_all(files, "events", mapping=mapping, allow_rejects=allow_rejects)


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
    )
    _ingest_all(files, "kpis", options=options, allow_rejects=allow_rejects)
