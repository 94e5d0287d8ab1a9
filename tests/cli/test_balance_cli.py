"""`okrlens balance` on the demo: the shares of each team's key results, the call-outs, filters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from pipelines.service import OkrlensError
from pipelines.workspace import Workspace

AS_OF = "2026-11-23"

# The demo's 2026-Q4 as it is now, worked by hand from sample_data/okrs.yaml and the metrics'
# kinds: scope row → (key results counted, output, product outcome, business outcome, spectrum).
# company-q4-habit rolls up from product-q4, so Company counts 3 of its 4 and the company 10 of 11.
# When a team lands or changes in the sample, update these pins (and the call-outs below).
DEMO_Q4 = {
    ("company", None): (10, 0.10, 0.40, 0.50, "outcome-driven"),
    ("team", "Company"): (3, 0.0, 1 / 3, 2 / 3, "outcome-driven"),
    ("team", "Product"): (4, 0.25, 0.75, 0.0, "outcome-driven"),
    ("team", "Customer Success"): (3, 0.0, 0.0, 1.0, "outcome-driven"),
}
DEMO_Q4_CALL_OUTS = [
    "Customer Success has only lagging numbers it cannot move directly within the period "
    "(support-q4-response-time, support-q4-csat, support-q4-churn): add a leading product "
    "metric it can move.",
]


RUNNER = CliRunner()


def balance(home: Path, *args: str) -> str:
    """What `okrlens --home HOME balance ARGS` prints, once it exits 0."""
    result = RUNNER.invoke(app, ["--home", str(home), "balance", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def q4_rows(demo_workspace: Workspace) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(
        balance(demo_workspace.home, "--as-of", AS_OF, "-f", "json")
    )
    return rows


@pytest.mark.parametrize(
    ("scope", "team"), list(DEMO_Q4), ids=[team or scope for scope, team in DEMO_Q4]
)
def test_json_pins_the_demos_q4_shares(
    q4_rows: list[dict[str, object]], scope: str, team: str | None
) -> None:
    row = next(r for r in q4_rows if (r["scope"], r["team"]) == (scope, team))
    found = (row["counted"], row["output"], row["product_outcome"], row["business_outcome"])
    counted, *shares, spectrum = DEMO_Q4[(scope, team)]
    assert found == pytest.approx((counted, *shares))
    assert (row["period"], row["spectrum"]) == ("2026-Q4", spectrum)


def test_json_lists_the_key_results_behind_each_share(q4_rows: list[dict[str, object]]) -> None:
    product = next(r for r in q4_rows if (r["scope"], r["team"]) == ("team", "Product"))
    assert product["output_krs"] == ["product-q4-citation-graph"]
    company = next(r for r in q4_rows if (r["scope"], r["team"]) == ("team", "Company"))
    assert company["left_out"] == ["company-q4-habit"]
    assert [r["call_out"] for r in q4_rows if r["call_out"]] == DEMO_Q4_CALL_OUTS


def test_the_table_shows_shares_the_key_results_behind_them_and_the_call_outs(
    demo_workspace: Workspace,
) -> None:
    out = balance(demo_workspace.home, "--as-of", AS_OF)
    assert out.startswith("output/outcome balance of 2026-Q4;")
    lines = out.splitlines()
    product = next(line for line in lines if line.startswith("team       Product"))
    assert product.split()[2:] == ["–", "4", "25%", "75%", "0%", "0.75", "outcome-driven"]
    habit = next(line for line in lines if "company-q4-habit" in line)
    assert "rolled up from product-q4" in habit
    assert f"called out: {DEMO_Q4_CALL_OUTS[0]}" in lines


def test_the_default_period_is_the_one_containing_as_of(
    demo_workspace: Workspace,
) -> None:
    rows = json.loads(balance(demo_workspace.home, "--as-of", "2026-08-15", "-f", "json"))
    assert {r["period"] for r in rows} == {"2026-Q3"}
    product = next(r for r in rows if (r["scope"], r["team"]) == ("team", "Product"))
    assert (product["product_outcome"], product["spectrum"]) == (1.0, "outcome-driven")


def test_team_keeps_that_teams_rows(demo_workspace: Workspace) -> None:
    out = balance(demo_workspace.home, "--period", "2026-Q4", "--team", "Product", "-f", "csv")
    assert [line.split(",")[:4] for line in out.splitlines()] == [
        ["period", "scope", "team", "objective_id"],
        ["2026-Q4", "team", "Product", ""],
        ["2026-Q4", "objective", "Product", "product-q4"],
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--team", "Sales"], "unknown team 'Sales'", id="an-unknown-team"),
        pytest.param(["--period", "2027-Q1"], "unknown period '2027-Q1'", id="an-unknown-period"),
        pytest.param(["--period", "all"], "one period at a time", id="all-periods"),
    ],
)
def test_a_wrong_option_is_refused_saying_what_to_pass(
    demo_workspace: Workspace, args: list[str], message: str
) -> None:
    result = RUNNER.invoke(app, ["--home", str(demo_workspace.home), "balance", *args])
    assert isinstance(result.exception, OkrlensError)
    assert message in result.exception.message()


def test_the_demos_platform_team_leaned_to_outputs_in_q3_and_is_told_so(
    demo_workspace: Workspace,
) -> None:
    rows = json.loads(
        balance(demo_workspace.home, "--period", "2026-Q3", "--as-of", AS_OF, "-f", "json")
    )
    platform = next(r for r in rows if (r["scope"], r["team"]) == ("team", "Platform"))
    assert (platform["counted"], platform["output"], platform["spectrum"]) == (
        4,
        0.75,
        "leaning to outputs",
    )
    assert platform["call_out"] == (
        "Platform leans to outputs: 3 of its 4 key results say what it ships (platform-q3-sso, "
        "platform-q3-api, platform-q3-eu-region), not what changes for customers. Move the "
        "deliverables into initiatives that serve an outcome key result."
    )
