"""The Citewise sample scenario: deterministic product events and KPI exports for demos and tests.

Citewise sells reference-management software to academic institutions. One set of weekly latent
series drives both the product events and the business exports, so the relationships that
okrlens' lead/lag analysis looks for are really there:

- workflows completed per weekly active user leads new subscriptions by 3 weeks;
- weekly downtime depresses the same week's CSAT; support first-response time leads churned
  accounts by 2 weeks;
- MRR grows with new subscriptions and shrinks with churn.

`python -m pipelines.sample OUT_DIR` regenerates the committed exports (events.csv.gz,
kpis/*.csv); sample_data/metrics.yaml and okrs.yaml are written by hand. `write_events` scales
the events up for benchmarks, generating one week at a time so memory stays bounded whatever the
volume.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pacsv  # type: ignore[import-untyped]

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"
DEFAULT_SEED = 7

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
Int8Array = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]

# --- Calendar -----------------------------------------------------------------------------------
HISTORY_START = dt.date(2025, 11, 24)  # first week of the billing export: a year of history
EVENTS_START = dt.date(2026, 5, 18)  # a Monday; the events run to Sunday 2026-11-22
EVENT_WEEKS = 27
KPI_WEEKS = 52  # 2025-11-24 .. 2026-11-16, the last complete week on the export date
FIRST_EVENT_WEEK = (EVENTS_START - HISTORY_START).days // 7
EXPORT_DATE = dt.date(2026, 11, 23)
SUBS_LAG = 3  # weeks by which workflows per active user lead new subscriptions
CHURN_LAG = 2  # weeks by which first-response time leads churned accounts
# Latent series start this many weeks before the history so week 0 has lagged drivers.
LEAD = max(SUBS_LAG, CHURN_LAG)
DAY = 86_400
WEEK = 7 * DAY
EPOCH = int(dt.datetime(2026, 5, 18, tzinfo=dt.UTC).timestamp())

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
PLANS = ("campus", "department", "trial")
EVENT_COLUMNS = ("event_time", "user_id", "account_id", "event_name", "platform", "plan")

# --- Scale --------------------------------------------------------------------------------------
BASE_USERS = 3_400  # about 3,000 of them show up in the export window
BASE_INSTITUTIONS = 150
# Events the default scenario writes (measured); n_events scales users and institutions by it.
BASE_EVENTS = 205_000

# --- Behaviour ----------------------------------------------------------------------------------
# Weekly activity shape in UTC: weekdays busier, a broad daytime peak spanning Europe and the US.
DAY_WEIGHTS = np.array([1.15, 1.2, 1.2, 1.1, 0.95, 0.4, 0.5])
HOUR_WEIGHTS = np.array([
    1, 0.8, 0.6, 0.5, 0.5, 0.6, 1, 2,  # 00–07 UTC
    3.5, 4.5, 5, 5, 4.5, 5, 5.5, 5.5,  # 08–15
    5, 4.5, 4, 3.5, 3, 2.5, 2, 1.5,  # 16–23
])  # fmt: skip
# Mean events per active week for an engaged user of intensity 1 (workflows are set per week).
ACTIVE_RATES = {SEARCH: 2.5, IMPORT: 1.2, CITATION: 2.0, SHARE: 0.15}
# Users who never activated drift in occasionally to search and import, and never cite.
DORMANT_RATES = {SEARCH: 0.6, IMPORT: 0.2, CITATION: 0.0, SHARE: 0.0}
EXTRA_SESSIONS = 1.5
DORMANT_ACTIVE_P = 0.08
LAPSE_HAZARD_ACTIVE = 0.012  # weekly chance an activated user stops for good
LAPSE_HAZARD_DORMANT = 0.05
PRE_EXISTING_SHARE = 0.6  # users of long-standing institutions who signed up before May
EXISTING_INSTITUTIONS = 0.6

# --- Latent weekly curves: (Monday, value) anchors, linearly interpolated --------------------------
WORKFLOW_ANCHORS = (
    ("2025-11-03", 1.02), ("2026-02-02", 1.1), ("2026-05-18", 1.2), ("2026-06-29", 1.23),
    ("2026-08-31", 1.17), ("2026-09-28", 1.26), ("2026-11-16", 1.6),
)  # fmt: skip
RESPONSE_ANCHORS = (
    ("2025-11-03", 6.2), ("2025-12-22", 7.2), ("2026-01-12", 6.3), ("2026-05-18", 5.8),
    ("2026-07-27", 5.6), ("2026-09-07", 6.6), ("2026-09-28", 6.1), ("2026-10-05", 5.8),
    ("2026-11-16", 4.0),
)  # fmt: skip
ACTIVATION_ANCHORS = (("2025-11-03", 0.5), ("2026-09-28", 0.5), ("2026-11-16", 0.6))
ACTIVITY_ANCHORS = (
    ("2025-11-03", 1.0), ("2026-06-15", 0.95), ("2026-07-06", 0.75), ("2026-08-17", 0.72),
    ("2026-09-07", 0.95), ("2026-09-21", 1.05), ("2026-11-16", 1.08),
)  # fmt: skip
SIGNUP_ANCHORS = (
    ("2025-11-03", 0.7), ("2026-06-01", 0.7), ("2026-07-13", 0.4), ("2026-08-24", 0.8),
    ("2026-09-07", 1.6), ("2026-09-28", 1.7), ("2026-10-19", 1.7), ("2026-11-16", 1.9),
)  # fmt: skip


@dataclass(frozen=True)
class Latent:
    """Weekly drivers shared by events and KPIs; index i is history week i - LEAD."""

    workflows_per_user: FloatArray  # workflows completed per weekly active user
    response_hours: FloatArray  # support first-response time
    downtime: IntArray  # minutes of downtime in the week
    activation_p: FloatArray  # share of a sign-up week's cohort that activates
    activity: FloatArray  # seasonal factor on how likely users are to be active
    signup_season: FloatArray  # relative intensity of sign-ups and roll-outs


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


@dataclass(frozen=True)
class WeekStats:
    """What the written events say per calendar week: active users and workflows completed."""

    events: IntArray
    active_users: IntArray
    workflows: IntArray

    @property
    def workflows_per_user(self) -> FloatArray:
        """Workflows completed per weekly active user."""
        return self.workflows / np.maximum(self.active_users, 1)


# ================================================================================================
# Latent weekly process
# ================================================================================================


def _week_index(monday: str) -> int:
    """Index of a Monday in the latent arrays (history week + LEAD)."""
    return (dt.date.fromisoformat(monday) - HISTORY_START).days // 7 + LEAD


def _curve(anchors: Sequence[tuple[str, float]]) -> FloatArray:
    """A weekly series through the anchor points, flat beyond the first and last."""
    x = [_week_index(day) for day, _ in anchors]
    y = [value for _, value in anchors]
    return np.interp(np.arange(LEAD + KPI_WEEKS), x, y)


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> FloatArray:
    """Stationary AR(1) noise: week-to-week wiggles that do not drift away from the curve."""
    shocks = rng.normal(0.0, sd, n)
    out = np.empty(n)
    out[0] = shocks[0] / np.sqrt(1 - phi**2)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + shocks[i]
    return out


def _downtime(rng: np.random.Generator, n: int) -> IntArray:
    """Minutes down per week: short blips most weeks, an incident now and then."""
    blips = rng.exponential(8.0, n)
    incidents = np.where(rng.random(n) < 0.12, rng.uniform(40, 220, n), 0.0)
    minutes = np.round(blips + incidents).astype(np.int64)
    # A planted Q4 incident (week of 2026-10-19) so CSAT visibly dips once inside the period.
    minutes[_week_index("2026-10-19")] = 164
    return minutes


def latent(seed: int = DEFAULT_SEED) -> Latent:
    """The scenario's weekly drivers; independent of scale so every volume shares them."""
    rng = np.random.default_rng([seed, 0])
    n = LEAD + KPI_WEEKS
    return Latent(
        workflows_per_user=_curve(WORKFLOW_ANCHORS) + _ar1(rng, n, 0.3, 0.07),
        response_hours=np.clip(_curve(RESPONSE_ANCHORS) + _ar1(rng, n, 0.3, 0.35), 2.0, None),
        downtime=_downtime(rng, n),
        activation_p=_curve(ACTIVATION_ANCHORS),
        activity=_curve(ACTIVITY_ANCHORS),
        signup_season=_curve(SIGNUP_ANCHORS),
    )


