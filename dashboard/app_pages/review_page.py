"""Review: a period's grades, its weeks, shipped work and its effect, the band's questions, the
team's reflections and the next period's draft; reflections recorded here; Markdown for the retro.
"""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.components import bands, downloads, filters, gate
from pipelines.service import Action, OkrlensError
from pipelines.service import reviews as service_reviews
from pipelines.service.formatting import markdown_text

ctx = gate.require_workspace()
ws = data.workspace()
pick_period, pick_date = st.columns([1, 1])
with pick_date:
    as_of = filters.as_of()
with pick_period:
    period = filters.period(
        ctx.okrs, as_of, default=service_reviews.period_to_review(ctx.okrs, as_of)
    )

review = data.review(ctx.home, period, as_of, ctx.version)
state = "final grades" if review.final else "so far: the period is not over"
st.title(f"Review · {markdown_text(period)}")
due = f" Next review due {review.next_due:%-d %b %Y}." if review.next_due else ""
st.caption(
    f"{review.period.start:%-d %b} – {review.period.end:%-d %b %Y}, {state}. Scores 0–1. "
    f"Before the end, the draft follows where each key result's forecast heads. Measured effects "
    f"of shipped work are observational estimates, not proof of cause.{due}"
)
downloads.markdown_button(
    ctx.actor,
    service_reviews.review_markdown(review),
    f"review-{period}.md",
    key="review_md",
    what=f"review {period}",
)


def grade(score: float | None, band: str | None) -> str:
    """A grade as Markdown: the score and the band as a coloured badge."""
    if score is None or band is None:
        return "no data"
    return f"**{score:.2f}** {bands.band_badge(band, ctx.okrs.band_preset)}"


for objective in review.objectives:
    st.subheader(
        f"{markdown_text(objective.title)} · {markdown_text(objective.team)}", divider="gray"
    )
    st.markdown(
        f"{grade(objective.score, objective.band)} · next period: **{objective.draft.words}** "
        f"({markdown_text(objective.draft.why)})"
    )
    weeks = pd.DataFrame(
        [
            {"key result": kr.title, **{f"{d:%-d %b}": p for d, p in kr.weeks}}
            for kr in objective.key_results
        ]
    )
    st.dataframe(
        weeks,
        hide_index=True,
        key=f"weeks_{objective.objective_id}",
        column_config={
            c: st.column_config.NumberColumn(c, format="%.2f") for c in weeks.columns[1:]
        },
    )
    for kr in objective.key_results:
        label = f"{markdown_text(kr.title)} · {grade(kr.score, kr.band)}"
        label += "" if kr.final else " so far"
        with st.expander(label, expanded=False):
            st.markdown(
                f"[Open the key result](key-result?kr={quote(kr.kr_id, safe='')}) · "
                f"draft: **{kr.draft.words}**: {markdown_text(kr.draft.why)}"
            )
            for line in kr.shipped:
                st.markdown(f"- Shipped: {markdown_text(line)}")
            st.markdown(
                "**Questions for the team**\n\n"
                + "\n".join(f"- {markdown_text(q)}" for q in kr.questions)
            )
            for r in kr.reflections:
                decided = (
                    f" · decided: {service_reviews.DECISION_WORDS[r.decision]}"
                    if r.decision
                    else ""
                )
                st.markdown(
                    f"> {markdown_text(r.note)}\n>\n> {r.date:%-d %b %Y}, "
                    f"{markdown_text(r.author)}{decided}"
                )
            if not ctx.actor.may(Action.RECORD_REFLECTIONS, objective.team):
                continue
            with st.form(f"reflect_{kr.kr_id}", clear_on_submit=True):
                note = st.text_area(
                    "Reflection", key=f"note_{kr.kr_id}", max_chars=service_reviews.NOTE_LIMIT
                )
                decision = st.segmented_control(
                    "Decision for next period",
                    service_reviews.DECISIONS,
                    format_func=service_reviews.DECISION_WORDS.__getitem__,
                    key=f"decision_{kr.kr_id}",
                )
                if st.form_submit_button("Record reflection"):
                    try:
                        service_reviews.record_reflection(
                            ws, ctx.actor, kr.kr_id, note, decision, data.today()
                        )
                    except OkrlensError as exc:
                        st.error(markdown_text(exc.message()))
                    else:
                        st.success(f"Recorded your reflection on {markdown_text(kr.kr_id)}.")
if not review.objectives:
    st.info("No objective in this period.")
