"""The shipped Citewise scenario: where its files are, and how its generated part is rewritten."""

from __future__ import annotations

from pathlib import Path

from pipelines.sample.events import write_event_log
from pipelines.sample.kpis import kpis, write_billing, write_support, write_trials_chart
from pipelines.sample.weeks import DEFAULT_SEED, latent


def _sample_dir() -> Path:
    """The sample's folder: the copy packaged into the wheel, else the checkout's sample_data/."""
    # pyproject.toml force-includes the top-level sample_data/ as pipelines/sample_data/ in the
    # wheel; a source or editable checkout has only the top-level folder.
    pipelines_dir = Path(__file__).resolve().parents[1]
    packaged = pipelines_dir / "sample_data"
    return packaged if packaged.is_dir() else pipelines_dir.parent / "sample_data"


SAMPLE_DIR = _sample_dir()


def write_sample(out_dir: Path) -> list[Path]:
    """Write the generated part of the sample (events.csv.gz, kpis/*.csv) into out_dir.

    metrics.yaml and okrs.yaml beside them are written by hand, as an analyst would.
    """
    out_dir = Path(out_dir)
    (out_dir / "kpis").mkdir(parents=True, exist_ok=True)
    events = out_dir / "events.csv.gz"
    stats = write_event_log(events, 1.0, DEFAULT_SEED)
    k = kpis(latent(DEFAULT_SEED), stats.workflows_per_user, DEFAULT_SEED)
    billing = out_dir / "kpis" / "billing_weekly.csv"
    support = out_dir / "kpis" / "support_weekly.csv"
    trials = out_dir / "kpis" / "trials_chart.csv"
    write_billing(billing, k)
    write_support(support, k)
    write_trials_chart(trials, k)
    return [events, billing, support, trials]
