"""The `okrlens` command through its real entry point: outputs, exit codes, messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from pipelines.workspace import Workspace

REPORT_FIELDS = {
    "objective_id", "objective", "kr_id", "key_result", "metric", "kind", "baseline", "target",
    "current", "progress", "progress_clamped", "band", "expected_progress", "status", "as_of",
    "data_as_of", "data_through",
}  # fmt: skip


def okrlens(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run okrlens in-process; return (exit status, stdout, stderr)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="session")
def demo_home(demo_workspace: Workspace) -> Path:
    """The shared demo workspace (read-only for these tests)."""
    return demo_workspace.home


def test_the_installed_console_script_reports_as_json(demo_home: Path) -> None:
    script = Path(sys.executable).with_name("okrlens")
    result = subprocess.run(
        [str(script), "--home", str(demo_home), "report", "--as-of", "2026-11-23", "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) >= 9
    assert rows[0].keys() >= REPORT_FIELDS
    assert {r["band"] for r in rows} <= {"missed", "met", "exceeded", None}
    assert {r["as_of"] for r in rows} == {"2026-11-23"}


# The demo at 2026-11-23, worked by hand: (current − baseline) / (target − baseline), the band
# of the default preset, and 53 of Q4's 92 days gone (expected progress 0.576).
KNOWN_SCORES = [
    ("company-q4-mrr", 430000.0, 490000.0, 459896.17, 0.4983, "missed", "at_risk"),
    ("company-q4-new-subscriptions", 24.0, 36.0, 35.0, 0.9167, "exceeded", "on_track"),
    ("support-q4-response-time", 6.0, 3.0, 3.9, 0.7, "met", "on_track"),
    ("support-q4-churn", 6.0, 3.0, 5.0, 0.3333, "missed", "off_track"),
    ("company-q4-downtime", None, 60.0, 4.0, 1.0, "exceeded", "on_track"),
]


@pytest.mark.parametrize(
    ("kr_id", "baseline", "target", "current", "progress", "band", "status"), KNOWN_SCORES
)
def test_report_json_scores_the_demo_key_results_as_worked_by_hand(
    capsys: pytest.CaptureFixture[str],
    demo_home: Path,
    kr_id: str,
    baseline: float | None,
    target: float,
    current: float,
    progress: float,
    band: str,
    status: str,
) -> None:
    code, out, _ = okrlens(
        capsys, "--home", str(demo_home), "report", "--as-of", "2026-11-23", "-f", "json"
    )
    assert code == 0
    row = next(r for r in json.loads(out) if r["kr_id"] == kr_id)
    assert (row["baseline"], row["target"], row["current"]) == (baseline, target, current)
    assert row["progress"] == pytest.approx(progress, abs=5e-5)
    assert (row["band"], row["status"]) == (band, status)
    assert row["expected_progress"] == pytest.approx(53 / 92)


def test_report_csv_has_a_header_and_one_row_per_key_result(
    capsys: pytest.CaptureFixture[str], demo_home: Path
) -> None:
    _, json_out, _ = okrlens(
        capsys, "--home", str(demo_home), "report", "--as-of", "2026-11-23", "-f", "json"
    )
    code, out, _ = okrlens(
        capsys, "--home", str(demo_home), "report", "--as-of", "2026-11-23", "-f", "csv"
    )
    lines = out.splitlines()
    assert code == 0
    assert lines[0].startswith("objective_id,objective,team,period,kr_id")
    assert len(lines) - 1 == len(json.loads(json_out))


def test_report_table_groups_key_results_under_objectives(
    capsys: pytest.CaptureFixture[str], demo_home: Path
) -> None:
    code, out, _ = okrlens(capsys, "--home", str(demo_home), "report", "--as-of", "2026-11-23")
    assert code == 0
    groups: dict[str, list[str]] = {}
    for block in out.strip().split("\n\n")[:-1]:
        header, columns, _rule, *rows = block.splitlines()
        assert columns.split()[:2] == ["kr_id", "key_result"]
        groups[header.split()[0]] = [row.split()[0] for row in rows]
    assert groups == {
        "company-q4": [
            "company-q4-mrr", "company-q4-new-subscriptions", "company-q4-habit",
            "company-q4-downtime",
        ],
        "product-q4": [
            "product-q4-workflows", "product-q4-activation", "product-q4-active-users",
            "product-q4-citation-graph",
        ],
        "support-q4": ["support-q4-response-time", "support-q4-csat", "support-q4-churn"],
    }  # fmt: skip
    assert out.rstrip().splitlines()[-1].startswith("as of 2026-11-23; bands: missed=6")


def test_status_counts_rows_and_lists_ingests(
    capsys: pytest.CaptureFixture[str], demo_home: Path
) -> None:
    code, out, _ = okrlens(
        capsys, "--home", str(demo_home), "status", "--as-of", "2026-11-23", "-f", "json"
    )
    info = json.loads(out)
    assert code == 0
    assert info["events"]["rows"] > 100_000
    assert info["kpis"]["metrics"] >= 6
    assert {i["file_name"] for i in info["ingests"]} >= {"events.csv.gz", "billing_weekly.csv"}
    assert all(len(i["sha256"]) == 64 for i in info["ingests"])


def test_metrics_lists_and_shows_a_series(
    capsys: pytest.CaptureFixture[str], demo_home: Path
) -> None:
    code, out, _ = okrlens(capsys, "--home", str(demo_home), "metrics")
    assert code == 0 and "weekly_active_users" in out and "lagging" in out
    code, out, _ = okrlens(capsys, "--home", str(demo_home), "metrics", "show", "mrr", "-f", "json")
    series = json.loads(out)
    assert code == 0 and len(series) >= 26
    assert set(series[0]) == {
        "metric", "period_start", "period_end", "value", "complete", "covered_through"
    }  # fmt: skip


def test_ingest_then_reingest_through_the_cli(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    home = tmp_path / "ws"
    assert okrlens(capsys, "--home", str(home), "init", "--example")[0] == 0
    export = tmp_path / "billing.csv"
    export.write_text('date,metric,value\n2026-10-05,MRR,"$450,000"\n2026-11-16,MRR,"$470,000"\n')
    code, out, _ = okrlens(capsys, "--home", str(home), "ingest", "kpis", str(export))
    assert code == 0 and "2 rows added" in out and "long" in out
    code, out, _ = okrlens(capsys, "--home", str(home), "ingest", "kpis", str(export))
    assert code == 0 and "already ingested" in out and "0 rows added" in out
    code, out, _ = okrlens(
        capsys, "--home", str(home), "report", "--as-of", "2026-11-23", "-f", "json"
    )
    rows = {r["kr_id"]: r for r in json.loads(out)}
    assert rows["CO-1.1"]["current"] == 470_000
    # baseline auto: no MRR before 2026-10-01, so the first value inside the period
    assert rows["CO-1.1"]["baseline"] == 450_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["report"], "no workspace at", id="missing-workspace"),
        pytest.param(["ingest", "events", "nope.csv"], "file not found", id="missing-file"),
        pytest.param(["metrics", "show", "nope"], "no metric called 'nope'", id="unknown-metric"),
        pytest.param(["report", "--period", "1999-Q1"], "unknown period", id="unknown-period"),
        pytest.param(
            ["ingest", "kpis", "--decimal", ";", "x.csv"], "unknown decimal mark", id="bad-option"
        ),
    ],
)
def test_user_errors_exit_2_with_one_paragraph_and_no_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str
) -> None:
    home = tmp_path / "ws"
    if args[0] != "report" or "--period" in args:
        Workspace(home).init(example=True)
    code, out, err = okrlens(capsys, "--home", str(home), *args)
    assert code == 2
    assert message in err and err.startswith("error: ")
    assert "Traceback" not in err + out


def test_a_rejected_file_exits_2_and_lists_its_bad_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    home = tmp_path / "ws"
    Workspace(home).init(example=True)
    bad = tmp_path / "events.csv"
    bad.write_text("event_time,user_id,event_name\n2026-05-18,u1,a\nnope,u2,b\n")
    code, _, err = okrlens(capsys, "--home", str(home), "ingest", "events", str(bad))
    assert code == 2
    assert "line 3" in err and "not a date-time" in err and "--allow-rejects" in err


def test_a_key_result_on_an_unknown_metric_is_left_out_of_the_report_with_a_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    home = tmp_path / "ws"
    Workspace(home).init(example=True)
    okrs = home / "okrs.yaml"
    okrs.write_text(okrs.read_text().replace("metric: mrr", "metric: revenue"))
    code, out, err = okrlens(capsys, "--home", str(home), "report", "-f", "json")
    assert code == 0
    assert "CO-1.1" not in {row["kr_id"] for row in json.loads(out)}
    assert {"CO-1.2", "CO-1.3"} <= {row["kr_id"] for row in json.loads(out)}
    assert err.startswith("warning: key result CO-1.1 is left out: its metric 'revenue'")
    code, out, _ = okrlens(capsys, "--home", str(home), "check")
    assert code == 1
    assert "CO-1.1" in out and "KR004" in out


def test_demo_generates_a_larger_event_log_and_refuses_to_overwrite(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    home = str(tmp_path / "big")
    code, out, _ = okrlens(capsys, "--home", home, "demo", "--events", "30000")
    assert code == 0 and "generating 30,000 events" in out
    code, out, _ = okrlens(capsys, "--home", home, "status", "-f", "json")
    assert 27_000 <= json.loads(out)["events"]["rows"] <= 33_000
    code, _, err = okrlens(capsys, "--home", home, "demo")
    assert code == 2 and "--force" in err


def test_status_table_names_sources_and_freshness(
    capsys: pytest.CaptureFixture[str], demo_home: Path
) -> None:
    code, out, _ = okrlens(capsys, "--home", str(demo_home), "status", "--as-of", "2026-11-23")
    assert code == 0
    assert "events: 217,795 rows" in out and "KPI freshness" in out and "support_weekly.csv" in out


def test_links_finds_the_planted_lead(capsys: pytest.CaptureFixture[str], demo_home: Path) -> None:
    code, out, _ = okrlens(capsys, "--home", str(demo_home), "links", "-f", "json")
    rows = json.loads(out)
    assert code == 0
    fields = {
        "leading",
        "lagging",
        "grain",
        "best_lag",
        "correlation",
        "ci_low",
        "ci_high",
        "significant",
        "stability",
        "n_points",
        "note",
    }
    assert fields <= rows[0].keys()
    planted = next(
        r
        for r in rows
        if (r["leading"], r["lagging"]) == ("workflows_per_active_user", "new_subscriptions")
    )
    assert planted["significant"] and planted["best_lag"] == 3
    assert "association, not proof of cause" in planted["note"]


def test_forecast_gives_band_probabilities_per_key_result(
    capsys: pytest.CaptureFixture[str], demo_home: Path
) -> None:
    code, out, _ = okrlens(
        capsys, "--home", str(demo_home), "forecast", "--as-of", "2026-11-23", "-f", "json"
    )
    rows = {r["kr_id"]: r for r in json.loads(out)}
    assert code == 0
    # Every metric-backed increase/decrease/stay KR of Q4 is forecast; milestones and roll-ups are not.
    assert sorted(rows) == [
        "company-q4-downtime", "company-q4-mrr", "company-q4-new-subscriptions",
        "product-q4-activation", "product-q4-active-users", "product-q4-workflows",
        "support-q4-churn", "support-q4-csat", "support-q4-response-time",
    ]  # fmt: skip
    for row in rows.values():
        assert row["p_missed"] + row["p_met"] + row["p_exceeded"] == pytest.approx(1.0)
        assert row["lo80"] <= row["median_end"] <= row["hi80"]


def test_lint_flags_the_vanity_key_result(
    capsys: pytest.CaptureFixture[str], demo_home: Path
) -> None:
    code, out, _ = okrlens(
        capsys, "--home", str(demo_home), "lint", "--as-of", "2026-11-23", "-f", "json"
    )
    rows = json.loads(out)
    assert code == 0
    assert {"code": "KR007", "kr_id": "product-q3-logins"}.items() <= next(
        r for r in rows if r["code"] == "KR007"
    ).items()


def test_brief_writes_markdown_and_json(
    capsys: pytest.CaptureFixture[str], demo_home: Path
) -> None:
    code, out, _ = okrlens(
        capsys, "--home", str(demo_home), "brief", "--as-of", "2026-11-23", "--team", "Product"
    )
    assert code == 0 and out.startswith("# Standup brief · Product · week ending 23 Nov 2026")
    code, out, _ = okrlens(
        capsys, "--home", str(demo_home), "brief", "--as-of", "2026-11-23", "-f", "json"
    )
    assert code == 0
    assert {
        "changed_band_or_status",
        "biggest_movers",
        "forecast_shifts",
        "new_lint_findings",
    } <= json.loads(out).keys()
    code, _, err = okrlens(capsys, "--home", str(demo_home), "brief", "--team", "Nobody")
    assert code == 2 and "unknown team" in err
