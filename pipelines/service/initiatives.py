"""Initiatives on pages and in the CLI: the RICE ranking of a period, and every change to
initiatives.yaml.

The ranking is `Answers.rice` (pipelines.okrs.rice: impact derived from the key results
served) for one team or all, ranked initiatives first. Each change takes the actor first and is
refused (and the refusal audited) unless the actor may define initiatives for the initiative's
team; numbers are read as people type them (`number_from_text`: "1,200", confidence in percent,
an effect on a percent metric in points); the change is checked like a hand-written file
(pipelines.okrs.initiative_edit), saved atomically and audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import ValidationError

from pipelines import audit
from pipelines.access import Action, Actor
from pipelines.errors import OkrlensError
from pipelines.ingest.dialect import slug
from pipelines.itemfiles import problem_of
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs import initiative_edit
from pipelines.okrs.changes import number_from_text
from pipelines.okrs.initiatives import STATUSES, Initiative, InitiativeSet
from pipelines.okrs.spec import OkrSet
from pipelines.service.answers import Answers
from pipelines.service.edits import allow
from pipelines.workspace import Workspace

__all__ = [
    "STATUSES",
    "InitiativeDraft",
    "Ranking",
    "add_initiative",
    "draft_of",
    "effect_unit",
    "ranking",
    "remove_initiative",
    "update_initiative",
]


@dataclass(frozen=True)
class Ranking:
    """The initiatives of one period (and team), ranked by RICE, their inputs beside each score."""

    period: str
    team: str | None
    # One row per initiative (pipelines.okrs.rice.RICE_COLUMNS): ranked ones first, by rank.
    rows: pd.DataFrame
    # Each team's initiatives in the team's own order, teams in order of their best initiative.
    teams: tuple[tuple[str, pd.DataFrame], ...]


def ranking(
    answers: Answers, as_of: dt.date, period: str | None = None, team: str | None = None
) -> Ranking:
    """The RICE ranking of period (default: the one containing as_of) for team (None: all)."""
    chosen = answers.chosen_period(as_of, period)
    if chosen is None:
        raise OkrlensError(
            "RICE ranks the initiatives of one period", where="period", fix="name one period"
        )
    declared = answers.workspace.initiatives(answers.okrs).initiatives
    teams = {i.team for i in declared} | {o.team for o in answers.okrs.objectives}
    if team is not None and team not in teams:
        raise OkrlensError(
            f"unknown team {team!r}", where="team", fix=f"use one of: {', '.join(sorted(teams))}"
        )
    rows = answers.rice(as_of, chosen)
    if team is not None:
        rows = rows[rows["team"] == team].reset_index(drop=True)
    # Within a team, company order is the team's order: both rank the same scores.
    per_team = tuple(
        (name, rows[rows["team"] == name].reset_index(drop=True))
        for name in dict.fromkeys(rows["team"])
    )
    return Ranking(chosen, team, rows, per_team)


@dataclass(frozen=True)
class InitiativeDraft:
    """An initiative as its form shows and types it: numbers as text, confidence in percent,
    each expected effect in its key result's form unit (see effect_unit)."""

    title: str = ""
    team: str = ""
    owner: str = ""
    status: str = "idea"
    ship_date: dt.date | None = None
    effects: tuple[tuple[str, str], ...] = ()  # (key result id, expected effect as typed)
    reach: str = ""
    confidence: str = ""
    effort: str = ""
    note: str = ""
    id: str = ""  # a new initiative's id; "" makes one from the title


# How a form types effects that the file stores as fractions.
POINTS = "pts"
MILESTONE_SHARE = "% of the milestone"


def effect_unit(okrs: OkrSet, catalog: MetricCatalog, kr_id: str) -> str:
    """How a form types the expected effect on kr_id: in points for a percent metric, in
    percent of a milestone, else in the metric's unit ("" when it has none)."""
    owner = okrs.owner_of(kr_id)
    if owner is None:
        return ""
    kr = next(k for k in owner.key_results if k.id == kr_id)
    if kr.kr_type == "milestone":
        return MILESTONE_SHARE
    unit = next((m.unit for m in catalog.metrics if m.name == kr.metric), "")
    return POINTS if unit == "%" else unit


def _typed_in_percent(okrs: OkrSet, catalog: MetricCatalog, kr_id: str) -> bool:
    """True when the effect on kr_id is typed in percent (35 for the stored 0.35)."""
    return effect_unit(okrs, catalog, kr_id) in (POINTS, MILESTONE_SHARE)


def _as_typed(value: float | None, percent: bool = False) -> str:
    """value as a person would type it: 80 for 0.8 in a percent field, "" for none."""
    if value is None:
        return ""
    return f"{value * 100 if percent else value:.10g}"