def _event_weeks(series: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
    """The part of a latent series that falls in the event window."""
    start = LEAD + FIRST_EVENT_WEEK
    return series[start : start + EVENT_WEEKS]


# ================================================================================================
# Population
# ================================================================================================


def _times_in_week(rng: np.random.Generator, n: int) -> IntArray:
    """Seconds since the start of a week, shaped by the weekday and hour-of-day profile."""
    days = rng.choice(7, n, p=DAY_WEIGHTS / DAY_WEIGHTS.sum())
    hours = rng.choice(24, n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    return (days * DAY + hours * 3600 + rng.integers(0, 3600, n)).astype(np.int64)


def _in_window_signups(rng: np.random.Generator, n: int, season: FloatArray) -> IntArray:
    """Sign-up times spread over the event window following the academic sign-up season."""
    weights = season / season.sum()
    weeks = rng.choice(EVENT_WEEKS, n, p=weights)
    return weeks * WEEK + _times_in_week(rng, n)


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
    season = _event_weeks(lat.signup_season).astype(np.float64)
    size = rng.lognormal(0.0, 0.8, n_inst)
    existing = rng.random(n_inst) < EXISTING_INSTITUTIONS
    # New institutions roll out over the window, most of them as the academic year starts.
    rollout_weeks = rng.choice(EVENT_WEEKS, n_inst, p=season / season.sum())
    rollout = rollout_weeks * WEEK + _times_in_week(rng, n_inst)
    plan = rng.choice(len(PLANS), n_inst, p=[0.45, 0.4, 0.15]).astype(np.int8)
    account = rng.choice(n_inst, n_users, p=size / size.sum()).astype(np.int32)
    signup = _signups(rng, account, existing, rollout, season)
    activated, delay = _activation(rng, signup, _event_weeks(lat.activation_p).astype(np.float64))
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


# ================================================================================================
# Events, one week at a time
# ================================================================================================


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
    season = float(_event_weeks(lat.activity)[w])
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
    sess_time = lower + _times_in_week(rng, sess_user.size) * (end - lower) // WEEK
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
    target = float(_event_weeks(lat.workflows_per_user)[w]) * int(present.sum())
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


# ================================================================================================
# Writing events
# ================================================================================================


def _names(prefix: str, n: int) -> pa.Array:
    """Identifiers like u00042, zero-padded to a common width."""
    width = max(5 if prefix == "u" else 3, len(str(n - 1)))
    return pa.array([f"{prefix}{i:0{width}d}" for i in range(n)])


def _table(batch: Batch, pop: Population, users: pa.Array, accounts: pa.Array) -> pa.Table:
    """The batch as an Arrow table of the export's columns (strings dictionary-encoded)."""
    account = pop.account[batch.user]

    def encoded(index: npt.NDArray[np.integer], values: pa.Array) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(pa.array(index), values)

    return pa.table(
        [
            pa.array(batch.time + EPOCH, type=pa.timestamp("s")),
            encoded(batch.user, users),
            encoded(account, accounts),
            encoded(batch.code, pa.array(EVENT_NAMES)),
            encoded(batch.platform, pa.array(PLATFORMS)),
            encoded(pop.plan[account], pa.array(PLANS)),
        ],
        names=list(EVENT_COLUMNS),
    )


@contextmanager
def _open_out(path: Path) -> Iterator[io.BufferedIOBase]:
    """A binary file to write; gzip (mtime 0, so bytes are reproducible) if path ends in .gz."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw:
        if path.suffix != ".gz":
            yield raw
            return
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
            yield gz


def _write_events(path: Path, scale: float, seed: int) -> WeekStats:
    """Write the events CSV and return per-week active users and workflows, as written."""
    lat = latent(seed)
    pop = population(scale, lat, seed)
    users, accounts = _names("u", pop.signup.size), _names("inst", pop.plan.size)
    # Arrow quotes the header; write it by hand and let Arrow write unquoted rows.
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    events, active_users, workflows = [], [], []
    with _open_out(path) as out:
        out.write((",".join(EVENT_COLUMNS) + "\n").encode())
        for batch in event_weeks(pop, lat, seed):
            sink = pa.BufferOutputStream()
            pacsv.write_csv(_table(batch, pop, users, accounts), sink, options)
            out.write(sink.getvalue())
            events.append(len(batch))
            active_users.append(np.unique(batch.user).size)
            workflows.append(int((batch.code == WORKFLOW).sum()))
    return WeekStats(*(np.array(x, np.int64) for x in (events, active_users, workflows)))


def write_events(path: Path, n_events: int | None = None, seed: int = DEFAULT_SEED) -> int:
    """Write product events as CSV (gzip if path ends with .gz) and return the row count.

    n_events scales the scenario (e.g. 10_000_000 for benchmarks) by adding users, institutions
    and activity; the date range and the planted relationships stay the same. The count is
    approximate: the scenario is simulated, not truncated.
    """
    scale = 1.0 if n_events is None else n_events / BASE_EVENTS
    return int(_write_events(Path(path), scale, seed).events.sum())


# ================================================================================================
# Business KPIs
# ================================================================================================

SUBS_BASE = -22.0  # new subscriptions = SUBS_BASE + SUBS_PER_WORKFLOW · wpau(t − 3) + noise
SUBS_PER_WORKFLOW = 38.0
SUBS_NOISE = 2.0
CHURN_BASE = -3.0  # churned accounts = CHURN_BASE + CHURN_PER_HOUR · response(t − 2) + noise
CHURN_PER_HOUR = 1.5
CHURN_NOISE = 0.35
MRR_START = 318_400.00
CSAT_BASE = 0.915  # CSAT = CSAT_BASE − CSAT_PER_MINUTE · downtime − CSAT_PER_HOUR · (frt − 5)
CSAT_PER_MINUTE = 0.00045
CSAT_PER_HOUR = 0.01


@dataclass(frozen=True)
class Kpis:
    """The business KPIs, one value per history week (KPI_WEEKS Mondays from HISTORY_START)."""

    mrr: FloatArray
    new_subscriptions: IntArray
    churned_accounts: IntArray
    response_hours: FloatArray
    csat: FloatArray  # a fraction; the support export shows it as a percentage
    downtime: IntArray
    trials: IntArray
    demos: IntArray


def _history(series: npt.NDArray[np.generic], lag: int = 0) -> npt.NDArray[np.generic]:
    """The history weeks of a latent series, shifted back by lag weeks."""
    return series[LEAD - lag : LEAD - lag + KPI_WEEKS]


def _counts(mean: FloatArray, noise: FloatArray) -> IntArray:
    """Whole, non-negative counts around a mean."""
    return np.round(np.maximum(mean + noise, 0)).astype(np.int64)


def _mrr(rng: np.random.Generator, subs: IntArray, churn: IntArray) -> FloatArray:
    """MRR week by week: each new subscription adds a department-sized plan, each churned
    account removes one, and existing accounts add seats."""
    n = subs.size
    gained = subs * rng.normal(165, 20, n) - churn * rng.normal(210, 25, n)
    return np.round(MRR_START + np.cumsum(gained + rng.normal(400, 700, n)), 2)


def kpis(lat: Latent, workflows_per_user: FloatArray, seed: int = DEFAULT_SEED) -> Kpis:
    """Business KPIs driven by the latent series and by the workflows the events really show.

    New subscriptions follow the workflows per active user measured in the written events
    (before the window, the latent curve stands in), so the planted lead is in the data itself.
    """
    rng = np.random.default_rng([seed, 3])
    n = KPI_WEEKS
    driver = lat.workflows_per_user.copy()
    driver[LEAD + FIRST_EVENT_WEEK :] = workflows_per_user
    subs_mean = SUBS_BASE + SUBS_PER_WORKFLOW * _history(driver, SUBS_LAG).astype(np.float64)
    subs = _counts(subs_mean, rng.normal(0, SUBS_NOISE, n))
    # Churn and CSAT react to the response time customers saw, i.e. the exported, rounded one.
    response = np.round(lat.response_hours, 1)
    churn_mean = CHURN_BASE + CHURN_PER_HOUR * _history(response, CHURN_LAG).astype(np.float64)
    churn = _counts(churn_mean, rng.normal(0, CHURN_NOISE, n))
    mrr = _mrr(rng, subs, churn)
    downtime = _history(lat.downtime).astype(np.int64)
    hours = _history(response).astype(np.float64)
    trials = _counts(22 * _history(lat.signup_season).astype(np.float64) + 8, rng.normal(0, 3, n))
    csat = CSAT_BASE - CSAT_PER_MINUTE * downtime - CSAT_PER_HOUR * (hours - 5)
    return Kpis(
        mrr=mrr,
        new_subscriptions=subs,
        churned_accounts=churn,
        response_hours=hours,
        csat=np.round(np.clip(csat + rng.normal(0, 0.006, n), 0, 1), 3).astype(np.float64),
        downtime=downtime,
        trials=trials,
        demos=_counts((0.28 * trials).astype(np.float64), rng.normal(0, 2, n)),
    )


def history_weeks() -> list[dt.date]:
    """The Mondays of the KPI history, oldest first."""
    return [HISTORY_START + dt.timedelta(weeks=i) for i in range(KPI_WEEKS)]


def _decimal_comma(value: float, digits: int = 1) -> str:
    """A number as a European spreadsheet shows it: 5,4."""
    return f"{value:.{digits}f}".replace(".", ",")


def write_billing(path: Path, k: Kpis) -> None:
    """The billing tool's long export: a comment line, then date, metric, value ("$412,345.50")."""
    buffer = io.StringIO()
    buffer.write(f"# Exported from Chartwell Billing on {EXPORT_DATE.isoformat()} (UTC)\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["date", "metric", "value"])
    for i, monday in enumerate(history_weeks()):
        day = monday.isoformat()
        writer.writerow([day, "MRR", f"${k.mrr[i]:,.2f}"])
        writer.writerow([day, "New subscriptions", int(k.new_subscriptions[i])])
        writer.writerow([day, "Churned accounts", int(k.churned_accounts[i])])
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def write_support(path: Path, k: Kpis) -> None:
    """The support tool's wide export: BOM, CRLF, ';' and decimal commas, CSAT as '87,5%'."""
    lines = ["Week;First response time (h);CSAT;Downtime minutes"]
    for i, monday in enumerate(history_weeks()[FIRST_EVENT_WEEK:], start=FIRST_EVENT_WEEK):
        hours = _decimal_comma(float(k.response_hours[i]))
        csat = _decimal_comma(100 * float(k.csat[i])) + "%"
        lines.append(f"{monday.isoformat()};{hours};{csat};{int(k.downtime[i])}")
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))


def write_trials_chart(path: Path, k: Kpis) -> None:
    """The product-analytics chart export: one row per metric, one column per week."""
    weeks = history_weeks()[FIRST_EVENT_WEEK:]
    rows = [
        ["Metric", *(w.isoformat() for w in weeks)],
        ["Trials started", *(str(v) for v in k.trials[FIRST_EVENT_WEEK:])],
        ["Demo requests", *(str(v) for v in k.demos[FIRST_EVENT_WEEK:])],
    ]
    path.write_bytes("".join(",".join(r) + "\n" for r in rows).encode("utf-8"))


# ================================================================================================
# The committed sample
# ================================================================================================


def write_sample(out_dir: Path) -> list[Path]:
    """Write the generated part of the sample (events.csv.gz, kpis/*.csv) into out_dir.

    metrics.yaml and okrs.yaml beside them are written by hand, as an analyst would.
    """
    out_dir = Path(out_dir)
    (out_dir / "kpis").mkdir(parents=True, exist_ok=True)
    events = out_dir / "events.csv.gz"
    stats = _write_events(events, 1.0, DEFAULT_SEED)
    k = kpis(latent(DEFAULT_SEED), stats.workflows_per_user, DEFAULT_SEED)
    billing = out_dir / "kpis" / "billing_weekly.csv"
    support = out_dir / "kpis" / "support_weekly.csv"
    trials = out_dir / "kpis" / "trials_chart.csv"
    write_billing(billing, k)
    write_support(support, k)
    write_trials_chart(trials, k)
    return [events, billing, support, trials]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m pipelines.sample OUT_DIR`: write the sample scenario into OUT_DIR."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m pipelines.sample OUT_DIR", file=sys.stderr)
        return 2
    for path in write_sample(Path(args[0])):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
