"""Filters shared by pages. Each is bound to the URL, so a link reproduces exactly this view."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import data
from pipelines.service import OkrSet

ALL = "All"


def as_of(key: str = "as_of") -> dt.date:
    """The as-of date (default today, UTC)."""
    value = st.date_input("As of", value=data.today(), key=key, bind="query-params")
    return value if isinstance(value, dt.date) else data.today()


def period(okrs: OkrSet, as_of_date: dt.date, key: str = "period") -> str:
    """A period name (default: the one containing the as-of date)."""
    names = [p.name for p in okrs.periods]
    found = okrs.period_at(as_of_date)
    current = found.name if found else names[-1]
    chosen = st.selectbox("Period", names, index=names.index(current), key=key, bind="query-params")
    return str(chosen)


def team(okrs: OkrSet, key: str = "team", *, include_all: bool = True) -> str:
    """A team name, or ALL."""
    teams = list(dict.fromkeys(o.team for o in okrs.objectives))
    options = [ALL, *teams] if include_all else teams
    return str(st.selectbox("Team", options, key=key, bind="query-params"))


def kind(key: str = "kind") -> str:
    """leading, lagging, or ALL."""
    chosen = st.segmented_control(
        "Kind", [ALL, "leading", "lagging"], default=ALL, key=key, bind="query-params"
    )
    return str(chosen or ALL)
