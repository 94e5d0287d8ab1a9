"""What an initiative is, as declared in initiatives.yaml: the outputs that serve key results.

An initiative is work a team ships (a feature, a launch, a campaign). It matters only through
the key results it serves, so each one names them, with the change it is expected to make to
each key result's metric ("+0.1 workflows per active user"). Its RICE inputs (reach,
confidence, effort) are declared here; its impact is never declared: `pipelines.okrs.rice`
derives it from the key results it serves.

The file is optional (no file: no initiatives) and is read item by item, like okrs.yaml: one
broken initiative is left out and listed, the others stand.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines.definitions import Broken
from pipelines.errors import OkrlensError
from pipelines.itemfiles import valid_items
from pipelines.okrs.spec import OkrSet
from pipelines.yamlio import load_mapping

Status = Literal["idea", "planned", "in_progress", "shipped", "dropped"]
STATUSES: tuple[Status, ...] = ("idea", "planned", "in_progress", "shipped", "dropped")
FILE = "initiatives.yaml"


class Serves(BaseModel):
    """One key result an initiative serves, and the change it is expected to make to it."""

    model_config = ConfigDict(extra="forbid")
    key_result: str
    # In the key result's metric units, signed ("+0.1" workflows per active user, "-0.5" hours
    # of response time); for a milestone, the share of the milestone it delivers (0–1).
    # None: the team has not said, so the initiative's impact on it cannot be computed.
    effect: float | None = None


class Initiative(BaseModel):
    """An output: work a team ships, the key results it serves, and its RICE inputs."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=80)
    title: str = Field(min_length=1, max_length=200)
    team: str = Field(min_length=1, max_length=80)
    owner: str = Field(default="", max_length=120)
    status: Status = "idea"
    # The day it reached users: required once shipped, and where "did it move the outcome" starts.
    ship_date: dt.date | None = None
    serves: list[Serves] = Field(default_factory=list, max_length=20)
    # RICE inputs: people (or accounts) reached per period, confidence 0–1, effort in
    # person-weeks. Impact is derived from the key results served, never declared.
    reach: float | None = Field(default=None, ge=0)
    confidence: float | None = Field(default=None, ge=0, le=1)
    effort: float | None = Field(default=None, gt=0)
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _coherent(self) -> Initiative:
        if self.status == "shipped" and self.ship_date is None:
            raise ValueError(f"initiative {self.id} is shipped but has no ship_date")
        served = [s.key_result for s in self.serves]
        repeated = sorted({k for k in served if served.count(k) > 1})
        if repeated:
            raise ValueError(
                f"initiative {self.id} lists key result {', '.join(repeated)} more than once"
            )
        return self


class InitiativeSet(BaseModel):
    """The whole initiatives.yaml file."""

    model_config = ConfigDict(extra="forbid")
    initiatives: list[Initiative] = Field(default_factory=list)

    def get(self, initiative_id: str) -> Initiative:
        """The initiative called initiative_id; OkrlensError when there is none."""
        found = next((i for i in self.initiatives if i.id == initiative_id), None)
        if found is None:
            raise OkrlensError(
                f"no initiative {initiative_id!r}",
                where=FILE,
                fix="use the id of an initiative declared in initiatives.yaml: "
                + (", ".join(i.id for i in self.initiatives) or "(none yet)"),
            )
        return found

    def serving(self, kr_id: str) -> list[Initiative]:
        """The initiatives that serve key result kr_id, in file order."""
        return [i for i in self.initiatives if any(s.key_result == kr_id for s in i.serves)]


def _unknown_key_results(initiative: Initiative, okrs: OkrSet) -> list[str]:
    """The key results initiative says it serves that okrs does not hold."""
    known = {kr.id for o in okrs.objectives for kr in o.key_results}
    return [s.key_result for s in initiative.serves if s.key_result not in known]


def initiative_set_of(raw: dict[str, Any], okrs: OkrSet) -> tuple[InitiativeSet, list[Broken]]:
    """The initiatives of the parsed file raw that stand against okrs, and the ones left out."""

    def problem(initiative: Initiative, kept: list[Initiative]) -> str:
        """Why a valid initiative still cannot stand: a repeated id, a key result okrs lacks."""
        if any(k.id == initiative.id for k in kept):
            return "an initiative with that id comes earlier"
        if unknown := _unknown_key_results(initiative, okrs):
            return f"it serves {', '.join(unknown)}, which okrs.yaml does not hold (or left out)"
        return ""

    kept, broken = valid_items(
        raw, FILE, "initiatives", Initiative, kind="initiative", label_field="id", problem=problem
    )
    return InitiativeSet(initiatives=kept), broken


def load_initiatives(path: Path, okrs: OkrSet) -> tuple[InitiativeSet, list[Broken]]:
    """The initiatives declared in path (none when it does not exist), and the ones left out."""
    if not path.exists():
        return InitiativeSet(), []
    return initiative_set_of(load_mapping(path), okrs)
