"""The review in words: Markdown for the retro document, every piece of user text escaped once."""

from __future__ import annotations

import datetime as dt

from pipelines.insight.review import KrReview, ObjectiveReview, Review
from pipelines.markdown import markdown_text
from pipelines.okrs.reviews import DECISION_WORDS

CAVEAT = (
    "Measured effects of shipped work are observational estimates against a forecast, not "
    "proof of cause."
)


def day_text(day: dt.date) -> str:
    """A day as people read it: 30 Sep 2026."""
    return f"{day.day} {day:%b %Y}"


def grade_text(score: float | None, band: str | None) -> str:
    """A grade as "0.72 met", or "no data"."""
    if score is None or band is None:
        return "no data"
    return f"{score:.2f} {band}"


def weeks_text(review: KrReview) -> str:
    """The key result's score week by week: "5 Oct 0.12 · 12 Oct 0.18 · …"."""
    return " · ".join(f"{d.day} {d:%b} {'–' if p is None else f'{p:.2f}'}" for d, p in review.weeks)


def _key_result_lines(kr: KrReview) -> list[str]:
    """One key result's part of the Markdown review."""
    lines = [
        f"### {markdown_text(kr.title)} · {grade_text(kr.score, kr.band)}"
        + ("" if kr.final else " so far"),
        "",
        f"- Key result: {markdown_text(kr.kr_id)}",
    ]
    if kr.weeks:
        lines.append(f"- Week by week: {markdown_text(weeks_text(kr))}")
    lines += [f"- Shipped: {markdown_text(line)}" for line in kr.shipped]
    lines.append(f"- Draft for next period: **{kr.draft.words}**: {markdown_text(kr.draft.why)}")
    lines.append("- Questions for the team:")
    lines += [f"  - {markdown_text(q)}" for q in kr.questions]
    if kr.reflections:
        lines.append("- Reflections:")
        for r in kr.reflections:
            decided = f" (decided: {DECISION_WORDS[r.decision]})" if r.decision else ""
            lines.append(
                f"  - {day_text(r.date)}, {markdown_text(r.author)}{decided}: {markdown_text(r.note)}"
            )
    else:
        lines.append("- Reflections: none recorded yet.")
    return [*lines, ""]


def _objective_lines(objective: ObjectiveReview) -> list[str]:
    """One objective's part of the Markdown review."""
    return [
        f"## {markdown_text(objective.title)} · {markdown_text(objective.team)} · "
        f"{grade_text(objective.score, objective.band)}",
        "",
        f"Draft for next period: **{objective.draft.words}** "
        f"({markdown_text(objective.draft.why)}).",
        "",
        *(line for kr in objective.key_results for line in _key_result_lines(kr)),
    ]


def review_markdown(review: Review) -> str:
    """The review as Markdown, ready for the retro document."""
    period = review.period
    state = (
        f"final grades as of {day_text(review.as_of)}"
        if review.final
        else f"grades so far at {day_text(review.as_of)} (the period ends {day_text(period.end)})"
    )
    cuts = " / ".join(f"{c:g}" for c in review.preset.cuts)
    lines = [
        f"# Review · {markdown_text(period.name)}",
        "",
        f"{markdown_text(period.name)} ({day_text(period.start)} – {day_text(period.end)}): "
        f"{state}. Scores 0–1; bands {' · '.join(review.preset.labels)} at {cuts}. {CAVEAT}",
        "",
    ]
    if review.next_due is not None:
        lines += [f"Next review due {day_text(review.next_due)}.", ""]
    if not review.objectives:
        lines.append("No objective in this period.")
    for objective in review.objectives:
        lines += _objective_lines(objective)
    return "\n".join(lines).rstrip() + "\n"
