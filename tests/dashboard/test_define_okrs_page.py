"""Define OKRs through AppTest: an empty workspace gets its period, objective and key result."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from pipelines.service import Workspace, edits, trust
from tests.dashboard.conftest import Open
from tests.dashboard.test_sign_in import ACCESS, visit
from tests.pipelines.test_key_result_slices import sliced_workspace

MRR = "date,metric,value\n2026-10-05,MRR,450000\n2026-10-12,MRR,455000\n2026-10-19,MRR,462000\n"


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty workspace (as `okrlens init` writes it) holding one KPI export and one metric."""
    ws = Workspace(tmp_path / "ws")
    edits.init_workspace(ws, trust.cli_actor())
    export = tmp_path / "billing.csv"
    export.write_text(MRR)
    list(edits.ingest_exports(ws, trust.cli_actor(), [export], "kpis"))
    ws.metrics_path.write_text(
        "metrics:\n  - {name: mrr, label: MRR, kind: lagging, source: kpis, agg: last, unit: USD}\n"
    )
    monkeypatch.setenv("OKRLENS_HOME", str(ws.home))
    return ws.home


def button(at: AppTest, label: str) -> AppTest:
    """Press the button labelled label and rerun."""
    next(b for b in at.button if b.label == label).click()
    return at.run()


def messages(at: AppTest) -> str:
    """What the page says in messages, as one string."""
    kinds = ("success", "warning", "error", "info")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def test_an_empty_workspace_shows_the_first_run_and_nothing_of_the_demo(
    fresh: Path, open_page: Open
) -> None:
    at = open_page("overview_page.py")
    assert not at.exception
    shown = "\n".join(m.value for m in at.markdown)
    assert "Get your first key result scored" in [s.value for s in at.subheader]
    assert ":material/check_circle:] **1. [Upload an export](upload)**" in shown
    assert "**3. [Set a key result](define-okrs)** · a period, an objective" in shown
    assert ":blue-badge[next]" in shown.split("3. [Set a key result]")[1].split("\n")[0]
    assert (
        "Citewise" not in shown
        and "workflows" not in (fresh / "okrs.yaml").read_text().split("objectives: []")[1]
    )


def test_a_period_an_objective_and_a_key_result_defined_in_the_browser_are_scored(
    fresh: Path, open_page: Open
) -> None:
    at = open_page("define_okrs_page.py")
    assert at.text_input(key="period_name").value == "2026-Q4"  # the quarter of today
    at = button(at, "Add period")
    assert "Added the period 2026-Q4." in messages(at)
    at.text_input(key="objective_title").input("Grow revenue")
    at.text_input(key="objective_team").input("Sales")
    at = button(at, "Add objective")
    assert "Added the objective Grow revenue" in messages(at)
    at.text_input(key="kr_title").input("Grow MRR to $500k")
    at.selectbox(key="kr_metric").set_value("mrr")
    at.text_input(key="kr_target").input("500,000")
    at = button(at, "Add key result")
    assert not at.exception and not at.error, messages(at)
    saved = yaml.safe_load((fresh / "okrs.yaml").read_text())
    assert saved["objectives"][0]["key_results"] == [
        {
            "id": "grow-mrr-to-500k",
            "title": "Grow MRR to $500k",
            "metric": "mrr",
            "baseline": "auto",
            "target": 500000,
        }
    ]
    overview = open_page("overview_page.py", as_of="2026-10-20")
    assert not overview.exception
    assert "Get your first key result scored" not in [s.value for s in overview.subheader]
    assert "Grow MRR to $500k" in str([d.value for d in overview.dataframe])


def test_a_viewer_sees_the_forms_but_cannot_add(fresh: Path) -> None:
    (fresh / "access.yaml").write_text(ACCESS)
    at = visit("define_okrs_page.py", "vic@example.com", fresh)
    assert not at.exception
    assert [b.disabled for b in at.button if b.label == "Add period"] == [True]
    assert "may not define OKR periods. Ask an admin for the analyst role" in str(
        [c.value for c in at.caption]
    )


