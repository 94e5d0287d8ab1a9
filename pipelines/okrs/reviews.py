"""What a review records, as declared in reviews.yaml: the cadence, and each team's reflections.

OKRs are a learning loop: at the end of a period (and at check-points inside it) each team
grades its key results, reflects by band and decides to keep, raise or change course. The
reflections are people's words, so they live in a definition file beside okrs.yaml (audited
like every definition change), never in the store. The file is optional: without it reviews
come every `DEFAULT_EVERY_WEEKS` weeks and nothing has been reflected yet.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipelines.definitions import Broken
from pipelines.itemfiles import valid_items
from pipelines.okrs.spec import OkrSet, Period
from pipelines.yamlio import load_mapping

FILE = "reviews.yaml"
# The literature's advice is a review every 4–6 weeks (2 is usually too often) and one at the end.
DEFAULT_EVERY_WEEKS = 6
# A check-point this close to the period's end is folded into the end-of-period review.
FOLDED_INTO_END = dt.timedelta(days=14)
Decision = Literal["keep", "raise", "change"]
DECISIONS: tuple[Decision, ...] = ("keep", "raise", "change")
# What a decision means for the next period, in the words the review and its draft use.
DECISION_WORDS: dict[str, str] = {
    "keep": "keep it and double down",
    "raise": "raise the target",
    "change": "change course",
}
# The questions a team answers for a key result, by its final band (BRIEF.md, "Review by band").
QUESTIONS: dict[str, tuple[str, ...]] = {
    "exceeded": (
        "Was the target too low?",
        "Was the market unusually favourable, or did something we did make the difference?",
        "Should the next target be set higher?",
    ),
    "met": (
        "What worked, and what surprised us?",
        "What should we keep doing, or do more of?",
    ),
    "missed": (
        "Was it an internal failure we could have foreseen?",
        "Were there external factors we could be more resilient to?",
        "Does it need more time, or a different approach?",
    ),
}
NO_DATA_QUESTIONS = (
    "Why could this key result not be measured, and how will we measure it next time?",
)


class Cadence(BaseModel):
    """How often a period is reviewed: every so many weeks from its start, and at its end."""

    model_config = ConfigDict(extra="forbid")
    every_weeks: int = Field(default=DEFAULT_EVERY_WEEKS, ge=1, le=26)


class Reflection(BaseModel):
    """What a team said about one key result at a review: the note, who, when, and the decision."""

    model_config = ConfigDict(extra="forbid")
    key_result: str = Field(min_length=1, max_length=80)
    date: dt.date
    author: str = Field(min_length=1, max_length=120)
    note: str = Field(min_length=1, max_length=4000)
    decision: Decision | None = None


class ReviewSet(BaseModel):
    """The whole reviews.yaml file."""

    model_config = ConfigDict(extra="forbid")
    cadence: Cadence = Field(default_factory=Cadence)
    reflections: list[Reflection] = Field(default_factory=list)

    def about(self, kr_id: str) -> list[Reflection]:
        """The reflections on key result kr_id, oldest first."""
        return sorted((r for r in self.reflections if r.key_result == kr_id), key=lambda r: r.date)


def review_dates(period: Period, cadence: Cadence) -> list[dt.date]:
    """The days period is reviewed: every cadence.every_weeks weeks from its start, and its end.

    A check-point within FOLDED_INTO_END of the end is the end-of-period review itself.
    """
    step = dt.timedelta(weeks=cadence.every_weeks)
    dates = []
    day = period.start + step
    while day < period.end - FOLDED_INTO_END:
        dates.append(day)
        day += step
    return [*dates, period.end]


def next_review(okrs: OkrSet, cadence: Cadence, as_of: dt.date) -> tuple[dt.date, Period] | None:
    """The first review on or after as_of, and the period it reviews; None when none is ahead."""
    ahead = [
        (day, period)
        for period in okrs.periods
        for day in review_dates(period, cadence)
        if day >= as_of
    ]
    return min(ahead, key=lambda found: found[0]) if ahead else None


def review_set_of(raw: dict[str, object], okrs: OkrSet) -> tuple[ReviewSet, list[Broken]]:
    """The cadence and the reflections of the parsed file raw that stand against okrs."""
    known = {kr.id for o in okrs.objectives for kr in o.key_results}

    def problem(reflection: Reflection, _kept: list[Reflection]) -> str:
        """Why a valid reflection cannot stand: it is about a key result okrs.yaml lacks."""
        if reflection.key_result in known:
            return ""
        return f"it reflects on {reflection.key_result}, which okrs.yaml does not hold"

    reflections, broken = valid_items(
        dict(raw),
        FILE,
        "reflections",
        Reflection,
        kind="reflection",
        label_field="key_result",
        problem=problem,
        settings=("cadence",),
    )
    try:
        cadence = Cadence.model_validate(raw.get("cadence") or {})
    except ValueError:
        broken.append(
            Broken(FILE, "setting", "cadence", f"{FILE}, cadence",
                   f"the cadence is not valid, so reviews come every {DEFAULT_EVERY_WEEKS} weeks",
                   "write it as `cadence: {every_weeks: 6}` (1 to 26 weeks)")
        )  # fmt: skip
        cadence = Cadence()
    return ReviewSet(cadence=cadence, reflections=reflections), broken


def load_reviews(path: Path, okrs: OkrSet) -> tuple[ReviewSet, list[Broken]]:
    """The reviews declared in path (the defaults when it does not exist), and what was left out."""
    if not path.exists():
        return ReviewSet(), []
    return review_set_of(load_mapping(path), okrs)


def period_to_review(okrs: OkrSet, as_of: dt.date) -> Period | None:
    """The period a review at as_of is about: the latest one over by then, else the current one."""
    over = [p for p in okrs.periods if p.end <= as_of]
    return max(over, key=lambda p: p.end) if over else okrs.period_at(as_of)
