"""`okrlens effects`: did the shipped work move the outcome?"""

from __future__ import annotations

from typing import Annotated

import typer

from cli.app import AsOfOption, FormatOption, app, as_of_date, current_answers
from cli.render import Format, render, table
from pipelines.service import effects as service_effects

HOW_TO_READ = (
    "each metric after the ship date against the forecast made from the data known that day: "
    "complete periods above, inside and below its 80 % band, and the mean difference from its "
    "median with an 80 % interval. An observational estimate, not proof: anything else that "
    "changed in the same weeks is in the difference too."
)


@app.command()
def effects(
    initiative: Annotated[
        str | None, typer.Option(help="One initiative's id (default: every shipped one).")
    ] = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Did the shipped work move the outcome? Each shipped initiative against its forecast.

    The metric of each key result a shipped initiative serves (and the metric a measured link
    says leads it), after the ship date, against the forecast made from the data known then.
    """
    answers = current_answers()
    date = as_of_date(as_of)
    if initiative is not None:
        service_effects.shipped_initiative(answers, initiative, date)  # refused in words if not
    found = service_effects.effects_of(answers, date, initiative)
    if fmt is not Format.table:
        typer.echo(render(found, fmt))
        return
    if found.empty:
        typer.echo("no shipped initiative serves a key result with a metric yet")
        return
    typer.echo(f"{HOW_TO_READ}\n")
    typer.echo(table(service_effects.effects_summary(answers, found)))
    typer.echo("")
    for row in found.itertuples(index=False):
        typer.echo(f"{row.initiative_id} → {row.kr_id} ({row.metric}, {row.role}): {row.wording}")