def test_a_new_user_goes_from_an_empty_workspace_to_a_scored_key_result_in_the_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, open_page: Open
) -> None:
    home = tmp_path / "ours"
    edits.init_workspace(Workspace(home), trust.cli_actor())  # "Start an empty workspace"
    monkeypatch.setenv("OKRLENS_HOME", str(home))
    # 1. Upload an export.
    upload = open_page("upload_page.py")
    upload.file_uploader(key="uploads").set_value([("billing.csv", MRR.encode(), "text/csv")])
    upload = button(upload.run(), "Ingest")
    assert not upload.exception and "3 rows added" in messages(upload)
    # 2. Define a metric from a column the store now holds.
    define = open_page("define_metrics_page.py")
    define.text_input(key="define_name_+new").input("mrr")
    define.text_input(key="define_label_+new").input("MRR")
    define.radio(key="define_source_+new").set_value("kpis").run()
    define.selectbox(key="define_kpi_+new").set_value("mrr")
    define.selectbox(key="define_agg_+new").set_value("last").run()
    define.button(key="define_save_+new").click().run()
    assert not define.exception and [s.value for s in define.success] == ["Saved metric mrr."]
    # 3. Set a key result: period, objective, key result.
    okrs = button(open_page("define_okrs_page.py"), "Add period")
    okrs.text_input(key="objective_title").input("Grow revenue")
    okrs.text_input(key="objective_team").input("Sales")
    okrs = button(okrs, "Add objective")
    okrs.text_input(key="kr_title").input("Grow MRR to $500k")
    okrs.selectbox(key="kr_metric").set_value("mrr")
    okrs.text_input(key="kr_target").input("500000")
    okrs = button(okrs, "Add key result")
    assert not okrs.exception and not okrs.error, messages(okrs)
    # 4. See it scored.
    overview = open_page("overview_page.py", as_of="2026-10-20")
    assert not overview.exception
    row = next(
        line for m in overview.markdown for line in m.value.splitlines() if "Grow MRR" in line
    )
    # Its latest value against its target, from the baseline read at period start (450,000).
    assert "| 462,000 of 500,000 · 24% |" in row


def test_an_item_picked_for_editing_shows_its_own_values_and_saves_only_what_changed(
    demo_home: Path, open_page: Open
) -> None:
    before = (demo_home / "okrs.yaml").read_text()
    at = open_page("define_okrs_page.py")
    at.selectbox(key="edit_item").set_value("key_result:support-q4-csat").run()
    assert at.text_input(key="edit_title_support-q4-csat").value == "Raise CSAT from 90% to 95%"
    at.selectbox(key="edit_item").set_value("key_result:company-q4-mrr").run()
    assert at.selectbox(key="edit_metric_company-q4-mrr").value == "mrr"
    assert not [w for w in at.text_input if str(w.key).endswith("support-q4-csat")]
    at.text_input(key="edit_title_company-q4-mrr").input("Grow MRR from $430k to $495k")
    at = button(at, "Save key result")
    assert "Saved the key result company-q4-mrr." in messages(at)
    after = (demo_home / "okrs.yaml").read_text()
    assert [line for line in after.splitlines() if line not in before.splitlines()] == [
        "        title: Grow MRR from $430k to $495k"
    ]


