"""The end-of-period review: every key result's grade, its weeks, the work shipped for it and
what that work measurably did, the band's questions, the team's reflections, and a draft of
the next period (keep, raise or change) with the data that argues for it.

Everything here is chosen and worded from frames other modules compute (scores, their weekly
history, measured links, the effects of shipped initiatives); the review only assembles them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipelines.insight.forecast.bands import likeliest_band
from pipelines.metrics.readings import known_rows
from pipelines.metrics.spec import MetricCatalog
from pipelines.okrs.bands import PRESETS, BandPreset
from pipelines.okrs.initiatives import InitiativeSet
from pipelines.okrs.reviews import (
    DECISION_WORDS,
    NO_DATA_QUESTIONS,
    QUESTIONS,
    Decision,
    Reflection,
    ReviewSet,
    next_review,
)
from pipelines.okrs.spec import KeyResult, Objective, OkrSet, Period

# Exceeded this many periods running (this one included), a target is sandbagged.
SANDBAGGED_AFTER = 3
# A leading metric "moved" when it changed this much (relative) in its good direction.
MOVED = 0.05


@dataclass(frozen=True)
class Draft:
    """What the data argues for the next period: a decision and why."""

    decision: Decision
    why: str

    @property
    def words(self) -> str:
        """The decision as a phrase ("raise the target")."""
        return DECISION_WORDS[self.decision]


@dataclass(frozen=True)
class Grade:
    """A key result's band: its final grade, or before the end, the band its forecast heads for."""

    band: str | None
    score: float | None
    final: bool
    chance: float | None = None  # the forecast's chance of band, before the end

    @property
    def words(self) -> str:
        """The grade as the draft says it: "missed (38%)", or "heading for met (41% likely)"."""
        if self.final or self.chance is None:
            score = f" ({self.score:.0%})" if self.score is not None else ""
            return f"{self.band}{score}" + ("" if self.final else " so far")
        return f"heading for {self.band} ({self.chance:.0%} likely)"


@dataclass(frozen=True)
class KrReview:
    """One key result at the review."""

    kr_id: str
    title: str
    score: float | None  # progress clamped to 0–1: the grade
    band: str | None
    final: bool
    weeks: tuple[tuple[dt.date, float | None], ...]  # (scored at, progress) week by week
    shipped: tuple[str, ...]  # each shipped initiative serving it, and what it measurably did
    questions: tuple[str, ...]
    reflections: tuple[Reflection, ...]
    draft: Draft


@dataclass(frozen=True)
class ObjectiveReview:
    """One objective at the review, with its key results."""

    objective_id: str
    title: str
    team: str
    score: float | None
    band: str | None
    key_results: tuple[KrReview, ...]
    draft: Draft


@dataclass(frozen=True)
class Review:
    """The review of one period at one date."""

    period: Period
    as_of: dt.date
    objectives: tuple[ObjectiveReview, ...]
    next_due: dt.date | None
    preset: BandPreset = field(default_factory=lambda: PRESETS["default"])

    @property
    def final(self) -> bool:
        """True once the period is over: the grades are final."""
        return self.as_of >= self.period.end

    def record(self) -> dict[str, Any]:
        """The review as JSON-ready data."""

        def kr(k: KrReview) -> dict[str, Any]:
            return {
                "kr_id": k.kr_id,
                "key_result": k.title,
                "score": k.score,
                "band": k.band,
                "final": k.final,
                "weeks": [{"scored_at": d.isoformat(), "progress": p} for d, p in k.weeks],
                "initiatives_shipped": list(k.shipped),
                "questions": list(k.questions),
                "reflections": [r.model_dump(mode="json") for r in k.reflections],
                "draft": {"decision": k.draft.decision, "why": k.draft.why},
            }

        return {
            "period": self.period.name,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "final": self.final,
            "next_review_due": self.next_due.isoformat() if self.next_due else None,
            "objectives": [
                {
                    "objective_id": o.objective_id,
                    "objective": o.title,
                    "team": o.team,
                    "score": o.score,
                    "band": o.band,
                    "draft": {"decision": o.draft.decision, "why": o.draft.why},
                    "key_results": [kr(k) for k in o.key_results],
                }
                for o in self.objectives
            ],
        }


def _score(value: Any) -> float | None:
    """A score cell as a float, None when missing."""
    return None if value is None or pd.isna(value) else float(value)


def band_questions(preset: BandPreset, band: str | None) -> tuple[str, ...]:
    """The questions for a key result in band: the lowest band's, the highest's, or met's."""
    if band is None:
        return NO_DATA_QUESTIONS
    level = preset.labels.index(band)
    role = "missed" if level == 0 else "exceeded" if level == len(preset.labels) - 1 else "met"
    return QUESTIONS[role]


