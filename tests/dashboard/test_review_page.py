"""The Review page through AppTest: grades, the band's questions, drafts, reflections recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import Open

PAGE = "review_page.py"


def said(at: AppTest) -> str:
    """Everything the page wrote in Markdown, captions, expander labels and messages."""
    parts = [
        str(e.value)
        for kind in ("markdown", "caption", "title", "subheader")
        for e in getattr(at, kind)
    ]
    parts += [e.label for e in at.expander]
    parts += [
        str(e.value) for kind in ("success", "error", "info", "warning") for e in getattr(at, kind)
    ]
    return "\n".join(parts)


def test_the_review_opens_on_the_latest_closed_period_with_final_grades(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page(PAGE)
    assert not at.exception
    assert at.selectbox(key="period").value == "2026-Q3"
    text = said(at)
    assert "final grades" in text
    # Pinned from the demo: MRR met at 0.68, activation missed at 0.22, with missed's questions.
    assert "**0.68** :orange-badge[met]" in text
    assert "**0.22** :red-badge[missed]" in text
    assert "Was it an internal failure we could have foreseen?" in text
    assert "next period: **change course**" in text
    # The sample's reflections from the Q3 review, with who said them and what they decided.
    assert "2 Oct 2026, Ines Duarte · decided: keep it and double down" in text


def test_a_running_period_is_graded_so_far_and_drafted_from_its_forecast(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page(PAGE, period="2026-Q4")
    text = said(at)
    assert "so far: the period is not over" in text
    assert "heading for exceeded (73% likely)" in text  # MRR's forecast, as the overview says


@pytest.mark.parametrize(
    ("note", "decision", "expected"),
    [
        ("Campus renewals came in early.", "keep", "Recorded your reflection on company-q3-mrr"),
        ("   ", None, "the reflection is empty"),
    ],
    ids=["a note and a decision are recorded", "an empty note is refused in words"],
)
def test_an_analyst_records_a_reflection_on_a_key_result(
    demo_home: Path, open_page: Open, note: str, decision: str | None, expected: str
) -> None:
    path = demo_home / "reviews.yaml"
    recorded = len(yaml.safe_load(path.read_text())["reflections"])
    at = open_page(PAGE)
    at.text_area(key="note_company-q3-mrr").input(note)
    if decision:
        at.segmented_control(key="decision_company-q3-mrr").set_value(decision)
    next(b for b in at.button if b.key and "reflect_company-q3-mrr" in b.key).click()
    at = at.run()
    assert not at.exception
    assert expected in said(at)
    saved = yaml.safe_load(path.read_text())["reflections"][recorded:]
    assert [r["note"] for r in saved] == ([note] if decision else [])
    if decision:
        assert saved[0]["decision"] == "keep" and saved[0]["key_result"] == "company-q3-mrr"
        assert "Campus renewals came in early." in said(at.run())
