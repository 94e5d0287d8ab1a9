"""What users do, one week at a time: onboarding, sessions and the work inside them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pipelines.sample.arrays import BoolArray, Int8Array, Int32Array, IntArray
from pipelines.sample.population import Population
from pipelines.sample.weeks import (
    DEFAULT_SEED,
    EVENT_WEEKS,
    WEEK,
    Latent,
    event_window,
    times_in_week,
)

# --- Event vocabulary (codes are indexes into these tuples) -------------------------------------
EVENT_NAMES = (
    "signed_up",
    "account_activated",
    "session_started",
    "search_performed",
    "reference_imported",
    "citation_inserted",
    "workflow_completed",
    "library_shared",
)
SIGNED_UP, ACTIVATED, SESSION, SEARCH, IMPORT, CITATION, WORKFLOW, SHARE = range(8)
PLATFORMS = ("web", "desktop", "word_plugin")
WEB, DESKTOP, WORD_PLUGIN = range(3)

# Mean events per active week for an engaged user of intensity 1 (workflows are set per week).
ACTIVE_RATES = {SEARCH: 2.5, IMPORT: 1.2, CITATION: 2.0, SHARE: 0.15}
# Users who never activated drift in occasionally to search and import, and never cite.
DORMANT_RATES = {SEARCH: 0.6, IMPORT: 0.2, CITATION: 0.0, SHARE: 0.0}
EXTRA_SESSIONS = 1.5
DORMANT_ACTIVE_P = 0.08


@dataclass(frozen=True)
class Batch:
    """Events as parallel arrays: seconds since EVENTS_START, user, event code, platform."""

    time: IntArray
    user: Int32Array
    code: Int8Array
    platform: Int8Array

    def __len__(self) -> int:
        return int(self.time.size)

    def take(self, index: npt.NDArray[np.intp] | BoolArray) -> Batch:
        """The events selected by a boolean mask or an index array, in that order."""
        return Batch(self.time[index], self.user[index], self.code[index], self.platform[index])


def _concat(batches: Sequence[Batch]) -> Batch:
    """One batch holding the given batches' events in order."""
    return Batch(
        np.concatenate([b.time for b in batches]),
        np.concatenate([b.user for b in batches]),
        np.concatenate([b.code for b in batches]),
        np.concatenate([b.platform for b in batches]),
    )


def _platforms(rng: np.random.Generator, pop: Population, user: Int32Array, code: int) -> Int8Array:
    """The platform of each event: the user's usual app, Word for most citations."""
    usual = np.where(pop.desktop[user], DESKTOP, WEB)
    other = np.where(pop.desktop[user], WEB, DESKTOP)
    if code == SIGNED_UP:
        return np.full(user.size, WEB, dtype=np.int8)
    if code == CITATION:
        return np.where(rng.random(user.size) < 0.85, WORD_PLUGIN, usual).astype(np.int8)
    return np.where(rng.random(user.size) < 0.9, usual, other).astype(np.int8)


def _batch(
    rng: np.random.Generator, pop: Population, time: IntArray, user: Int32Array, code: int
) -> Batch:
    """Events of one kind."""
    codes = np.full(user.size, code, dtype=np.int8)
    return Batch(
        time.astype(np.int64), user.astype(np.int32), codes, _platforms(rng, pop, user, code)
    )


def _onboarding(rng: np.random.Generator, pop: Population, users: Int32Array) -> Batch:
    """Sign-up, first session, first searches and imports, and the activating workflow."""
    s = pop.signup[users]
    parts = [
        _batch(rng, pop, s, users, SIGNED_UP),
        _batch(rng, pop, s + rng.integers(5, 180, users.size), users, SESSION),
    ]
    for code, mean in ((SEARCH, 1.2), (IMPORT, 0.8)):
        n = rng.poisson(mean, users.size)
        u = np.repeat(users, n)
        t = np.repeat(s, n) + 200 + rng.exponential(900, u.size).astype(np.int64)
        parts.append(_batch(rng, pop, t, u, code))
    act = users[pop.activated[users]]
    at = pop.signup[act] + pop.activation_delay[act]
    workflow = _batch(rng, pop, at, act, WORKFLOW)
    # The activation is logged in the same second as the workflow that earned it, right after.
    parts += [workflow, Batch(at, act, np.full(act.size, ACTIVATED, np.int8), workflow.platform)]
    return _concat(parts)