def exceeded_streak(
    kr: KeyResult, team: str, period: Period, okrs: OkrSet, earlier: pd.DataFrame, band: str | None
) -> int:
    """How many periods running, ending with period, the same team's KR on kr's series exceeded.

    earlier holds the final scores of the periods before (kr_id, period, band).
    """
    top = PRESETS[okrs.band_preset].labels[-1]
    if band != top or kr.series_key is None:
        return 0
    bands: dict[str, str | None] = {}
    for objective in okrs.objectives:
        for other in objective.key_results:
            if objective.team == team and other.series_key == kr.series_key:
                rows = earlier[earlier["kr_id"] == other.id]
                if not rows.empty:
                    bands[objective.period] = rows.iloc[0]["band"]
    streak = 1
    for before in sorted(
        (p for p in okrs.periods if p.end < period.start), key=lambda p: p.start, reverse=True
    ):
        if bands.get(before.name) != top:
            break
        streak += 1
    return streak


def leading_move(
    metric: str | None,
    catalog: MetricCatalog,
    series: pd.DataFrame,
    links: pd.DataFrame,
    period: Period,
    as_of: dt.date,
) -> str:
    """How a metric that a significant link says leads metric moved in its good direction over
    period, in words ("" when none moved by MOVED or more)."""
    if metric is None or links.empty:
        return ""
    leads = links[(links["lagging"] == metric) & links["significant"].astype(bool)]
    for link in leads.to_dict("records"):
        leading = catalog.get(str(link["leading"]))
        rows = known_rows(
            series[series["metric"] == leading.name], as_of, leading.aggregation,
            live_snapshots=False,
        )  # fmt: skip
        rows = rows[
            (rows["period_start"] >= pd.Timestamp(period.start))
            & (rows["period_start"] <= pd.Timestamp(period.end))
        ].dropna(subset=["value"])
        if len(rows) < 2 or rows["value"].iloc[0] == 0:
            continue
        change = rows["value"].iloc[-1] / rows["value"].iloc[0] - 1
        good = change if leading.direction == "higher" else -change
        if good >= MOVED:
            lag = int(link["best_lag"])
            return (
                f"its leading metric {leading.display_label} "
                f"{'rose' if change > 0 else 'fell'} {abs(change):.0%} over the period "
                f"(it leads by ~{lag} {link['grain']}{'s' if lag != 1 else ''})"
            )
    return ""


def key_result_draft(
    kr: KeyResult, grade: Grade, preset: BandPreset, streak: int, moved: str, helped: str,
    rolled_up: bool,
) -> Draft:  # fmt: skip
    """The next period's draft for one key result, from its grade (or heading) and what moved."""
    if grade.band is None:
        return Draft("change", "it could not be measured: give it data, or a metric that has some")
    level = preset.labels.index(grade.band)
    said = grade.words
    if kr.kr_type in ("stay_above", "stay_below"):
        if level == len(preset.labels) - 1:
            return Draft("keep", f"{said}: the guardrail held; keep it")
        return Draft("change", f"{said}: the guardrail broke; find out why before the next period")
    if level == len(preset.labels) - 1:
        if streak >= SANDBAGGED_AFTER:
            return Draft("raise", f"{said}, {streak} periods running: the target is sandbagged")
        return Draft(
            "raise", f"{said}: unless the market was unusually favourable, the target was low"
        )
    if level > 0:
        return Draft("keep", f"{said}: in the band a stretch target aims for")
    if kr.kr_type == "milestone" and not rolled_up:
        return Draft(
            "change",
            f"{said}, not delivered: plan it as an initiative that serves an outcome key result",
        )
    if moved or helped:
        because = "; ".join(w for w in (moved, helped) if w)
        return Draft("keep", f"{said}, but {because}: it may need time rather than a new target")
    nothing = "none of its team's key results" if rolled_up else "nothing that leads it"
    return Draft("change", f"{said}, and {nothing} moved enough: change course")


def objective_draft(key_results: tuple[KrReview, ...]) -> Draft:
    """The objective's draft: change if any key result should change, else raise if any, else keep."""
    by = {d: [k.kr_id for k in key_results if k.draft.decision == d] for d in DECISION_WORDS}
    why = "; ".join(f"{DECISION_WORDS[d]}: {', '.join(ids)}" for d, ids in by.items() if ids)
    decision = next((d for d in ("change", "raise") if by[d]), "keep")
    return Draft(decision, why or "no key results")  # type: ignore[arg-type]


