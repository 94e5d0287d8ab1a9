"""Institutions and their users: who signs up when, who activates, how engaged each user is."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.sample.arrays import BoolArray, FloatArray, Int8Array, Int32Array, IntArray
from pipelines.sample.weeks import (
    DAY,
    DEFAULT_SEED,
    EVENT_WEEKS,
    WEEK,
    Latent,
    event_window,
    times_in_week,
)

# Institutions' plans; Population.plan holds indexes into this tuple.
PLANS = ("campus", "department", "trial")
BASE_USERS = 3_400  # about 3,000 of them show up in the export window
BASE_INSTITUTIONS = 150
LAPSE_HAZARD_ACTIVE = 0.012  # weekly chance an activated user stops for good
LAPSE_HAZARD_DORMANT = 0.05
PRE_EXISTING_SHARE = 0.6  # users of long-standing institutions who signed up before May
EXISTING_INSTITUTIONS = 0.6


@dataclass(frozen=True)
class Population:
    """Institutions and users at one scale; times are seconds since EVENTS_START."""

    plan: Int8Array  # per institution
    account: Int32Array  # per user: its institution
    signup: IntArray  # negative: signed up before the export window
    activated: BoolArray
    activation_delay: IntArray  # seconds from sign-up to the first workflow
    settled: IntArray  # when regular use begins: after activating, or a day after sign-up
    engagement: FloatArray  # base weekly probability of being active
    intensity: FloatArray  # multiplier on events per active week
    lapse_week: IntArray  # last event week the user may be active in
    desktop: BoolArray  # prefers the desktop app over the web app


def _in_window_signups(rng: np.random.Generator, n: int, season: FloatArray) -> IntArray:
    """Sign-up times spread over the event window following the academic sign-up season."""
    weights = season / season.sum()
    weeks = rng.choice(EVENT_WEEKS, n, p=weights)
    return weeks * WEEK + times_in_week(rng, n)


def _signups(
    rng: np.random.Generator,
    account: Int32Array,
    existing: BoolArray,
    rollout: IntArray,
    season: FloatArray,
) -> IntArray:
    """Sign-up time of every user: before the window, during it, or after their roll-out."""
    n = account.size
    old_inst = existing[account]
    pre = old_inst & (rng.random(n) < PRE_EXISTING_SHARE)
    # Most staff sign up within weeks of a roll-out; a tail trickles in over the term.
    delay = np.where(
        rng.random(n) < 0.8, rng.exponential(10 * DAY, n), rng.exponential(40 * DAY, n)
    )
    signup = np.where(old_inst, _in_window_signups(rng, n, season), rollout[account] + delay)
    before = -rng.integers(8 * DAY, 400 * DAY, n)
    return np.where(pre, before, signup).astype(np.int64)


def _activation(
    rng: np.random.Generator, signup: IntArray, activation_p: FloatArray
) -> tuple[BoolArray, IntArray]:
    """Who activates and when: an exact share of each sign-up week's cohort, within 7 days."""
    n = signup.size
    activated = rng.random(n) < 0.78  # users from before the window: most are long activated
    week = np.floor_divide(signup, WEEK)
    order = rng.permutation(n)
    for w in range(EVENT_WEEKS):
        cohort = order[week[order] == w]
        # Stratified rather than Bernoulli so the weekly activation rate tracks its curve.
        activated[cohort] = np.arange(cohort.size) < round(activation_p[w] * cohort.size)
    # Most activate in the first session; the rest come back during the week.
    quick = rng.exponential(3 * 3600, n)
    later = rng.uniform(DAY, 7 * DAY - 3600, n)
    delay = np.where(rng.random(n) < 0.85, np.minimum(quick, DAY), later)
    return activated, (delay + 300).astype(np.int64)


def population(scale: float, lat: Latent, seed: int = DEFAULT_SEED) -> Population:
    """Institutions and their users; scale 1 is about 150 institutions and 3,000 users."""
    rng = np.random.default_rng([seed, 1])
    n_inst = max(3, round(BASE_INSTITUTIONS * scale))
    n_users = max(30, round(BASE_USERS * scale))
    season = event_window(lat.signup_season).astype(np.float64)
    size = rng.lognormal(0.0, 0.8, n_inst)
    existing = rng.random(n_inst) < EXISTING_INSTITUTIONS
    # New institutions roll out over the window, most of them as the academic year starts.
    rollout_weeks = rng.choice(EVENT_WEEKS, n_inst, p=season / season.sum())
    rollout = rollout_weeks * WEEK + times_in_week(rng, n_inst)
    plan = rng.choice(len(PLANS), n_inst, p=[0.45, 0.4, 0.15]).astype(np.int8)
    account = rng.choice(n_inst, n_users, p=size / size.sum()).astype(np.int32)
    signup = _signups(rng, account, existing, rollout, season)
    activated, delay = _activation(rng, signup, event_window(lat.activation_p).astype(np.float64))
    hazard = np.where(activated, LAPSE_HAZARD_ACTIVE, LAPSE_HAZARD_DORMANT)
    first_week = np.maximum(np.floor_divide(signup, WEEK), 0)
    # Users who have not activated must not complete a workflow in their first 7 days; they
    # complete none at all, so a day's grace before their regular visits is enough.
    settled = np.where(activated, signup + delay + 3600, signup + DAY)
    return Population(
        plan=plan,
        account=account,
        signup=signup,
        activated=activated,
        activation_delay=delay,
        settled=settled,
        engagement=rng.beta(6, 3, n_users),
        intensity=rng.gamma(3.0, 1 / 3, n_users),
        lapse_week=first_week + rng.geometric(hazard),
        desktop=rng.random(n_users) < 0.45,
    )
