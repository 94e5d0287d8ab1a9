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

Modules, each depending only on those before it: `arrays` (array types), `weeks` (dates,
weeks and the latent weekly drivers), `population` (institutions and users), `activity` (what
users do each week), `events` (the event log writer), `kpis` (the business exports) and
`scenario` (where the shipped sample lives, and how it is rewritten).
"""

from pipelines.sample.activity import EVENT_NAMES
from pipelines.sample.events import write_events
from pipelines.sample.scenario import SAMPLE_DIR, write_sample
from pipelines.sample.weeks import DEFAULT_SEED

__all__ = ["DEFAULT_SEED", "EVENT_NAMES", "SAMPLE_DIR", "write_events", "write_sample"]
