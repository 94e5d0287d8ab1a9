"""Measured lead/lag links: does a leading product KPI move before a lagging business KPI, and by
how many periods? (okr_practice.md §9, rows 1–2.)

Method, for two series on one grain:

1. Both series go on one calendar of consecutive periods (complete, non-missing periods only)
   and are differenced period on period. Two series that merely grow over the same months
   correlate strongly in levels whatever links them; their changes do not.
2. The changes are pre-whitened (Box–Jenkins): an AR model of the leading changes, order 0–4
   chosen by AIC (Yule–Walker via statsmodels' Levinson–Durbin), turns them into white noise,
   and the same filter is applied to the lagging changes. Autocorrelated changes (smooth,
   momentum-like KPIs, or noisy snapshots) otherwise spread the sample cross-correlations wider
   than the Pearson p-value assumes. Simulated false-link rates (5,000 pairs of independent
   52-week series each, differenced only → pre-whitened): momentum-like walks 22 % → 4.4 %,
   noisy walks 8.8 % → 5.4 % (BIC: 6.2 %), plain random walks 4.5 % → 4.2 %. The price is
   power on momentum-like leads: a planted lag is recovered in 89 % of trials instead of 98 %.
3. r_k = corr(lead_t, lag_{t+k}) for k = 0..max_lag over the pairs available at that lag. The
   best lag has the smallest p-value among lags with at least min_points pairs (not the largest
   |r|: the longest lag has the fewest pairs and would win by chance); the sign is kept.
4. One false-discovery family per metric_links call: the p-values of every lag of every pair
   (with min_points pairs) are Benjamini–Hochberg-adjusted together into q-values. A link is
   significant when q < alpha at its best lag; a fifth of alpha when that lag is the largest
   tried (the lead may be longer, and there most false links sat); when Spearman's rho there
   has the same sign and p < alpha over the pair's own lags (Pearson kept for the test: rho alone
   loses the demo's lead); and when r keeps its sign at p < alpha without the tenth of its pairs
   (at least 2) that carry it most, which the note names when it does not, so a handful of
   joint outliers that carry r alone is not a link.
5. Stability: the share of rolling windows (60 % of the span, step 1) whose own best lag is
   within ±1 of the overall best lag. A link from fewer than 30 points says so in its note.

Measured at the demo's length (30 weekly points, lags 0..8, tests/pipelines/test_links.py):
independent pairs linked 0.5 % (random walks), 2.0 % (AR(1) steps), 3.0 % (noisy walks); planted
leads as strong as the demo's (r ~0.83 in changes) found at their lag 95–98 % (lags 1–4); pairs
sharing 2 one-off jumps 0 % linked (95 % on r alone), sharing 3 jumps 2 % (99 % on r alone, 15 %
before the leave-out check). Four shared jumps in 29 changes are more than a tenth: 16 % linked.
The price is power on weaker leads: at r ~0.68 in changes 65 % found instead of 72 %, at r ~0.55
29 % instead of 39 %.

The interval is not widened for picking the best of several lags, so |r| at the best lag is an
optimistic estimate; the stability score is the check on that. All of it is association, never
proof of cause, and every note says so.

Modules, each depending only on those before it: `changes` (both series on one calendar,
differenced and pre-whitened: steps 1–2), `lags` (r, rho and p at every lag, the best lag, its
interval, and the rolling-window stability), `influence` (the periods that carry r most, and r
without them: step 4's last check), `notes` (the wording of every note), `link` (`Link`,
`measure` for one pair, `judged` for the verdict on many with the q-values, `lead_lag` for one
pair) and `catalog` (`metric_links`, every leading metric of a grain against every lagging one).
"""

from pipelines.insight.links.catalog import metric_links
from pipelines.insight.links.link import LINK_COLUMNS, Link, lead_lag
from pipelines.insight.links.notes import CAVEAT

__all__ = ["CAVEAT", "LINK_COLUMNS", "Link", "lead_lag", "metric_links"]