def test_removing_asks_first_and_refuses_what_others_depend_on(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page("define_okrs_page.py")
    at.selectbox(key="edit_item").set_value("key_result:company-q4-habit").run()
    at = button(at, "Remove this key result")
    assert "Remove company-q4-habit from okrs.yaml?" in messages(at)
    at = button(at, "Yes, remove")
    assert "cannot be removed while Make weekly workflows a habit for our institutions" in (
        messages(at)
    )
    at.selectbox(key="edit_item").set_value("key_result:support-q4-churn").run()
    at = button(at, "Remove this key result")
    at = button(at, "Yes, remove")
    assert "support-q4-churn" not in (demo_home / "okrs.yaml").read_text()


@pytest.mark.parametrize(
    ("as_of", "objective", "period"),
    [
        pytest.param("2026-11-23", "company-q4", "2026-Q4", id="in-q4-a-q4-objective"),
        pytest.param("2026-08-15", "company-q3", "2026-Q3", id="in-q3-a-q3-objective"),
    ],
)
def test_the_forms_default_to_the_current_period(
    demo_home: Path, open_page: Open, as_of: str, objective: str, period: str
) -> None:
    at = open_page("define_okrs_page.py", as_of=as_of)
    assert not at.exception
    assert at.selectbox(key="kr_objective").value == objective
    assert at.selectbox(key="objective_period").value == period


def test_a_key_result_gets_a_slice_the_store_holds_and_a_deadline_shown_on_its_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, open_page: Open
) -> None:
    home = sliced_workspace(tmp_path, "").home
    monkeypatch.setenv("OKRLENS_HOME", str(home))
    at = open_page("define_okrs_page.py", as_of="2026-01-20")
    at.selectbox(key="kr_metric").set_value("weekly_active_users").run()
    assert at.selectbox(key="kr_slice").options == [
        "whole metric",
        "platform: ios",
        "platform: web",
        "plan: (none)",
        "plan: free",
        "plan: pro",
    ]
    at.selectbox(key="kr_slice").set_value("plan: pro")
    at.date_input(key="kr_deadline_2026-Q1").set_value(dt.date(2026, 2, 15))
    at.text_input(key="kr_title").input("Pro users to 3")
    at.text_input(key="kr_id").input("pro-3")
    at.text_input(key="kr_target").input("3")
    at = button(at, "Add key result")
    assert not at.exception and not at.error, messages(at)
    assert (
        "      - id: pro-3\n        title: Pro users to 3\n        metric: weekly_active_users\n"
        "        baseline: auto\n        target: 3\n        slice: {plan: pro}\n"
        "        deadline: 2026-02-15\n"
    ) in (home / "okrs.yaml").read_text()
    page = open_page("kr_detail_page.py", as_of="2026-01-20", kr="pro-3")
    assert not page.exception
    assert (
        "grow · Grow the paying base · Product · 2026-Q1 · due 15 Feb 2026 · data through 19 Jan 2026"
        in [c.value for c in page.caption]
    )


@pytest.mark.parametrize(
    ("deadline", "changed"),
    [
        pytest.param(None, [], id="left-untouched-no-deadline-is-written"),
        pytest.param(dt.date(2026, 12, 31), [], id="the-period-end-is-not-written"),
        pytest.param(
            dt.date(2026, 12, 15), ["        deadline: 2026-12-15"], id="an-earlier-one-is"
        ),
    ],
)
def test_editing_a_key_result_writes_a_deadline_only_when_one_is_chosen(
    demo_home: Path, open_page: Open, deadline: dt.date | None, changed: list[str]
) -> None:
    before = (demo_home / "okrs.yaml").read_text()
    at = open_page("define_okrs_page.py")
    at.selectbox(key="edit_item").set_value("key_result:company-q4-mrr").run()
    assert at.date_input(key="edit_deadline_company-q4-mrr").value == dt.date(2026, 12, 31)
    at.text_input(key="edit_title_company-q4-mrr").input("Grow MRR to $490k")
    if deadline is not None:
        at.date_input(key="edit_deadline_company-q4-mrr").set_value(deadline)
    at = button(at, "Save key result")
    assert "Saved the key result company-q4-mrr." in messages(at)
    after = (demo_home / "okrs.yaml").read_text()
    assert [line for line in after.splitlines() if line not in before.splitlines()] == [
        "        title: Grow MRR to $490k",
        *changed,
    ]