def _regular_users(
    rng: np.random.Generator, pop: Population, lat: Latent, w: int
) -> tuple[Int32Array, IntArray]:
    """Users active in event week w beyond onboarding, and when their week starts."""
    ws, we = w * WEEK, (w + 1) * WEEK
    eligible = np.flatnonzero((pop.settled < we) & (pop.lapse_week >= w))
    season = float(event_window(lat.activity)[w])
    p = np.where(
        pop.activated[eligible],
        np.minimum(pop.engagement[eligible] * season, 0.95),
        DORMANT_ACTIVE_P * season,
    )
    users = eligible[rng.random(eligible.size) < p].astype(np.int32)
    return users, np.maximum(ws, pop.settled[users])


def _regular(
    rng: np.random.Generator,
    pop: Population,
    users: Int32Array,
    start: IntArray,
    w: int,
    workflow_rate: float,
) -> Batch:
    """A week of sessions for the active users, with searches, citations… inside sessions."""
    end = (w + 1) * WEEK
    intensity = pop.intensity[users]
    n_sess = 1 + rng.poisson(EXTRA_SESSIONS * intensity)
    sess_user = np.repeat(users, n_sess)
    lower = np.repeat(start, n_sess)
    # Squeeze the weekly profile into [start, end) for users who settle in mid-week.
    sess_time = lower + times_in_week(rng, sess_user.size) * (end - lower) // WEEK
    first_sess = np.cumsum(n_sess) - n_sess
    parts = [_batch(rng, pop, sess_time, sess_user, SESSION)]
    active = pop.activated[users]
    for code in (SEARCH, IMPORT, CITATION, WORKFLOW, SHARE):
        if code == WORKFLOW:
            lam = np.where(active, workflow_rate * intensity, 0.0)
        else:
            lam = np.where(active, ACTIVE_RATES[code] * intensity, DORMANT_RATES[code])
        n = rng.poisson(lam)
        owner = np.repeat(np.arange(users.size), n)
        session = first_sess[owner] + (rng.random(owner.size) * n_sess[owner]).astype(np.int64)
        # Work happens minutes into a session; cap it so no session runs past three hours.
        offset = 1 + np.minimum(rng.exponential(480, owner.size), 3 * 3600).astype(np.int64)
        parts.append(_batch(rng, pop, sess_time[session] + offset, users[owner], code))
    return _concat(parts)


def _workflow_rate(
    pop: Population, lat: Latent, w: int, users: Int32Array, present: BoolArray, fixed: int
) -> float:
    """Workflows per unit of intensity that put the week's workflows per active user on the curve."""
    # Activations already booked count towards the target; everyone present counts as active.
    target = float(event_window(lat.workflows_per_user)[w]) * int(present.sum())
    capacity = float(pop.intensity[users][pop.activated[users]].sum())
    return max(target - fixed, 0.0) / max(capacity, 1e-9)


def _week(
    rng: np.random.Generator, pop: Population, lat: Latent, w: int, carry: Batch
) -> tuple[Batch, Batch]:
    """Event week w in time order, and the events that spill into week w + 1."""
    ws, we = w * WEEK, (w + 1) * WEEK
    joiners = np.flatnonzero((pop.signup >= ws) & (pop.signup < we)).astype(np.int32)
    onboard = _onboarding(rng, pop, joiners)
    users, start = _regular_users(rng, pop, lat, w)
    present = np.zeros(pop.signup.size, dtype=bool)
    for group in (users, joiners, carry.user):
        present[group] = True
    booked = (carry.code == WORKFLOW).sum() + (
        (onboard.code == WORKFLOW) & (onboard.time < we)
    ).sum()
    rate = _workflow_rate(pop, lat, w, users, present, int(booked))
    events = _concat([carry, onboard, _regular(rng, pop, users, start, w, rate)])
    inside = events.time < we
    week = events.take(inside)
    # Stable, so a workflow and the activation it triggers keep their order within a second.
    return week.take(np.argsort(week.time, kind="stable")), events.take(~inside)


def _empty_batch() -> Batch:
    """A batch without events."""
    return Batch(
        np.empty(0, np.int64), np.empty(0, np.int32), np.empty(0, np.int8), np.empty(0, np.int8)
    )


def event_weeks(pop: Population, lat: Latent, seed: int = DEFAULT_SEED) -> Iterator[Batch]:
    """The scenario's events, one calendar week per batch, each sorted by time."""
    carry = _empty_batch()
    for w in range(EVENT_WEEKS):
        # One generator per week: a week's events do not depend on how earlier ones were drawn.
        week, carry = _week(np.random.default_rng([seed, 2, w]), pop, lat, w, carry)
        yield week
    # Whatever spills past Sunday 2026-11-22 happened after the export: drop it.
