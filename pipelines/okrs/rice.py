"""RICE scores of initiatives, with impact derived from the key results they serve.

    rice = reach × impact × confidence ÷ effort

Reach, confidence and effort are declared in initiatives.yaml. Impact never is: it is what the
initiative is expected to do to the OKRs of the active period, summed over the key results it
serves,

    impact = Σ share(kr) × weight(kr)

so it is 0 for an initiative that serves no key result of the period.

share(kr) is the expected effect as a share of what is still missing, clamped to [0, 1]:

- increase / decrease: the gap is target − current (current − target for a decrease). When the
  forecast's median end value falls short of the target, the gap is that shortfall instead
  (target − median_end, or median_end − target), since that is what the work has to make up.
  share = the effect toward the target ÷ the gap. A gap already closed gives 0 and the key
  result reads "reached"; an effect away from the target gives 0 and is flagged.
- stay_above / stay_below: a guardrail counts as an increase (a decrease) toward its line, with
  the same rule: while the metric and its forecast hold the line there is nothing to make up
  (0, "reached"); once either crosses it, the distance back to the line is the gap.
- milestone: the gap is 1 − progress (its latest check-in, 0 before any) and the effect is the
  share of the milestone the initiative delivers (0.5: half of it).
- not counted, and said: a key result of another period, one whose expected effect is not
  stated, one without a target or a current value yet, and a rolled-up key result (it has no
  metric of its own: the initiative should serve the key results of the objectives telescoped
  from it, which count for it through their weight).

weight(kr) is the key result's share of the OKRs: its weight ÷ the sum of its objective's key
result weights and, for an objective telescoped from a parent key result (parent_kr), times
that parent's share of its own objective, up to a top-level objective. Each top-level objective
counts as 1, so impact is "the part of the OKRs this initiative closes", comparable across
teams: a Product key result telescoped from a company key result weighing a third of the
company objective carries a third of its own objective share.

Ranks (company-wide and within the team, 1 = highest score, ties share a rank) go to ideas,
planned and in-progress initiatives whose score is computable: shipped work is judged by its
measured effect rather than prioritised again, and dropped work is not planned. Both are
listed, with their scores, after the ranked ones.

A key result is "forecast to be exceeded" when its forecast's median end value reaches or
passes its target (a milestone or a key result without a forecast: when it is reached). The
bands are not used for this: the default preset calls 80 % of the way "exceeded".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from pipelines.okrs.initiatives import Initiative, InitiativeSet, Status
from pipelines.okrs.spec import Objective, OkrSet

RICE_COLUMNS: tuple[str, ...] = (
    "initiative_id", "title", "team", "owner", "status", "ship_date", "key_results", "reach",
    "impact", "confidence", "effort", "rice", "rank_company", "rank_team", "contributions",
    "flag",
)  # fmt: skip
FLOAT_COLUMNS = ("reach", "impact", "confidence", "effort", "rice")
RANKED: tuple[Status, ...] = ("idea", "planned", "in_progress")
# The types whose target lies above the start; the others move down toward it.
UPWARD = frozenset({"increase", "stay_above", "milestone"})

State = Literal[
    "counted", "reached", "away", "no_effect", "other_period", "rolled_up", "unmeasured"
]


@dataclass(frozen=True)
class Contribution:
    """What one served key result adds to an initiative's impact, and why, in words."""

    kr_id: str
    state: State
    share: float  # of the gap, in [0, 1]; 0 unless counted
    weight: float  # the key result's share of the OKRs
    text: str
    forecast_exceeded: bool = False  # reached, or forecast to reach its target

    @property
    def impact(self) -> float:
        """share × weight: what this key result adds to the initiative's impact."""
        return self.share * self.weight


def weight_steps(okrs: OkrSet, kr_id: str) -> list[tuple[float, str]]:
    """(share, objective id) from kr_id's objective up through each telescoped parent.

    Example: a key result weighing 1 of 4 in an objective telescoped from a parent key
    result weighing 2 of 6 gives [(0.25, child id), (0.333…, parent id)].
    """
    objective = okrs.owner_of(kr_id)
    if objective is None:
        return []
    steps = [(_share_in(objective, kr_id), objective.id)]
    child = objective
    for parent in okrs.ancestors(objective):
        steps.append((_share_in(parent, str(child.parent_kr)), parent.id))
        child = parent
    return steps


def _share_in(objective: Objective, kr_id: str) -> float:
    """Key result kr_id's weight ÷ the sum of its objective's key result weights."""
    total = sum(kr.weight for kr in objective.key_results)
    return next(kr.weight for kr in objective.key_results if kr.id == kr_id) / total


