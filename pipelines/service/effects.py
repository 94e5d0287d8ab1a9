"""Did the shipped work move the outcome: the effects as `okrlens effects` and the pages show them.

`Answers.effects(as_of)` holds every shipped initiative's judged metrics for one data version
(`pipelines.insight.effects.Effects`: the table and each chart's path); the functions here pick
from it and put it in words.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

import pandas as pd

from pipelines.errors import OkrlensError
from pipelines.insight.effects import EFFECT_COLUMNS, PATH_COLUMNS, Effects
from pipelines.metrics.grains import GRAINS
from pipelines.okrs.initiatives import FILE, Initiative
from pipelines.service.formatting import change_text

if TYPE_CHECKING:
    from pipelines.service.answers import Answers

__all__ = [
    "EFFECT_COLUMNS",
    "PATH_COLUMNS",
    "SERVING_COLUMNS",
    "Effects",
    "effects_of",
    "effects_summary",
    "serving",
    "shipped_initiative",
]

SERVING_COLUMNS = [
    "initiative_id", "initiative", "team", "status", "ship_date", "expected_effect", "state",
]  # fmt: skip


def effects_of(
    answers: Answers,
    as_of: dt.date,
    initiative_id: str | None = None,
    kr_id: str | None = None,
) -> pd.DataFrame:
    """The effects table at as_of (EFFECT_COLUMNS), of one initiative and key result if named."""
    table = answers.effects(as_of).table
    if initiative_id is not None:
        table = table[table["initiative_id"] == initiative_id]
    if kr_id is not None:
        table = table[table["kr_id"] == kr_id]
    return table.reset_index(drop=True)


def shipped_initiative(answers: Answers, initiative_id: str, as_of: dt.date) -> Initiative:
    """The initiative called initiative_id, shipped by as_of.

    OkrlensError for one initiatives.yaml does not hold, or one not shipped by as_of: only
    shipped work is compared with a forecast.
    """
    initiative = answers.workspace.initiatives(answers.okrs).get(initiative_id)
    shipped = initiative.ship_date
    if initiative.status == "shipped" and shipped is not None and shipped <= as_of:
        return initiative
    state = (
        f"ships on {shipped}, after {as_of}"
        if initiative.status == "shipped"
        else f"is {initiative.status.replace('_', ' ')}"
    )
    raise OkrlensError(
        f"initiative {initiative_id} {state}: only shipped work is compared with a forecast",
        where=f"{FILE}, initiative {initiative_id}",
        fix="once it reaches users, set its status to shipped and its ship_date; or pick a "
        "later --as-of",
    )


def _interval_text(low: float, high: float, unit: str) -> str:
    """An effect's 80 % interval as people read it: "+1.1 pts to +11.5 pts", or a dash."""
    if math.isnan(low) or math.isnan(high):
        return "–"
    return f"{change_text(low, unit)} to {change_text(high, unit)}"


def effects_summary(answers: Answers, table: pd.DataFrame) -> pd.DataFrame:
    """The effects table as a terminal reads it: counts, the effect and its interval in the
    metric's unit, the verdict and its direction (the wording itself is printed under it)."""
    metrics = {m.name: m for m in answers.catalog.metrics}
    units = [metrics[name].unit for name in table["metric"].astype(str)]
    grains = [GRAINS[metrics[name].grain] for name in table["metric"].astype(str)]
    effect = table["effect"].astype(float)
    return pd.DataFrame(
        {
            "initiative_id": table["initiative_id"],
            "kr_id": table["kr_id"],
            "metric": table["metric"],
            "role": table["role"],
            "shipped": table["ship_date"],
            "after": [
                g.count(n) for g, n in zip(grains, table["periods_after"].astype(int), strict=True)
            ],
            "above": table["above"],
            "inside": table["inside"],
            "below": table["below"],
            "effect": [
                "–" if math.isnan(e) else change_text(e, u)
                for e, u in zip(effect, units, strict=True)
            ],
            "interval80": [
                _interval_text(lo, hi, u)
                for lo, hi, u in zip(
                    table["effect_lo"].astype(float),
                    table["effect_hi"].astype(float),
                    units,
                    strict=True,
                )
            ],
            "verdict": table["verdict"].where(
                table["direction"] == "", table["verdict"] + " (" + table["direction"] + ")"
            ),
        }
    )


def _state_text(status: str, ship_date: dt.date | None, expected: float | None, unit: str) -> str:
    """An initiative's state in words: "shipped 28 Sep 2026 · expected +8 pts"."""
    state = status.replace("_", " ")
    if status == "shipped" and ship_date is not None:
        state += f" {ship_date.day} {ship_date:%b %Y}"
    return state + (f" · expected {change_text(expected, unit)}" if expected is not None else "")


def serving(answers: Answers, kr_id: str) -> pd.DataFrame:
    """The initiatives that serve key result kr_id, in file order (SERVING_COLUMNS): the effect
    each expects on it (NaN when its team has not said) and its state in words."""
    kr = answers.okrs.key_result(kr_id)[1]
    units = {m.name: m.unit for m in answers.catalog.metrics}
    unit = units.get(kr.metric or "", "")
    rows = []
    for initiative in answers.workspace.initiatives(answers.okrs).serving(kr_id):
        expected = next(s.effect for s in initiative.serves if s.key_result == kr_id)
        rows.append(
            {
                "initiative_id": initiative.id,
                "initiative": initiative.title,
                "team": initiative.team,
                "status": initiative.status,
                "ship_date": initiative.ship_date,
                "expected_effect": expected,
                "state": _state_text(initiative.status, initiative.ship_date, expected, unit),
            }
        )
    return pd.DataFrame(rows, columns=SERVING_COLUMNS).astype({"expected_effect": float})
