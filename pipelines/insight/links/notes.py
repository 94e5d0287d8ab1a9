"""The one-line note of a link: how far the lagging series follows, in words, with the caveat, or
why the link is not claimed."""

from __future__ import annotations

from pipelines.insight.links.lags import DEFAULT_MIN_POINTS, MIN_LAG_PAIRS, MIN_STABILITY_POINTS
from pipelines.metrics.grains import GRAINS

CAVEAT = "association, not proof of cause"


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


def link_note(
    lag: int, r: float, p_value: float, n: int, significant: bool, grain: str, min_points: int
) -> str:
    """What the link means, in one line, with the caveat or the reason it is not claimed."""
    figures = f"best lag {lag}, r={r:.2f}, p={p_value:.2g}"
    if n < min_points:
        return f"only {n} points; at least {min_points} are needed ({figures})"
    if not significant:
        return f"no significant lead found ({figures})"
    note = f"{_lag_phrase(lag, grain)} ({CAVEAT})"
    if min_points < DEFAULT_MIN_POINTS:
        # A lowered guard is a weaker claim; say so wherever the claim is shown.
        note += f"; minimum points lowered to {min_points} (default {DEFAULT_MIN_POINTS})"
    return note


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
