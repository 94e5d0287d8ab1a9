"""Choosing one key result, kept in the URL as ?kr=<id> so a link opens the same one."""

from __future__ import annotations

import streamlit as st

from pipelines.service import KeyResult, Objective, OkrSet
from pipelines.service.formatting import markdown_text


def key_results(okrs: OkrSet, period: str | None = None) -> list[tuple[Objective, KeyResult]]:
    """(objective, key result) pairs of period (all periods when None), in file order."""
    return [(o, kr) for o in okrs.objectives if period in (None, o.period) for kr in o.key_results]


def show(okrs: OkrSet, period: str | None, key: str = "kr") -> tuple[Objective, KeyResult]:
    """The chosen key result and its objective; the page stops while none is chosen.

    A link naming a key result that does not exist says so and opens none, rather than another
    key result that a person could then read (or edit) believing it is the one they followed.
    """
    all_pairs = {kr.id: (o, kr) for o, kr in key_results(okrs)}
    by_id = {kr.id: (o, kr) for o, kr in key_results(okrs, period)} or all_pairs
    if not by_id:
        st.info("There are no key results yet: add one to okrs.yaml or on the Targets page.")
        st.stop()
    wanted = st.query_params.get(key)
    if key not in st.session_state:
        if wanted in all_pairs:
            # A link to a KR of another period still opens it.
            by_id = {str(wanted): all_pairs[str(wanted)], **by_id}
            st.session_state[key] = wanted
        elif wanted is None:
            st.session_state[key] = next(iter(by_id))
        else:
            st.warning(
                f"The link asks for key result {markdown_text(repr(str(wanted)[:60]))}, which "
                "does not exist (it may have been renamed or removed). Pick one below."
            )
    elif st.session_state[key] in all_pairs and st.session_state[key] not in by_id:
        chosen_before = str(st.session_state[key])
        by_id = {chosen_before: all_pairs[chosen_before], **by_id}
    elif st.session_state[key] not in all_pairs:  # removed from okrs.yaml meanwhile
        st.session_state[key] = None
    # Not bind="query-params": that would put the formatted label in the URL, not the id.
    chosen = st.selectbox(
        "Key result",
        list(by_id),
        index=None,
        placeholder="Pick a key result",
        format_func=lambda kr_id: f"{kr_id} · {by_id[kr_id][1].title}",
        key=key,
    )
    if chosen is None:
        st.stop()
    st.query_params[key] = str(chosen)
    return by_id[str(chosen)]