def draft_of(workspace: Workspace, initiative_id: str) -> InitiativeDraft:
    """The form of initiative initiative_id as the file holds it now; OkrlensError if none."""
    okrs = workspace.okrs()
    catalog = workspace.catalog()
    found = workspace.initiatives(okrs).get(initiative_id)
    return InitiativeDraft(
        title=found.title,
        team=found.team,
        owner=found.owner,
        status=found.status,
        ship_date=found.ship_date,
        effects=tuple(
            (s.key_result, _as_typed(s.effect, _typed_in_percent(okrs, catalog, s.key_result)))
            for s in found.serves
        ),
        reach=_as_typed(found.reach),
        confidence=_as_typed(found.confidence, percent=True),
        effort=_as_typed(found.effort),
        note=found.note,
        id=found.id,
    )


def _checked(workspace: Workspace, draft: InitiativeDraft, initiative_id: str) -> Initiative:
    """The initiative draft declares under initiative_id; OkrlensError saying what is wrong.

    Refused like the file would refuse it, and when it serves a key result okrs.yaml lacks.
    """
    okrs = workspace.okrs()
    catalog = workspace.catalog()
    known = {kr.id for o in okrs.objectives for kr in o.key_results}
    unknown = [kr for kr, _ in draft.effects if kr not in known]
    if unknown:
        raise OkrlensError(
            f"there is no key result {unknown[0]!r}", fix="pick key results okrs.yaml holds"
        )
    serves = [
        {
            "key_result": kr,
            "effect": number_from_text(
                text, f"expected effect on {kr}", percent=_typed_in_percent(okrs, catalog, kr)
            ),
        }
        for kr, text in draft.effects
    ]
    fields: dict[str, Any] = {
        "id": initiative_id,
        "title": draft.title.strip(),
        "team": draft.team.strip(),
        "owner": draft.owner.strip(),
        "status": draft.status,
        "ship_date": draft.ship_date,
        "serves": serves,
        "reach": number_from_text(draft.reach, "reach"),
        "confidence": number_from_text(draft.confidence, "confidence", percent=True),
        "effort": number_from_text(draft.effort, "effort"),
        "note": draft.note.strip(),
    }
    try:
        return Initiative.model_validate(fields)
    except (ValidationError, ValueError) as exc:
        raise OkrlensError(
            f"the initiative cannot be saved: {problem_of(exc)}", fix="correct that field"
        ) from None


def _new_id(initiatives: InitiativeSet, wanted: str, title: str) -> str:
    """wanted (or, when blank, the slug of title), refused when an initiative already has it."""
    chosen = wanted.strip() or slug(title).replace("_", "-")[:40].strip("-")
    if not title.strip():
        raise OkrlensError("the new initiative has no title", fix="give it a title")
    if any(i.id == chosen for i in initiatives.initiatives):
        raise OkrlensError(
            f"an initiative called {chosen!r} already exists",
            fix="choose another id (ids are how links find an initiative)",
        )
    return chosen


def _team_of(workspace: Workspace, initiative_id: str) -> str | None:
    """The team of initiative initiative_id, None when there is none."""
    found = (i for i in workspace.initiatives().initiatives if i.id == initiative_id)
    return next((i.team for i in found), None)


def add_initiative(workspace: Workspace, actor: Actor, draft: InitiativeDraft) -> InitiativeSet:
    """Add the initiative draft declares to initiatives.yaml (created when missing), audited."""
    allow(workspace, actor, Action.DEFINE_INITIATIVES, draft.title, draft.team.strip())
    chosen = _new_id(workspace.initiatives(), draft.id, draft.title)
    initiative = _checked(workspace, draft, chosen)
    with audit.recording_edit(
        workspace.home, actor, "add initiative", chosen, [workspace.initiatives_path]
    ):
        return initiative_edit.add_initiative(workspace, initiative)


def update_initiative(
    workspace: Workspace, actor: Actor, initiative_id: str, draft: InitiativeDraft
) -> InitiativeSet:
    """Make initiative initiative_id hold what draft declares (its id stays), audited.

    Moving it to another team needs the right to define initiatives of both teams.
    """
    allow(
        workspace,
        actor,
        Action.DEFINE_INITIATIVES,
        initiative_id,
        _team_of(workspace, initiative_id),
    )
    allow(workspace, actor, Action.DEFINE_INITIATIVES, initiative_id, draft.team.strip())
    workspace.initiatives().get(initiative_id)  # OkrlensError when there is none
    initiative = _checked(workspace, draft, initiative_id)
    with audit.recording_edit(
        workspace.home, actor, "edit initiative", initiative_id, [workspace.initiatives_path]
    ):
        return initiative_edit.update_initiative(workspace, initiative)


def remove_initiative(workspace: Workspace, actor: Actor, initiative_id: str) -> InitiativeSet:
    """Remove initiative initiative_id from initiatives.yaml, audited."""
    allow(
        workspace,
        actor,
        Action.DEFINE_INITIATIVES,
        initiative_id,
        _team_of(workspace, initiative_id),
    )
    workspace.initiatives().get(initiative_id)  # OkrlensError when there is none
    with audit.recording_edit(
        workspace.home, actor, "remove initiative", initiative_id, [workspace.initiatives_path]
    ):
        return initiative_edit.remove_initiative(workspace, initiative_id)
