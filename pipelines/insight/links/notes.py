"""The one-line note of a link: how far the lagging series follows, in words, with the caveat, or
why the link is not claimed."""

from __future__ import annotations

from pipelines.insight.links.influence import Influence
from pipelines.insight.links.lags import (
    DEFAULT_MIN_POINTS,
    MIN_LAG_PAIRS,
    MIN_STABILITY_POINTS,
    interval,
)
from pipelines.metrics.grains import GRAINS

CAVEAT = "association, not proof of cause"
# Below 30 pairs (the usual rule of thumb for a correlation) a claim rests on about half a year of
# weekly changes, where one shared event of a few weeks is a sixth of the evidence: the note says
# so, with r's interval.
FEW_POINTS = 30


def _lag_phrase(lag: int, grain: str) -> str:
    """How far the lagging series follows, in words: "leads by ~3 weeks".

    Example:
        >>> _lag_phrase(3, "week"), _lag_phrase(1, "month"), _lag_phrase(0, "day")
        ('leads by ~3 weeks', 'leads by ~1 month', 'moves in the same day')
    """
    facts = GRAINS[grain]
    if lag == 0:
        return f"moves in the same {facts.singular}"
    return f"leads by ~{facts.count(lag)}"


def _figures(lag: int, r: float, p_value: float, q_value: float | None) -> str:
    """The numbers behind a verdict: "best lag 3, r=0.83, p=2e-06, q=4e-05".

    Example:
        >>> _figures(3, 0.8312, 2.04e-06, 3.7e-05), _figures(0, 0.95, 0.001, None)
        ('best lag 3, r=0.83, p=2e-06, q=3.7e-05', 'best lag 0, r=0.95, p=0.001')
    """
    figures = f"best lag {lag}, r={r:.2f}, p={p_value:.2g}"
    return figures if q_value is None else f"{figures}, q={q_value:.2g}"


def link_note(
    lag: int,
    r: float,
    p_value: float,
    q_value: float | None,
    n: int,
    significant: bool,
    grain: str,
    min_points: int,
    edge: int | None,
    alpha: float,
    rho: float,
    ranks_agree: bool,
    carried: Influence | None,
) -> str:
    """What the link means, in one line, with the caveat or the reason it is not claimed.

    edge is the largest lag tried when the best lag is that lag, else None; rho the rank
    correlation there, and ranks_agree whether it backs r; carried the influence of the pairs
    that carry r when r does not survive losing them, else None.
    """
    figures = _figures(lag, r, p_value, q_value)
    if n < min_points:
        return f"only {n} points; at least {min_points} are needed ({figures})"
    at_edge = f"at the edge of the lags tried (0–{edge})"
    passes_q = q_value is not None and q_value < alpha
    if not significant and passes_q and carried is not None:
        return f"no lead claimed: {_carried_phrase(carried, lag, grain)} ({figures})"
    if not significant and passes_q and not ranks_agree:
        return (
            f"no lead claimed: r rests on a few points, the rank correlation is only "
            f"rho={rho:.2f} ({figures})"
        )
    if not significant and passes_q and edge is not None:
        return (
            f"no lead claimed: best lag {lag} is {at_edge}, where a lead needs stronger "
            f"evidence ({figures})"
        )
    if not significant:
        return f"no significant lead found ({figures})"
    note = _lag_phrase(lag, grain)
    if edge is not None:
        note += f", {at_edge}: it may be longer"
    note += f" ({CAVEAT})"
    if n < FEW_POINTS:
        low, high = interval(r, n)
        note += f"; only {n} points back it (r {low:.2f} to {high:.2f})"
    if min_points < DEFAULT_MIN_POINTS:
        # A lowered guard is a weaker claim; say so wherever the claim is shown.
        note += f"; minimum points lowered to {min_points} (default {DEFAULT_MIN_POINTS})"
    return note


def _carried_phrase(carried: Influence, lag: int, grain: str) -> str:
    """Which periods carry r, how much of it, and what is left without them, in words.

    Example:
        >>> import datetime as dt
        >>> quarters = (dt.date(2008, 7, 1), dt.date(2008, 10, 1), dt.date(2009, 1, 1))
        >>> _carried_phrase(Influence(quarters, 0.912, 0.05, 0.8), 0, "quarter")
        'carried by 3 quarters, Q3 2008, Q4 2008 and Q1 2009, with 91 % of the correlation; without them r=0.05, p=0.8'
        >>> _carried_phrase(Influence(quarters[:2], 1.2, -0.1, 0.6), 2, "month")
        'carried by 2 months, Jul 2008 and Oct 2008 in the leading series (2 months later in the lagging), with all of the correlation; without them r=-0.10, p=0.6'
    """
    facts = GRAINS[grain]
    names = [facts.called(start) for start in carried.periods]
    named = f"{', '.join(names[:-1])} and {names[-1]}"  # never fewer than MIN_LEFT_OUT (2)
    if lag:
        named += f" in the leading series ({facts.count(lag)} later in the lagging)"
    # Above 100 %: the other periods pull the other way.
    part = "all" if carried.share >= 1 else f"{carried.share * 100:.0f} %"
    return (
        f"carried by {facts.count(len(names))}, {named}, with {part} of the correlation; "
        f"without them r={carried.r_without:.2f}, p={carried.p_without:.2g}"
    )


def stability_note(n_usable: int) -> str:
    """Why stability was not measured."""
    return (
        f"stability not measured: only {n_usable} points, rolling windows need at least "
        f"{MIN_STABILITY_POINTS}"
    )


def unmeasured_note(n_points: int) -> str:
    """Why two series could not be correlated at any lag: too little overlap, or a series that
    never changes."""
    if n_points < MIN_LAG_PAIRS:
        return (
            f"nothing to correlate: {n_points} overlapping changes at most, "
            f"at least {MIN_LAG_PAIRS} are needed"
        )
    return "nothing to correlate: one of the series never changes"
