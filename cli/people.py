"""`okrlens audit` and `okrlens roles`: what happened, who did it, and who may do what."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from cli.app import FormatOption, app, chosen_workspace
from cli.render import Format, render
from pipelines.service import trust

roles_app = typer.Typer(help="List or change who holds which role (access.yaml).")
app.add_typer(roles_app, name="roles")


@app.command()
def audit(
    who: Annotated[str, typer.Option(help="Only events by actors whose name contains this.")] = "",
    action: Annotated[
        list[str] | None, typer.Option(help="Only this action (e.g. upload). Repeatable.")
    ] = None,
    outcome: Annotated[
        list[str] | None, typer.Option(help="Only this outcome: ok, refused, skipped.")
    ] = None,
    since: Annotated[
        dt.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Only events on or after this day (UTC)."),
    ] = None,
    limit: Annotated[int, typer.Option(help="Print at most this many events (0: all).")] = 50,
    fmt: FormatOption = Format.table,
) -> None:
    """Print the audit log, newest first: sign-ins, refusals, uploads, edits, exports."""
    log = trust.audit_log(
        chosen_workspace(),
        trust.cli_actor(),
        who=who,
        actions=action or (),
        outcomes=outcome or (),
        since=since.date() if since else None,
    )
    shown = log.head(limit) if limit else log
    if fmt is Format.table:
        shown = shown[["at_utc", "actor", "via", "action", "target", "outcome", "detail"]]
    typer.echo(render(shown, fmt))
    if fmt is Format.table and len(shown) < len(log):
        typer.echo(f"({len(shown)} of {len(log):,} events shown; --limit 0 for all)")


@roles_app.command("list")
def roles_list(fmt: FormatOption = Format.table) -> None:
    """Who holds which role."""
    workspace = chosen_workspace()
    spec = trust.access_settings(workspace)
    typer.echo(f"sign-in: {spec.sign_in}; anyone else signed in: {spec.everyone}")
    typer.echo(render(trust.roles(workspace, trust.cli_actor()), fmt))


@roles_app.command("set")
def roles_set(
    name: Annotated[
        str, typer.Argument(help="A person's e-mail address, or a group with --group.")
    ],
    role: Annotated[str, typer.Argument(help="none, viewer, analyst or admin.")],
    group: Annotated[bool, typer.Option("--group", help="NAME is a group.")] = False,
    team: Annotated[
        list[str] | None,
        typer.Option(help="For an analyst: only this team's key results. Repeatable."),
    ] = None,
) -> None:
    """Grant a role (none removes the entry); saved to access.yaml and audited."""
    trust.set_role(chosen_workspace(), trust.cli_actor(), name, role, group=group, teams=team)
    typer.echo(f"{name}: {role}" + (f" for {', '.join(team)}" if team else ""))
