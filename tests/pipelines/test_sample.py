"""The committed Citewise sample: reproducible, valid, and carrying the relationships it promises."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.metrics.spec import load_metrics
from pipelines.okrs.spec import load_okrs
from pipelines.sample import EVENT_NAMES, SAMPLE_DIR, write_events, write_sample

EVENTS = SAMPLE_DIR / "events.csv.gz"
BILLING = SAMPLE_DIR / "kpis" / "billing_weekly.csv"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The sample written afresh into a temporary directory, and the paths written."""
    out = tmp_path_factory.mktemp("sample")
    return out, write_sample(out)


def _content(path: Path) -> bytes:
    """A file's bytes, decompressed for .gz (gzip framing may differ across zlib builds)."""
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


SAMPLE_FILES = {
    Path("events.csv.gz"),
    Path("kpis/billing_weekly.csv"),
    Path("kpis/support_weekly.csv"),
    Path("kpis/trials_chart.csv"),
}


def test_regenerating_the_sample_reproduces_the_committed_files(
    regenerated: tuple[Path, list[Path]],
) -> None:
    out, written = regenerated
    assert {p.relative_to(out) for p in written} == SAMPLE_FILES
    for path in written:
        committed = SAMPLE_DIR / path.relative_to(out)
        assert _content(path) == _content(committed), f"{committed} differs from the generator"


def test_the_events_gzip_is_byte_reproducible(regenerated: tuple[Path, list[Path]]) -> None:
    out, _ = regenerated
    first = (out / "events.csv.gz").read_bytes()
    assert first[4:8] == b"\0\0\0\0", "gzip mtime must be 0"
    write_sample(out)
    assert (out / "events.csv.gz").read_bytes() == first


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.strip().lower()).strip("_")


def _export_kpi_names() -> set[str]:
    """The slugs of every metric label in the three KPI exports."""
    billing = pd.read_csv(BILLING, comment="#")
    support = pd.read_csv(SAMPLE_DIR / "kpis" / "support_weekly.csv", sep=";", encoding="utf-8-sig")
    chart = pd.read_csv(SAMPLE_DIR / "kpis" / "trials_chart.csv")
    labels = [*billing["metric"].unique(), *support.columns[1:], *chart["Metric"]]
    return {_slug(label) for label in labels}


def test_metric_and_okr_definitions_validate_and_point_at_real_data() -> None:
    catalog = load_metrics(SAMPLE_DIR / "metrics.yaml")
    okrs = load_okrs(SAMPLE_DIR / "okrs.yaml")
    names = {m.name for m in catalog.metrics}
    referenced = {
        name
        for o in okrs.objectives
        for kr in o.key_results
        for name in (kr.metric, kr.counter_metric)
        if name is not None
    }
    assert referenced <= names, f"unknown metrics: {referenced - names}"
    kpi_names = {m.kpi_name for m in catalog.metrics if m.source == "kpis"}
    assert kpi_names <= _export_kpi_names(), "a kpis metric names no column of the exports"


def test_the_okrs_exercise_every_kind_of_key_result() -> None:
    okrs = load_okrs(SAMPLE_DIR / "okrs.yaml")
    q4 = [o for o in okrs.objectives if o.period == "2026-Q4"]
    krs = [kr for o in q4 for kr in o.key_results]
    assert {o.team for o in q4} == {"Company", "Product", "Customer Success"}
    assert all(3 <= len(o.key_results) <= 5 for o in q4)
    assert {"decrease", "stay_below", "milestone"} <= {kr.kr_type for kr in krs}
    assert any(kr.baseline == "auto" for kr in krs)
    assert any(len(kr.checkins) >= 2 for kr in krs if kr.kr_type == "milestone")
    parents = {o.parent_kr for o in q4} - {None}
    assert any(kr.id in parents and kr.metric is None for kr in krs)
    assert any(o.period == "2026-Q3" for o in okrs.objectives)


def test_committed_events_are_sorted_in_range_and_well_formed() -> None:
    times = pd.read_csv(EVENTS, usecols=["event_time"])["event_time"]
    # The format sorts as text, so text order is time order.
    assert times.is_monotonic_increasing
    assert times.iloc[0] >= "2026-05-18 00:00:00" and times.iloc[-1] <= "2026-11-22 23:59:59"
    con = duckdb.connect()
    con.execute(f"create view ev as select * from read_csv('{EVENTS}')")
    columns = [r[0] for r in con.execute("describe ev").fetchall()]
    assert columns == ["event_time", "user_id", "account_id", "event_name", "platform", "plan"]
    row = con.execute(
        "select count(*), count(distinct user_id), count(distinct account_id) from ev"
    ).fetchone()
    assert row is not None
    n, users, accounts = row
    assert 150_000 <= n <= 300_000
    assert 2_500 <= users <= 3_500 and 120 <= accounts <= 160
    names = {r[0] for r in con.execute("select distinct event_name from ev").fetchall()}
    assert names == set(EVENT_NAMES)
    # Activation is the first workflow within 7 days of signing up, logged with that workflow.
    late = con.execute(
        """
        select count(*) from ev a join ev s using (user_id)
        where a.event_name = 'account_activated' and s.event_name = 'signed_up'
          and (a.event_time < s.event_time or a.event_time > s.event_time + interval 7 day)
        """
    ).fetchone()
    assert late == (0,)


def test_write_events_scales_to_the_requested_volume(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    n = write_events(path, n_events=200_000)
    assert 180_000 <= n <= 220_000
    assert sum(1 for _ in path.open()) == n + 1  # plus the header


def _weekly_workflows_per_active_user() -> pd.Series:
    frame = duckdb.execute(
        f"""
        select date_trunc('week', event_time)::date as week,
               count(*) filter (where event_name = 'workflow_completed')
                 / count(distinct user_id) as wpau
        from read_csv('{EVENTS}') group by 1 order by 1
        """
    ).df()
    return frame.set_index(pd.to_datetime(frame["week"]))["wpau"]


def _weekly_new_subscriptions() -> pd.Series:
    billing = pd.read_csv(BILLING, comment="#")
    subs = billing[billing["metric"] == "New subscriptions"]
    return subs.set_index(pd.to_datetime(subs["date"]))["value"].astype(float)


def test_workflows_per_active_user_lead_new_subscriptions_by_three_weeks() -> None:
    wpau = _weekly_workflows_per_active_user().rename("wpau")
    weekly = wpau.to_frame().join(_weekly_new_subscriptions().rename("subs"), how="inner")
    assert len(weekly) == 27
    # Differencing removes the shared upward trend, which would correlate at every lag.
    change = weekly.diff()
    corr = {lag: change["wpau"].shift(lag).corr(change["subs"]) for lag in range(7)}
    best = max(corr, key=lambda lag: corr[lag])
    runner_up = max(c for lag, c in corr.items() if lag != 3)
    assert best == 3, corr
    assert corr[3] >= 0.5, corr
    assert corr[3] - runner_up >= 0.3, corr