def _weight_text(steps: list[tuple[float, str]]) -> str:
    """The weight share in words, with its steps when the objective is telescoped."""
    weight = math.prod(share for share, _ in steps)
    chain = " × ".join(f"{percent_text(share)} in {oid}" for share, oid in steps)
    return f"weight share {percent_text(weight)}" + (f" ({chain})" if len(steps) > 1 else "")


def _unit(value: Any) -> str:
    """A score row's unit as text ("" when it has none)."""
    return value if isinstance(value, str) else ""


# The service layer's formatting (value_text) sits above this module; these two say just
# enough for a contribution: amounts in the metric's unit, shares as whole percentages.
def percent_text(share: float) -> str:
    """share (1.0 = 100 %) as a whole percentage: 0.2857 is "29%"."""
    return f"{share:.0%}"


def amount_text(value: float, unit: str, *, signed: bool = False) -> str:
    """value in the metric's unit: percentage points for a percent metric, else the number
    (thousands separated, three significant digits below 1,000) and its unit.

    Example:
        >>> amount_text(0.08, "%", signed=True), amount_text(8894.2, "USD"), amount_text(0.34, "")
        ('+8 pts', '8,894 USD', '0.34')
    """
    shown = value * 100 if unit == "%" else value
    number = f"{abs(shown):,.0f}" if abs(shown) >= 1000 else f"{abs(shown):.3g}"
    sign = "-" if value < 0 else "+" if signed else ""
    suffix = "pts" if unit == "%" else unit
    return f"{sign}{number} {suffix}".strip()


def _number(value: Any) -> float:
    """value as a float, NaN when it is missing."""
    return math.nan if value is None or pd.isna(value) else float(value)


@dataclass(frozen=True)
class Gap:
    """What a key result still misses, in its own direction (0 or less: nothing)."""

    size: float
    words: str  # "of the 0.3 still needed"
    exceeded: bool  # reached, or forecast to reach its target


def _gap(score: pd.Series, median_end: float, up: float) -> Gap | None:
    """The gap an effect on the scored key result is a share of; None when it cannot be
    measured (no target or no current value yet)."""
    unit = _unit(score["unit"])
    if score["type"] == "milestone":
        progress = _number(score["progress"])
        done = 0.0 if math.isnan(progress) else min(max(progress, 0.0), 1.0)
        return Gap(
            1.0 - done, f"of the {percent_text(1.0 - done)} of the milestone left", done >= 1
        )
    target, current = _number(score["target"]), _number(score["current"])
    if math.isnan(target) or math.isnan(current):
        return None
    needed = (target - current) * up
    short = (target - median_end) * up  # NaN without a forecast: every comparison is False
    exceeded = short <= 0 if not math.isnan(short) else needed <= 0
    if short > 0:
        return Gap(short, f"of the {amount_text(short, unit)} the forecast falls short", exceeded)
    return Gap(needed, f"of the {amount_text(needed, unit)} still needed", exceeded)


def contribution(
    okrs: OkrSet,
    kr_id: str,
    effect: float | None,
    score: pd.Series | None,
    median_end: float,
    period: str,
) -> Contribution:
    """What serving kr_id with effect adds to an initiative's impact in period.

    score is the key result's row of the score frame (None when it is not scored in period);
    median_end its forecast's median end value (NaN without a forecast).
    """
    objective = okrs.owner_of(kr_id)
    if objective is None or objective.period != period or score is None:
        where = objective.period if objective is not None else "no period"
        return Contribution(kr_id, "other_period", 0.0, 0.0, f"{kr_id}: in {where}, not {period}")
    steps = weight_steps(okrs, kr_id)

    def said(state: State, words: str, share: float = 0.0, exceeded: bool = False) -> Contribution:
        """The contribution in state, its words after the key result's id."""
        weight = math.prod(w for w, _ in steps)
        return Contribution(kr_id, state, share, weight, f"{kr_id}: {words}", exceeded)

    if score["type"] == "rollup":
        return said("rolled_up", "rolls up from its child objectives' key results, not counted")
    up = 1.0 if score["type"] in UPWARD else -1.0
    gap = _gap(score, median_end, up)
    if gap is None:
        return said("unmeasured", "no target or no current value yet, not counted")
    if effect is None:
        return said("no_effect", "no expected effect stated", exceeded=gap.exceeded)
    if score["type"] == "milestone":
        stated = percent_text(effect)
    else:
        stated = amount_text(effect, _unit(score["unit"]), signed=True)
    if gap.size <= 0:
        return said("reached", f"{stated}, but already at its target (0%)", exceeded=True)
    if effect * up < 0:
        return said("away", f"{stated} moves away from the target (0%)", exceeded=gap.exceeded)
    share = min(effect * up / gap.size, 1.0)
    words = f"{stated} {gap.words} ({percent_text(share)}) × {_weight_text(steps)}"
    return said("counted", words, share, gap.exceeded)


