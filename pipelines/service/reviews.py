"""The end-of-period review as pages and commands show it, and the reflections people record."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from pipelines import audit
from pipelines.access import Action, Actor
from pipelines.errors import OkrlensError
from pipelines.insight.review import Review, period_review
from pipelines.insight.review_words import review_markdown
from pipelines.okrs.review_edit import add_reflection
from pipelines.okrs.reviews import (
    DECISION_WORDS,
    DECISIONS,
    Reflection,
    ReviewSet,
    next_review,
    period_to_review,
)
from pipelines.service.edits import allow
from pipelines.workspace import Workspace

NOTE_LIMIT = 4000

if TYPE_CHECKING:
    from pipelines.service.answers import Answers

__all__ = [
    "DECISIONS",
    "DECISION_WORDS",
    "Review",
    "next_review_due",
    "period_to_review",
    "record_reflection",
    "review_markdown",
]


def period_review_of(answers: Answers, period_name: str, as_of: dt.date) -> Review:
    """The review of period_name at as_of (its final grades once it is over)."""
    okrs = answers.okrs
    period = okrs.period(period_name)
    graded_at = min(as_of, period.end) if as_of >= period.start else period.start
    earlier = [
        answers.scores(as_of, p.name)[0] for p in okrs.periods if p.end < period.start <= as_of
    ]
    return period_review(
        okrs,
        answers.catalog,
        period,
        as_of,
        scores=answers.scores(as_of, period.name),
        history=answers.history(graded_at, period.name),
        earlier=pd.concat(earlier, ignore_index=True)
        if earlier
        else pd.DataFrame(columns=["kr_id", "band"]),
        series=answers.series,
        links=answers.links,
        initiatives=answers.workspace.initiatives(okrs),
        effects=answers.effects(as_of).table,
        forecasts=answers.forecasts(as_of, period.name) if as_of < period.end else pd.DataFrame(),
        reviews=answers.workspace.reviews(okrs),
    )


def next_review_due(answers: Answers, as_of: dt.date) -> tuple[dt.date, str] | None:
    """The next review on or after as_of and the period it reviews; None when none is ahead."""
    found = next_review(answers.okrs, answers.workspace.reviews(answers.okrs).cadence, as_of)
    return (found[0], found[1].name) if found else None


def record_reflection(
    workspace: Workspace,
    actor: Actor,
    kr_id: str,
    note: str,
    decision: str | None = None,
    day: dt.date | None = None,
    *,
    author: str | None = None,
) -> ReviewSet:
    """Record what the team said about kr_id at a review (author: the actor unless named), audited."""
    owner = workspace.okrs().owner_of(kr_id)
    allow(workspace, actor, Action.RECORD_REFLECTIONS, kr_id, owner.team if owner else None)
    if owner is None:
        raise OkrlensError(
            f"no key result {kr_id!r}",
            where="okrs.yaml",
            fix="reflect on a key result declared in okrs.yaml",
        )
    if decision not in (None, "", *DECISIONS):
        raise OkrlensError(
            f"unknown decision {decision!r}", fix=f"choose one of {', '.join(DECISIONS)}"
        )
    text = note.strip()
    if not text or len(text) > NOTE_LIMIT:
        raise OkrlensError(
            f"the reflection is {'empty' if not text else f'{len(text):,} characters long'}",
            fix=f"write what the team said, in at most {NOTE_LIMIT:,} characters",
        )
    reflection = Reflection(
        key_result=kr_id,
        date=day or dt.datetime.now(dt.UTC).date(),
        author=" ".join((author or actor.who).split())[:120] or "unknown",
        note=text,
        decision=decision or None,  # type: ignore[arg-type]
    )
    with audit.recording_edit(
        workspace.home, actor, "record reflection", kr_id, [workspace.reviews_path]
    ):
        return add_reflection(workspace, reflection)
