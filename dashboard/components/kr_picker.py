"""Choosing one key result of a period, bound to the URL (?kr=...)."""

from __future__ import annotations

import streamlit as st

from pipelines.okrs.spec import KeyResult, Objective, OkrSet


def key_results(okrs: OkrSet, period: str | None = None) -> list[tuple[Objective, KeyResult]]:
    """(objective, key result) pairs of period (all periods when None), in file order."""
    return [(o, kr) for o in okrs.objectives if period in (None, o.period) for kr in o.key_results]


def show(okrs: OkrSet, period: str | None, key: str = "kr") -> tuple[Objective, KeyResult]:
    """The chosen key result and its objective."""
    pairs = key_results(okrs, period) or key_results(okrs)
    by_id = {kr.id: (o, kr) for o, kr in pairs}
    chosen = st.selectbox(
        "Key result",
        list(by_id),
        format_func=lambda kr_id: f"{kr_id} · {by_id[kr_id][1].title}",
        key=key,
        bind="query-params",
    )
    return by_id[str(chosen)]