def _flags(initiative: Initiative, found: list[Contribution], period: str) -> list[str]:
    """What a reader of the score should know: why it is 0, low, or not computable."""

    def ids(*states: State) -> str:
        return ", ".join(c.kr_id for c in found if c.state in states)

    in_period = [c for c in found if c.state != "other_period"]
    measured = [c for c in in_period if c.state not in ("rolled_up", "unmeasured")]
    flags = []
    if not in_period:
        flags.append(f"serves no key result of {period}")
    elif measured and all(c.forecast_exceeded for c in measured):
        flags.append("serves only key results already forecast to be exceeded")
    if named := ids("no_effect"):
        flags.append(f"no expected effect stated for {named}")
    if named := ids("away"):
        flags.append(f"expected effect moves away from the target on {named}")
    if named := ids("rolled_up"):
        flags.append(f"{named} rolls up from child objectives: serve their key results instead")
    if named := ids("unmeasured"):
        flags.append(f"the gap of {named} cannot be measured yet")
    inputs = (
        ("reach", initiative.reach), ("confidence", initiative.confidence),
        ("effort", initiative.effort),
    )  # fmt: skip
    missing = [name for name, value in inputs if value is None]
    if missing:
        flags.append(f"no {', '.join(missing)}: score not computable")
    return flags


def _row(initiative: Initiative, found: list[Contribution], period: str) -> dict[str, Any]:
    """One initiative's row of the RICE frame, unranked."""
    impact = sum(c.impact for c in found)
    reach, confidence, effort = initiative.reach, initiative.confidence, initiative.effort
    rice = math.nan
    if reach is not None and confidence is not None and effort is not None:
        rice = reach * impact * confidence / effort
    return {
        "initiative_id": initiative.id,
        "title": initiative.title,
        "team": initiative.team,
        "owner": initiative.owner,
        "status": initiative.status,
        "ship_date": initiative.ship_date,
        "key_results": tuple(s.key_result for s in initiative.serves),
        "reach": reach,
        "impact": impact,
        "confidence": confidence,
        "effort": effort,
        "rice": rice,
        "contributions": "; ".join(c.text for c in found),
        "flag": "; ".join(_flags(initiative, found, period)),
    }


def _whole(ranks: pd.Series) -> pd.Series:
    """ranks as whole numbers, None where there is no rank (an object column, for JSON and CSV)."""
    return pd.Series(
        [None if pd.isna(r) else int(r) for r in ranks], index=ranks.index, dtype="object"
    )


def rice_scores(
    initiatives: InitiativeSet,
    okrs: OkrSet,
    krs: pd.DataFrame,
    forecasts: pd.DataFrame,
    period: str,
) -> pd.DataFrame:
    """One row per initiative: its RICE score for period, every input beside it, its ranks.

    krs is the score frame of period (`key_result_scores`), forecasts its forecast frame
    (`kr_forecasts`: median_end per kr_id). Ranked rows come first, by company rank; the
    others follow in file order. See the module docstring for impact and ranks.
    """
    scored = {str(row["kr_id"]): row for _, row in krs.iterrows()}
    medians = dict(zip(forecasts["kr_id"], forecasts["median_end"], strict=True))

    def contributions(initiative: Initiative) -> list[Contribution]:
        """What each key result initiative serves adds to its impact."""
        return [
            contribution(
                okrs, s.key_result, s.effect, scored.get(s.key_result),
                _number(medians.get(s.key_result)), period,
            )
            for s in initiative.serves
        ]  # fmt: skip

    rows = [_row(i, contributions(i), period) for i in initiatives.initiatives]
    unranked = [c for c in RICE_COLUMNS if not c.startswith("rank_")]
    frame = pd.DataFrame.from_records(rows, columns=unranked)
    frame = frame.astype(dict.fromkeys(FLOAT_COLUMNS, "float64"))
    ranked = frame["rice"].where(frame["status"].isin(RANKED))
    company = ranked.rank(method="min", ascending=False)
    frame["rank_company"] = _whole(company)
    frame["rank_team"] = _whole(ranked.groupby(frame["team"]).rank(method="min", ascending=False))
    order = pd.DataFrame({"rank": company, "order": range(len(frame))}, index=frame.index)
    order = order.sort_values(["rank", "order"], na_position="last")
    return frame.loc[order.index, list(RICE_COLUMNS)].reset_index(drop=True)
