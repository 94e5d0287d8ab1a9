"""Commands about the work planned to move the key results: initiatives, ranked by RICE."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.app import AsOfOption, FormatOption, app, as_of_date, current_answers
from cli.render import Format, render, table
from pipelines.service import initiatives as service_initiatives

TABLE_COLUMNS = [
    "rank_company", "rank_team", "initiative_id", "team", "status", "rice", "reach", "impact",
    "confidence", "effort",
]  # fmt: skip


@app.command()
def initiatives(
    period: Annotated[
        str | None, typer.Option(help="Period name (default: the period containing --as-of).")
    ] = None,
    team: Annotated[str | None, typer.Option(help="One team (default: every team).")] = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Rank initiatives by RICE = reach × impact × confidence ÷ effort, inputs beside each score.

    Impact is derived from the key results each initiative serves: its expected effect as a
    share of what each still needs (or of its forecast's shortfall), weighted by the key
    result's share of the OKRs; zero for an initiative serving no key result of the period.
    Ideas, planned and in-progress initiatives are ranked; shipped and dropped ones are listed.
    """
    date = as_of_date(as_of)
    found = service_initiatives.ranking(current_answers(), date, period, team)
    if fmt is not Format.table:
        typer.echo(render(found.rows, fmt))
        return
    if found.rows.empty:
        typer.echo(f"no initiatives for {found.team or 'any team'} in initiatives.yaml")
        return
    typer.echo(f"RICE = reach × impact × confidence ÷ effort · {found.period} · as of {date}")
    typer.echo(table(found.rows[TABLE_COLUMNS]))
    typer.echo("\nimpact from the key results served:")
    for row in found.rows.to_dict("records"):
        typer.echo(f"  {row['initiative_id']}: {row['contributions'] or 'no key result served'}")
        if row["flag"]:
            typer.echo(f"    flag: {row['flag']}")
