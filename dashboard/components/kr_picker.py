"""Choosing one key result, kept in the URL as ?kr=<id> so a link opens the same one."""

from __future__ import annotations

import streamlit as st

from pipelines.service import KeyResult, Objective, OkrSet


def key_results(okrs: OkrSet, period: str | None = None) -> list[tuple[Objective, KeyResult]]:
    """(objective, key result) pairs of period (all periods when None), in file order."""
    return [(o, kr) for o in okrs.objectives if period in (None, o.period) for kr in o.key_results]


def show(okrs: OkrSet, period: str | None, key: str = "kr") -> tuple[Objective, KeyResult]:
    """The chosen key result and its objective."""
    by_id = {kr.id: (o, kr) for o, kr in key_results(okrs, period) or key_results(okrs)}
    # Not bind="query-params": that would put the formatted label in the URL, not the id.
    if st.session_state.get(key) not in by_id:
        wanted = st.query_params.get(key)
        if wanted not in by_id:
            all_pairs = {kr.id: (o, kr) for o, kr in key_results(okrs)}
            if wanted in all_pairs:  # a link to a KR of another period still opens it
                by_id = {str(wanted): all_pairs[str(wanted)], **by_id}
        st.session_state[key] = wanted if wanted in by_id else next(iter(by_id))
    chosen = str(
        st.selectbox(
            "Key result",
            list(by_id),
            format_func=lambda kr_id: f"{kr_id} · {by_id[kr_id][1].title}",
            key=key,
        )
    )
    st.query_params[key] = chosen
    return by_id[chosen]
