"""Filters shared by pages. Each is bound to the URL, so a link reproduces exactly this view.

A link can carry a value that no longer exists (a renamed team, a period removed, a typo): the
filter then says so and shows its default, rather than dropping the value without a word.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import streamlit as st

from dashboard import data
from pipelines.service import OkrSet, Period
from pipelines.service.formatting import markdown_text

ALL = "All"


def _link_value(key: str) -> str | None:
    """The value the page's URL gives for key, None when it gives none."""
    value = st.query_params.get(key)
    return None if value is None else str(value)


def _say_unknown(what: str, value: str, fix: str) -> None:
    """Tell the reader that the link's value for what is not one the page can show."""
    st.warning(f"The link asks for {what} {markdown_text(repr(value[:60]))}, which {fix}.")


def _check_choice(key: str, what: str, options: Collection[str], showing: str) -> None:
    """Warn when the link's value for key is not among options (before the widget drops it)."""
    value = _link_value(key)
    if value is not None and value not in options and st.session_state.get(key) is None:
        _say_unknown(what, value, f"does not exist; showing {markdown_text(showing)}")


def as_of(key: str = "as_of", default: dt.date | None = None) -> dt.date:
    """The as-of date (default: default, else today, UTC)."""
    fallback = default or data.today()
    value = _link_value(key)
    if value is not None and st.session_state.get(key) is None:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            _say_unknown(
                "the date", value, f"is not a date like 2026-11-23; showing {fallback:%d %b %Y}"
            )
    chosen = st.date_input("As of", value=fallback, key=key, bind="query-params")
    return chosen if isinstance(chosen, dt.date) else fallback


def period(
    okrs: OkrSet, as_of_date: dt.date, key: str = "period", default: Period | None = None
) -> str:
    """A period name (default: default, else the one containing the as-of date)."""
    names = [p.name for p in okrs.periods]
    found = default or okrs.period_at(as_of_date)
    current = found.name if found else names[-1]
    _check_choice(key, "the period", names, current)
    chosen = st.selectbox("Period", names, index=names.index(current), key=key, bind="query-params")
    return str(chosen)


def team(okrs: OkrSet, key: str = "team", *, include_all: bool = True) -> str:
    """A team name, or ALL."""
    teams = list(dict.fromkeys(o.team for o in okrs.objectives))
    options = [ALL, *teams] if include_all else teams
    _check_choice(key, "the team", options, options[0] if options else ALL)
    return str(st.selectbox("Team", options, key=key, bind="query-params"))


def kind(key: str = "kind") -> str:
    """leading, lagging, or ALL."""
    options = [ALL, "leading", "lagging"]
    _check_choice(key, "the kind", options, ALL)
    chosen = st.segmented_control("Kind", options, default=ALL, key=key, bind="query-params")
    return str(chosen or ALL)
