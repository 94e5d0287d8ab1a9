"""The business KPIs and the three exports they arrive in, each in its source tool's own format."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from pipelines.sample.arrays import FloatArray, IntArray
from pipelines.sample.weeks import (
    CHURN_LAG,
    DEFAULT_SEED,
    EXPORT_DATE,
    FIRST_EVENT_WEEK,
    KPI_WEEKS,
    LEAD,
    SUBS_LAG,
    Latent,
    history_weeks,
)

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