def _shipped(
    kr_id: str, period: Period, initiatives: InitiativeSet, effects: pd.DataFrame
) -> tuple[tuple[str, ...], str]:
    """Each shipped initiative serving kr_id in words, and why one argues for patience ("")."""
    lines, helped = [], ""
    for initiative in initiatives.serving(kr_id):
        if initiative.status != "shipped" or initiative.ship_date is None:
            continue
        if initiative.ship_date > period.end:
            continue
        rows = effects[(effects["initiative_id"] == initiative.id) & (effects["kr_id"] == kr_id)]
        served = rows[rows["role"] == "served"] if "role" in rows else rows
        wording = str(served.iloc[0]["wording"]) if not served.empty else "no measured effect yet"
        lines.append(f"{initiative.title} (shipped {initiative.ship_date:%-d %b}): {wording}")
        if not served.empty and str(served.iloc[0]["direction"]) == "better":
            helped = f"the shipped {initiative.title} moved it"
    return tuple(lines), helped


def period_review(
    okrs: OkrSet,
    catalog: MetricCatalog,
    period: Period,
    as_of: dt.date,
    *,
    scores: tuple[pd.DataFrame, pd.DataFrame],
    history: pd.DataFrame,
    earlier: pd.DataFrame,
    series: pd.DataFrame,
    links: pd.DataFrame,
    initiatives: InitiativeSet,
    effects: pd.DataFrame,
    forecasts: pd.DataFrame,
    reviews: ReviewSet,
) -> Review:
    """The review of period at as_of from its scores, their weekly history and what moved."""
    preset = PRESETS[okrs.band_preset]
    krs, objectives = scores
    reviewed: list[ObjectiveReview] = []
    for objective in (o for o in okrs.objectives if o.period == period.name):
        items = tuple(
            _key_result_review(
                objective, kr, krs, history, preset, okrs, period, as_of,
                earlier=earlier, catalog=catalog, series=series, links=links,
                initiatives=initiatives, effects=effects, forecasts=forecasts, reviews=reviews,
            )
            for kr in objective.key_results
        )  # fmt: skip
        row = objectives[objectives["objective_id"] == objective.id]
        reviewed.append(
            ObjectiveReview(
                objective.id,
                objective.title,
                objective.team,
                _score(row.iloc[0]["progress"]) if not row.empty else None,
                row.iloc[0]["band"] if not row.empty else None,
                items,
                objective_draft(items),
            )
        )
    due = next_review(okrs, reviews.cadence, as_of)
    return Review(period, as_of, tuple(reviewed), due[0] if due else None, preset)


def _key_result_review(
    objective: Objective,
    kr: KeyResult,
    krs: pd.DataFrame,
    history: pd.DataFrame,
    preset: BandPreset,
    okrs: OkrSet,
    period: Period,
    as_of: dt.date,
    **inputs: Any,
) -> KrReview:
    """One key result's part of period_review (inputs: its keyword arguments)."""
    row = krs[krs["kr_id"] == kr.id].iloc[0]
    score = _score(row["progress_clamped"])
    band = row["band"] if isinstance(row["band"], str) else None
    weekly = history[history["kr_id"] == kr.id] if not history.empty else history
    weeks = tuple(
        (pd.Timestamp(r["scored_at"]).date(), _score(r["progress_clamped"]))
        for r in weekly.to_dict("records")
    )
    shipped, helped = _shipped(kr.id, period, inputs["initiatives"], inputs["effects"])
    grade = _grade(row, inputs["forecasts"], score, band)
    streak = exceeded_streak(kr, objective.team, period, okrs, inputs["earlier"], grade.band)
    moved = (
        leading_move(kr.metric, inputs["catalog"], inputs["series"], inputs["links"], period, as_of)
        if grade.band == preset.labels[0]
        else ""
    )
    return KrReview(
        kr.id,
        kr.title,
        score,
        band,
        bool(row["final"]),
        weeks,
        shipped,
        band_questions(preset, band),
        tuple(inputs["reviews"].about(kr.id)),
        key_result_draft(kr, grade, preset, streak, moved, helped, okrs.is_rolled_up(kr)),
    )


def _grade(row: pd.Series, forecasts: pd.DataFrame, score: float | None, band: str | None) -> Grade:
    """The final grade once row's key result is over, else the band its forecast heads for."""
    if bool(row["final"]):
        return Grade(band, score, True)
    ahead = forecasts[forecasts["kr_id"] == row["kr_id"]] if not forecasts.empty else forecasts
    found = None if ahead.empty else likeliest_band(ahead.iloc[0].to_dict())
    if found is None:
        return Grade(band, score, False)
    return Grade(found[0], score, False, found[1])
