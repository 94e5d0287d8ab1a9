"""Every page through Streamlit's AppTest: the demo workspace, an empty one, and each interaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.navigation import PAGES
from pipelines.workspace import Workspace
from tests.dashboard.conftest import APP, Open

PAGE_FILES = [spec.file for spec in PAGES]


def texts(at: object) -> str:
    """Everything markdown-like the page shows, as one string."""
    parts = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "success",
        "warning",
        "error",
    ):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_renders_the_demo_without_exception(
    demo_home: Path, open_page: Open, page: str
) -> None:
    at = open_page(page)
    assert not at.exception
    assert not at.error


def test_the_router_serves_every_page(demo_home: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    for page in PAGE_FILES:
        at.switch_page(f"app_pages/{page}").run()
        assert not at.exception, page
        assert not at.error, page


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_offers_a_first_run_on_an_empty_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, open_page: Open, page: str
) -> None:
    monkeypatch.setenv("OKRLENS_HOME", str(tmp_path / "nothing"))
    at = open_page(page)
    assert not at.exception
    assert "No okrlens workspace" in at.info[0].value
    assert [b.label for b in at.button] == ["Load the demo workspace", "Start an empty workspace"]


def test_the_first_run_button_loads_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, open_page: Open
) -> None:
    monkeypatch.setenv("OKRLENS_HOME", str(tmp_path / "fresh"))
    at = open_page("overview_page.py")
    at.button(key="load_demo").click().run()
    assert not at.exception
    assert "Become the reference manager" in texts(at)


def test_key_result_page_explains_the_metric_and_shows_history(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page("kr_detail_page.py", kr="support-q4-response-time")
    page = texts(at)
    assert "Cut first response time from 6.0 h to 3.0 h" in page
    assert "lower is better" in page
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["baseline → target"] == "6 hours → 3 hours"
    assert metrics["band so far"] == "met"  # mid-period: progress so far, not a verdict
    spec = at.get("vega_lite_chart")[0].proto.spec
    assert '"lo80"' in spec and '"hi80"' in spec  # the forecast fan is drawn
    assert len(at.dataframe) >= 1


@pytest.mark.parametrize(
    ("kr", "as_of", "takes"),
    [
        pytest.param(
            "company-q4-mrr",
            "2026-11-23",
            "To reach \\$490,000 by 31 Dec 2026: +\\$5,017 a week for 6 weeks; the last 4 weeks "
            "moved +\\$5,682 a week.",
            id="the-pace-needed-against-the-recent-pace",
        ),
        pytest.param("company-q4-downtime", "2026-11-23", None, id="a-guardrail-has-no-distance"),
        pytest.param("company-q3-mrr", "2026-11-23", None, id="a-period-that-is-over"),
    ],
)
def test_key_result_page_says_what_it_takes_while_the_period_runs(
    demo_home: Path, open_page: Open, kr: str, as_of: str, takes: str | None
) -> None:
    at = open_page("kr_detail_page.py", kr=kr, as_of=as_of)
    said = [m.value for m in at.markdown if m.value.startswith("**What it takes.**")]
    assert said == ([] if takes is None else [f"**What it takes.** {takes}"])
    metrics = {m.label: m.value for m in at.metric}
    assert ("final band" in metrics) == (kr == "company-q3-mrr")


def test_key_result_page_shows_the_counter_metric(demo_home: Path, open_page: Open) -> None:
    at = open_page("kr_detail_page.py", kr="product-q4-active-users")
    assert "Counter-metric: First response time" in [s.value for s in at.subheader]


def test_key_result_page_of_a_milestone_lists_its_checkins(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page("kr_detail_page.py", kr="product-q4-citation-graph")
    assert "Milestone" in texts(at)
    assert "Check-ins" in [s.value for s in at.subheader]


def test_choosing_a_key_result_puts_its_id_in_the_url(demo_home: Path, open_page: Open) -> None:
    at = open_page("kr_detail_page.py")
    at.selectbox(key="kr").select("support-q4-csat").run()
    assert at.query_params["kr"] == "support-q4-csat"
    assert "Raise CSAT from 90% to 95%" in texts(at)


def test_insight_page_shows_links_ladder_and_lint(demo_home: Path, open_page: Open) -> None:
    at = open_page("insight_page.py")
    assert not at.exception
    links = at.dataframe[0].value.set_index(["leading", "lagging"])
    planted = links.loc[("workflows_per_active_user", "new_subscriptions")]
    assert (planted["significant"], planted["best lag"]) == ("yes", "3")
    assert "association, not proof of cause" in planted["note"]
    assert links.iloc[0]["significant"] == "yes"  # significant links come first
    assert len(at.get("vega_lite_chart")) == 2  # the ladder and the balance
    assert [h.value for h in at.header][1].startswith("Ladder")


def test_metrics_page_shows_both_kinds_and_who_uses_them(demo_home: Path, open_page: Open) -> None:
    at = open_page("metrics_page.py")
    assert len(at.get("vega_lite_chart")) == 1
    catalog = at.dataframe[-1].value
    used = dict(zip(catalog["metric"], catalog["used by key results"], strict=True))
    assert "support-q4-response-time" in used["first_response_time"]


GOOD_KPIS = b"date,metric,value\n2026-11-16,Trials started,50\n2026-11-23,Trials started,52\n"
BAD_KPIS = b"date,metric,value\n2026-11-16,Trials started,50\n2026-11-23,Trials started,lots\n"


def test_uploading_a_good_file_previews_then_ingests_once(demo_home: Path, open_page: Open) -> None:
    at = open_page("upload_page.py")
    at.file_uploader(key="uploads").set_value([("trials.csv", GOOD_KPIS, "text/csv")]).run()
    assert not at.exception
    assert "Ingesting will add **2** rows" in texts(at) or "Ingesting will add **1** rows" in texts(
        at
    )
    at.button(
        key=next(b.key for b in at.button if b.key and b.key.endswith("_ingest"))
    ).click().run()
    assert not at.exception
    assert "trials.csv: ingested as kpis (long)" in texts(at)
    at.run()  # an unrelated rerun must not ingest again
    history = at.dataframe[-1].value
    assert list(history["file name"]).count("trials.csv") == 1


CRLF_EVENTS = b"event_time,user_id,event_name\r\nyesterday,u1,a\r\ntoday,u2,b\r\n"


def test_a_file_with_unreadable_cells_never_hides_the_files_after_it(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page("upload_page.py")
    at.file_uploader(key="uploads").set_value(
        [("events.csv", CRLF_EVENTS, "text/csv"), ("trials.csv", GOOD_KPIS, "text/csv")]
    ).run()
    assert not at.exception and not at.error
    assert "2 line(s) cannot be read" in texts(at)
    rejects = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert rejects[["line", "value"]].values.tolist() == [[2, "yesterday"], [3, "today"]]
    assert "Ingesting will add **1** rows, revise **1** values." in texts(at)  # the second file


def test_idle_reruns_with_a_file_waiting_never_change_the_data_version(
    demo_home: Path, open_page: Open
) -> None:
    workspace = Workspace(demo_home)
    before = workspace.data_version()
    at = open_page("upload_page.py")
    at.file_uploader(key="uploads").set_value([("trials.csv", GOOD_KPIS, "text/csv")]).run()
    for _ in range(3):
        at.run()
    assert not at.exception
    assert "Ingesting will add **1** rows, revise **1** values." in texts(at)
    assert workspace.data_version() == before
    assert len(list((demo_home / "snapshots").glob("*.series.parquet"))) == 1


def test_uploading_a_bad_file_shows_rejected_lines_with_reasons(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page("upload_page.py")
    at.file_uploader(key="uploads").set_value([("bad.csv", BAD_KPIS, "text/csv")]).run()
    assert not at.exception
    assert "1 line(s) cannot be read" in texts(at)
    assert "decimal mark '.'" in texts(at)
    rejects = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert rejects[["line", "reason"]].values.tolist() == [[3, "not a number"]]


def test_a_column_mapping_reads_an_export_with_unusual_headers(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page("upload_page.py")
    export = b"when,what,how much\n2026-11-16,Partner sign-ups,7\n"
    at.file_uploader(key="uploads").set_value([("odd.csv", export, "text/csv")]).run()
    # Alone, it reads as one row per date, with its text column left out, and says so.
    assert not at.error
    understood = dict(at.dataframe[0].value.itertuples(index=False, name=None))
    assert understood["what"] == "left out: text, not numbers (e.g. 'Partner sign-ups')"
    prefix = next(s.key for s in at.selectbox if s.key and s.key.endswith("_kpis_map_date"))[
        : -len("date")
    ]
    at.selectbox(key=prefix + "date").select("when")
    at.selectbox(key=prefix + "metric").select("what")
    at.selectbox(key=prefix + "value").select("how much").run()
    assert not at.error
    assert "Ingesting will add **1** rows" in texts(at)


def test_uploading_an_unreadable_file_explains_why(demo_home: Path, open_page: Open) -> None:
    at = open_page("upload_page.py")
    at.file_uploader(key="uploads").set_value(
        [("book.csv", "a,b\n1,é\n".encode("utf-16"), "text/csv")]
    ).run()
    assert not at.exception
    assert "UTF-16" in at.error[0].value
