"""The Key result page's "Initiatives serving this key result": each initiative's state and,
once shipped, its metric against the forecast made when it shipped."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import charts, data
from pipelines.service import Workspace
from tests.dashboard.conftest import Open

SECTION = "Initiatives serving this key result"


def markdown_and_captions(at: AppTest) -> list[str]:
    """Every Markdown and caption text of the page, in order."""
    return [m.value for m in at.markdown] + [c.value for c in at.caption]


@pytest.mark.parametrize(
    ("kr", "lines"),
    [
        pytest.param(
            "product-q4-activation",
            [
                "**Guided onboarding checklist for new researchers** · Product · shipped 28 Sep "
                "2026 · expected +8.0 pts",
                "better than the forecast band for 5 of 8 weeks",
                "Observational: other changes of the same weeks may explain it.",
            ],
            id="a_shipped_initiative_shows_its_measured_effect",
        ),
        pytest.param(
            "product-q4-active-users",
            [
                "**Dark mode for the reader** · Product · shipped 12 Oct 2026 · expected +100 users",
                "within the forecast band for all 6 weeks: no effect visible yet",
                "**Shared group libraries for research teams** · Product · planned · expected "
                "+150 users",
            ],
            id="no_effect_is_said_and_planned_work_is_listed",
        ),
        pytest.param(
            "product-q4-workflows",
            [
                "**Citation graph, private beta to public** · Product · in progress",
                "No shipped initiative to compare with a forecast yet.",
            ],
            id="work_not_yet_shipped_has_no_effect_yet",
        ),
        pytest.param(
            "support-q4-churn",
            ["No initiative in initiatives.yaml serves this key result."],
            id="a_key_result_no_initiative_serves",
        ),
    ],
)
def test_the_section_lists_each_initiative_and_its_measured_effect(
    demo_home: Path, open_page: Open, kr: str, lines: list[str]
) -> None:
    at = open_page("kr_detail_page.py", kr=kr)
    assert not at.exception
    assert SECTION in [s.value for s in at.subheader]
    page = "\n".join(markdown_and_captions(at))
    for line in lines:
        assert line in page


def test_a_shipped_initiatives_chart_draws_the_band_after_the_ship_date(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page("kr_detail_page.py", kr="support-q4-response-time")
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    (effect,) = [s for s in specs if "against the forecast" in json.dumps(s.get("usermeta"))]
    assert effect["usermeta"]["okrlens_export"]["title"] == (
        "support-triage-bot · First response time against the forecast made when it shipped"
    )
    layers = [
        (layer["mark"]["type"], layer["encoding"].get("y", {}).get("field"))
        for layer in effect["layer"]
    ]
    assert layers == [("area", "lo80"), ("line", "median"), ("line", "actual"), ("rule", None)]
    key = effect["layer"][0]["encoding"]["color"]["scale"]["domain"]
    assert key == ["actual", "forecast median", "forecast 80 % band", "shipped"]


def test_an_initiatives_title_is_shown_as_written(demo_home: Path, open_page: Open) -> None:
    path = demo_home / "initiatives.yaml"
    hostile = "Triage bot that routes tickets to the right specialist"
    path.write_text(
        path.read_text().replace(hostile, "'**bold** [link](http://evil/) <b>x</b> :red[y]'")
    )
    at = open_page("kr_detail_page.py", kr="support-q4-response-time")
    assert not at.exception
    shown = [m.value for m in at.markdown if "bold" in m.value]
    assert shown
    for value in shown:
        assert "\\*\\*bold\\*\\* \\[link\\](http://evil/) \\<b\\>x\\</b\\> \\:red\\[y\\]" in value


def test_the_effect_chart_downloads_as_a_titled_png(demo_home: Path) -> None:
    version = data.version(Workspace(demo_home))
    spec = data.effect_spec(
        str(demo_home), date(2026, 11, 23), "support-triage-bot", "support-q4-response-time",
        "first_response_time", version,
    )  # fmt: skip
    assert spec is not None
    assert charts.chart_png(spec).startswith(b"\x89PNG\r\n\x1a\n")
