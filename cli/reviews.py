"""`okrlens review`: the end-of-period review as Markdown or JSON, and reflections to record."""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Annotated

import typer

from cli.app import AsOfOption, app, as_of_date, chosen_workspace, current_answers
from pipelines.service import reviews, trust

review_app = typer.Typer(help="The end-of-period review, and the team's reflections.")
app.add_typer(review_app, name="review")


class ReviewFormat(StrEnum):
    """How `okrlens review` prints the review."""

    markdown = "markdown"
    json = "json"


@review_app.callback(invoke_without_command=True)
def review(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Option(
            help="Period name (default: the latest period over at --as-of, else the current)."
        ),
    ] = None,
    as_of: AsOfOption = None,
    fmt: Annotated[
        ReviewFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ReviewFormat.markdown,
) -> None:
    """Print the review of a period: final grades, week by week, shipped work and its measured
    effect, the band's questions, reflections, and the next period's draft."""
    if ctx.invoked_subcommand is not None:
        return
    date = as_of_date(as_of)
    found = current_answers().review(period, date)
    if fmt is ReviewFormat.json:
        typer.echo(json.dumps(found.record(), indent=1))
    else:
        typer.echo(reviews.review_markdown(found), nl=False)


@review_app.command("reflect")
def reflect(
    kr_id: Annotated[str, typer.Argument(help="The key result reflected on.")],
    note: Annotated[str, typer.Argument(help="What the team said.")],
    decision: Annotated[
        str | None,
        typer.Option(help="What the team decided for the next period: keep, raise or change."),
    ] = None,
    day: Annotated[
        dt.datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="The review's day (default: today)."),
    ] = None,
    author: Annotated[
        str | None, typer.Option(help="Whose words these are (default: you, who record them).")
    ] = None,
) -> None:
    """Record a reflection on a key result in reviews.yaml (you are its author; audited)."""
    workspace = chosen_workspace()
    reviews.record_reflection(
        workspace,
        trust.cli_actor(),
        kr_id,
        note,
        decision,
        day.date() if day else None,
        author=author,
    )
    typer.echo(f"recorded a reflection on {kr_id} in {workspace.reviews_path.name}")
