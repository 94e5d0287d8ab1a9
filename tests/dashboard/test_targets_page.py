"""The Targets page's forms through AppTest: bound to their key result, unable to corrupt okrs.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import Open

PAGE = "targets_page.py"


def krs_in(home: Path) -> dict[str, dict[str, object]]:
    """The key results of home's okrs.yaml by id, as plain data."""
    saved = yaml.safe_load((home / "okrs.yaml").read_text())
    return {k["id"]: k for o in saved["objectives"] for k in o["key_results"]}


def shown(at: AppTest) -> str:
    """What the page says in messages, as one string."""
    return "\n".join(
        str(e.value) for kind in ("success", "warning", "error", "info") for e in getattr(at, kind)
    )


def save(at: AppTest, kr_id: str, **typed: str) -> AppTest:
    """Type into kr_id's numbers form and press Save key result."""
    for field, text in typed.items():
        at.text_input(key=f"{field}_{kr_id}").input(text)
    next(b for b in at.button if b.label == "Save key result").click()
    return at.run()


def test_choosing_another_key_result_shows_and_saves_its_own_numbers(
    demo_home: Path, open_page: Open
) -> None:
    before = (demo_home / "okrs.yaml").read_bytes()
    at = open_page(PAGE, kr="company-q4-mrr")
    assert at.text_input(key="target_company-q4-mrr").value == "490000"
    at.selectbox(key="kr").select("support-q4-csat").run()
    # CSAT is a percentage stored as a fraction: typed and shown in percent.
    assert [at.text_input(key=f"{f}_support-q4-csat").value for f in ("baseline", "target")] == [
        "90",
        "95",
    ]
    at = save(at, "support-q4-csat")  # save without touching a field
    assert "Saved support-q4-csat" in shown(at)
    assert (demo_home / "okrs.yaml").read_bytes() == before  # 0.90 stays 0.90, no weight added


@pytest.mark.parametrize(
    ("kr_id", "typed", "saved"),
    [
        pytest.param("company-q4-mrr", {"target": "500,000"}, {"target": 500000}, id="separators"),
        pytest.param("support-q4-csat", {"target": "97"}, {"target": 0.97}, id="percent-typed"),
        pytest.param(
            "support-q4-response-time", {"target": "2.5"}, {"target": 2.5}, id="a-decrease-lower"
        ),
    ],
)
def test_a_plausible_change_is_saved_as_typed(
    demo_home: Path, open_page: Open, kr_id: str, typed: dict[str, str], saved: dict[str, object]
) -> None:
    at = save(open_page(PAGE, kr=kr_id), kr_id, **typed)
    assert not at.exception and not at.error
    assert f"Saved {kr_id}" in shown(at)
    after = krs_in(demo_home)[kr_id]
    assert {k: after[k] for k in saved} == pytest.approx(saved)
    assert (demo_home / "okrs.yaml").read_text().startswith("# OKRs of Citewise")


@pytest.mark.parametrize(
    ("kr_id", "typed", "message"),
    [
        pytest.param(
            "company-q4-mrr",
            {"target": "430000"},
            "the target equals the baseline (430000), so progress cannot be measured. Change one",
            id="target-equals-baseline",
        ),
        pytest.param(
            "company-q4-mrr", {"target": "lots"}, "the target 'lots' is not a number", id="text"
        ),
        pytest.param("company-q4-mrr", {"target": "1e308"}, "too large", id="huge"),
    ],
)
def test_an_impossible_change_is_refused_in_words_and_nothing_is_saved(
    demo_home: Path, open_page: Open, kr_id: str, typed: dict[str, str], message: str
) -> None:
    before = (demo_home / "okrs.yaml").read_bytes()
    at = save(open_page(PAGE, kr=kr_id), kr_id, **typed)
    assert not at.exception
    assert message in at.error[0].value
    assert "objectives" not in at.error[0].value  # no validator's path
    assert (demo_home / "okrs.yaml").read_bytes() == before


def test_a_target_on_the_wrong_side_asks_first_and_says_what_it_will_do(
    demo_home: Path, open_page: Open
) -> None:
    before = (demo_home / "okrs.yaml").read_bytes()
    at = save(open_page(PAGE, kr="company-q4-mrr"), "company-q4-mrr", target="-50")
    assert "This turns the key result into a decrease: from 430000 down to -50." in shown(at)
    assert "Its title says to raise it" in shown(at)
    assert (demo_home / "okrs.yaml").read_bytes() == before
    at.button(key="cancel_save_company-q4-mrr").click().run()
    assert (demo_home / "okrs.yaml").read_bytes() == before
    at = save(at, "company-q4-mrr", target="-50")
    at.button(key="confirm_save_company-q4-mrr").click().run()
    assert "Saved company-q4-mrr" in shown(at)
    assert krs_in(demo_home)["company-q4-mrr"]["target"] == -50


@pytest.mark.parametrize(
    "link", [pytest.param("no-such-kr", id="unknown"), pytest.param("<b>x</b>", id="markup")]
)
def test_a_link_to_an_unknown_key_result_says_so_and_opens_nothing_to_edit(
    demo_home: Path, open_page: Open, link: str
) -> None:
    at = open_page(PAGE, kr=link)
    assert not at.exception
    assert "which does not exist" in at.warning[0].value
    assert not [b for b in at.button if b.label == "Save key result"]
    assert at.selectbox(key="kr").value is None


def test_adding_a_checkin_to_a_milestone(demo_home: Path, open_page: Open) -> None:
    kr_id = "product-q4-citation-graph"
    at = open_page(PAGE, kr=kr_id)
    at.text_input(key=f"checkin_value_{kr_id}").input("1")
    at.text_input(key=f"checkin_note_{kr_id}").input("launched to all campuses")
    next(b for b in at.button if b.label == "Add check-in").click().run()
    assert not at.exception
    assert f"Added a check-in to {kr_id}" in shown(at)
    assert (
        "value: 1, confidence: 0.7, note: launched to all campuses}"
        in (demo_home / "okrs.yaml").read_text()
    )


def test_a_checkin_without_a_number_is_refused(demo_home: Path, open_page: Open) -> None:
    kr_id = "product-q4-citation-graph"
    before = (demo_home / "okrs.yaml").read_bytes()
    at = open_page(PAGE, kr=kr_id)
    at.text_input(key=f"checkin_value_{kr_id}").input("done")
    next(b for b in at.button if b.label == "Add check-in").click().run()
    assert "the check-in value 'done' is not a number" in at.error[0].value
    assert (demo_home / "okrs.yaml").read_bytes() == before
