"""`okrlens balance`: how much of each team's key results measure outputs, and how much outcomes."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.app import AsOfOption, FormatOption, app, as_of_date, current_answers
from cli.render import Format, render, table
from pipelines.service import ALL_PERIODS, OkrlensError

HOW_TO_READ = (
    "key results counted, not weighted: output = a milestone or a title that ships something, "
    "without a metric; product outcome = a leading metric; business outcome = a lagging one. "
    "position = the share of outcomes, from 0 (output-driven) to 1 (outcome-driven)."
)


@app.command()
def balance(
    as_of: AsOfOption = None,
    period: Annotated[
        str | None, typer.Option(help="Period name (default: the period containing --as-of).")
    ] = None,
    team: Annotated[str | None, typer.Option(help="One team (default: every team).")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Weigh outputs against outcomes: the share of key results of each kind, per team,
    objective and the company, and the teams whose mix should change."""
    answers = current_answers()
    chosen = answers.chosen_period(as_of_date(as_of), period)
    if chosen is None:
        names = ", ".join(p.name for p in answers.okrs.periods)
        raise OkrlensError(
            "the balance weighs one period at a time"
            if period == ALL_PERIODS
            else "no period has started by the as-of date",
            where="--period",
            fix=f"pass --period with one of: {names or '(none in okrs.yaml yet)'}",
        )
    found = answers.balance(chosen).of_team(answers.checked_team(team))
    if fmt is not Format.table:
        typer.echo(render(found.shares, fmt))
        return
    if found.key_results.empty:
        typer.echo(f"no key results in {chosen}")
        return
    typer.echo(f"output/outcome balance of {chosen}; {HOW_TO_READ}\n")
    typer.echo(table(found.share_table()))
    typer.echo("\nkey results behind each share:\n")
    typer.echo(table(found.kr_table(), max_width=72))
    for call_out in found.call_outs:
        typer.echo(f"\ncalled out: {call_out}")
