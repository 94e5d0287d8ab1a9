"""The Insight page: its tables read as every page and the CLI print them (no raw floats or
None), and the output/outcome balance with its call-outs and the key results behind each share."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from pipelines.service.formatting import markdown_text
from tests.dashboard.conftest import Open

# In the page's order (AppTest reports no table keys).
TABLES = ("links", "ladder_edges", "balance_shares", "balance_krs", "lint")


@pytest.mark.parametrize(
    ("table", "row", "column", "text"),
    [
        pytest.param(
            "links",
            {"leading": "workflows_per_active_user", "lagging": "new_subscriptions"},
            "correlation",
            "0.83",
            id="a-correlation-to-two-decimals-not-0.833298",
        ),
        pytest.param(
            "links",
            {"leading": "workflows_per_active_user", "lagging": "new_subscriptions"},
            "p value",
            "<0.001",
            id="a-small-p-value-as-a-statistician-writes-it",
        ),
        pytest.param(
            "links",
            {"leading": "workflows_per_active_user", "lagging": "new_subscriptions"},
            "significant",
            "yes",
            id="a-yes-or-no",
        ),
        pytest.param(
            "links",
            {"leading": "workflows_completed", "lagging": "new_subscriptions"},
            "stability",
            "91%",
            id="a-stability-as-the-share-of-windows",
        ),
        pytest.param(
            "ladder_edges",
            {"source": "workflows_per_active_user", "target": "new_subscriptions"},
            "strength",
            "0.83",
            id="a-measured-edges-strength",
        ),
        pytest.param(
            "ladder_edges",
            {"source": "downtime_minutes", "target": "mrr"},
            "strength",
            "–",
            id="a-declared-edge-without-one",
        ),
        pytest.param(
            "balance_shares",
            {"scope": "team", "team": "Product"},
            "output",
            "25%",
            id="a-share-as-a-percentage",
        ),
        pytest.param(
            "balance_shares",
            {"scope": "team", "team": "Product"},
            "spectrum",
            "outcome-driven",
            id="a-teams-place-on-the-spectrum-in-words",
        ),
        pytest.param(
            "balance_krs",
            {"kr id": "product-q4-citation-graph"},
            "link",
            "key-result?kr=product-q4-citation-graph&as_of=2026-11-23",
            id="each-key-result-behind-a-share-one-click-away",
        ),
        pytest.param(
            "balance_krs",
            {"kr id": "company-q4-habit"},
            "tier",
            "–",
            id="a-rolled-up-key-result-in-no-share",
        ),
        pytest.param(
            "lint",
            {"code": "OBJ003", "objective id": "support-q4"},
            "kr id",
            "–",
            id="an-objectives-finding-names-no-key-result",
        ),
    ],
)
def test_each_table_shows_its_cells_as_people_read_them(
    demo_home: Path, open_page: Open, table: str, row: dict[str, str], column: str, text: str
) -> None:
    at = open_page("insight_page.py")
    assert not at.exception
    frame = at.dataframe[TABLES.index(table)].value
    matching = frame[(frame[list(row)] == list(row.values())).all(axis=1)]
    assert matching[column].tolist() == [text]


# A team leaning to outputs, under a name that is Markdown (user text is hostile).
OUTPUT_TEAM = """
  - id: platform-q4
    title: Rebuild the platform
    team: "**Ops** [x](javascript:alert(1))"
    period: 2026-Q4
    key_results:
      - id: platform-q4-sso
        title: Ship single sign-on
        type: milestone
      - id: platform-q4-api
        title: Release the public API
        type: milestone
"""


def test_the_balance_calls_out_a_team_of_outputs_and_one_of_lagging_numbers(
    demo_home: Path, open_page: Open
) -> None:
    okrs = demo_home / "okrs.yaml"
    okrs.write_text(okrs.read_text() + OUTPUT_TEAM)
    at = open_page("insight_page.py")
    assert not at.exception
    assert [w.value for w in at.warning] == [
        markdown_text(
            "Customer Success has only lagging numbers it cannot move directly within the period "
            "(support-q4-response-time, support-q4-csat, support-q4-churn): add a leading "
            "product metric it can move."
        ),
        markdown_text(
            "**Ops** [x](javascript:alert(1)) measures what it ships, not what changes for "
            "customers: every key result is an output (platform-q4-sso, platform-q4-api). Add "
            "the change in customer behaviour the work should cause, as a leading product metric."
        ),
    ]
    shares = at.dataframe[TABLES.index("balance_shares")].value
    ops = shares[(shares["scope"] == "team") & (shares["team"].str.startswith("**Ops**"))]
    assert ops[["output", "position", "spectrum"]].values.tolist() == [
        ["100%", "0.00", "output-driven"]
    ]
    chart = next(
        c.proto for c in at.get("vega_lite_chart") if "share of key results" in c.proto.spec
    )
    # Streamlit sends a chart's rows beside its spec, as Arrow.
    segments = pa.ipc.open_stream(chart.datasets[0].data.data).read_all().to_pandas()
    bars = set(segments["who"])
    # The company: 12 key results counted, 3 of them outputs: 0.75, where outcome-driven starts.
    assert bars == {
        "All teams · outcome-driven", "Company · outcome-driven", "Product · outcome-driven",
        "Customer Success · outcome-driven", "**Ops** [x](javascript:alert(1)) · output-driven",
    }  # fmt: skip


def test_a_period_without_key_results_has_no_balance_to_weigh(
    demo_home: Path, open_page: Open
) -> None:
    okrs = demo_home / "okrs.yaml"
    later = "periods:\n  - name: 2027-Q1\n    start: 2027-01-01\n    end: 2027-03-31\n"
    okrs.write_text(okrs.read_text().replace("periods:\n", later, 1))
    at = open_page("insight_page.py", period="2027-Q1")
    assert not at.exception
    assert "No key results in this period to weigh." in [i.value for i in at.info]
    assert not at.warning
