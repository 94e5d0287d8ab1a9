"""Did the shipped work move the outcome: each judged metric's wording and its chart."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import data
from dashboard.components import downloads
from dashboard.components.gate import Context
from pipelines.service.formatting import markdown_text

ROLE_WORDS = {"served": "the key result's metric", "leading": "the metric measured to lead it"}
CAVEAT = (
    "Each metric after the ship date against the forecast made from the data known that day "
    "(80 % band). An observational estimate, not proof: anything else that changed in the same "
    "weeks is in the difference too."
)


def draw_effects(
    ctx: Context,
    as_of: dt.date,
    *,
    initiative_id: str | None = None,
    kr_id: str | None = None,
    key: str,
) -> None:
    """Draw, for each shipped initiative (one if initiative_id, those serving kr_id if named),
    each metric it is judged on: the verdict in words and the actual path against the band."""
    found = data.effects(ctx.home, as_of, ctx.version, initiative_id, kr_id)
    if found.empty:
        st.caption("No shipped initiative to compare with a forecast yet.")
        return
    st.caption(CAVEAT)
    for i, row in enumerate(found.itertuples(index=False)):
        metric = ctx.catalog.get(str(row.metric))
        st.markdown(
            f"**{markdown_text(row.initiative)}**, on {markdown_text(metric.display_label)} "
            f"({ROLE_WORDS[str(row.role)]} of {markdown_text(row.kr_id)}): "
            f"{markdown_text(row.wording)}"
        )
        spec = data.effect_spec(
            ctx.home, as_of, str(row.initiative_id), str(row.kr_id), metric.name, ctx.version
        )
        if spec is not None:
            downloads.chart(
                ctx.actor, spec, f"{row.initiative_id}-{metric.name}.png", key=f"{key}_{i}"
            )


def draw_serving(ctx: Context, as_of: dt.date, kr_id: str, *, key: str) -> None:
    """Draw the initiatives serving key result kr_id, each with its state, then the measured
    effect of those shipped (`draw_effects`)."""
    serving = data.serving(ctx.home, kr_id, ctx.version)
    if serving.empty:
        st.caption("No initiative in initiatives.yaml serves this key result.")
        return
    for item in serving.to_dict("records"):
        st.markdown(
            f"**{markdown_text(item['initiative'])}** · {markdown_text(item['team'])} · "
            f"{markdown_text(item['state'])}"
        )
    draw_effects(ctx, as_of, kr_id=kr_id, key=key)
