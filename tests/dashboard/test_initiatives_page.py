"""The Initiatives page through AppTest: the RICE ranking of the demo, its filters, the form."""

from __future__ import annotations

from pathlib import Path

import yaml
from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import Open
from tests.dashboard.test_sign_in import ACCESS, visit

PAGE = "initiatives_page.py"


def tables(at: AppTest) -> list[str]:
    """The ranking tables the page drew (Markdown), company first, then one per team."""
    return [m.value for m in at.markdown if m.value.startswith("| Rank |")]


def ranked_titles(table: str) -> list[str]:
    """The initiatives of a ranking table, top to bottom, by title."""
    return [line.split(" | ")[1].split(" :gray[")[0] for line in table.splitlines()[2:]]


def button(at: AppTest, label: str) -> AppTest:
    """Press the button labelled label and rerun."""
    next(b for b in at.button if b.label == label).click()
    return at.run()


def test_the_ranking_shows_every_initiative_with_its_inputs_and_key_results_as_links(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page(PAGE)
    assert not at.exception and not at.error
    assert [t.label for t in at.tabs] == ["Company", "Customer Success", "Product", "Platform"]
    company = tables(at)[0]
    assert ranked_titles(company)[:3] == [
        "Search in the help centre",
        "Shared group libraries for research teams",
        "Renewal playbook for campus licences",
    ]
    renewal = next(line for line in company.splitlines() if "renewal-playbook" in line)
    assert "| 3 | Renewal playbook for campus licences :gray[renewal-playbook] |" in renewal
    assert "| **18** | 120 × 0.3333 × 90% ÷ 2 |" in renewal
    assert "[company-q4-mrr](key-result?kr=company-q4-mrr)" in renewal
    assert "serves no key result of 2026-Q4" in company
    status_page = next(line for line in company.splitlines() if "status-page" in line)
    assert "serves only key results already forecast to be exceeded" in status_page


def test_the_team_and_period_filters_come_from_the_link(demo_home: Path, open_page: Open) -> None:
    at = open_page(PAGE, team="Customer Success", period="2026-Q3")
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Company", "Customer Success"]
    company = tables(at)[0]
    # None serves a key result of 2026-Q3: the ideas tie at zero, in file order, shipped last.
    assert ranked_titles(company) == [
        "Renewal playbook for campus licences",
        "Search in the help centre",
        "Triage bot that routes tickets to the right specialist",
    ]
    assert company.count("| 1 |") == 2
    assert company.count("serves no key result of 2026-Q3") == 3


def test_an_analyst_adds_an_initiative_and_it_is_ranked(demo_home: Path, open_page: Open) -> None:
    at = open_page(PAGE)
    at.multiselect(key="serves_new").set_value(["support-q4-churn"]).run()
    at.text_input(key="title_new").input("Save-the-account calls")
    at.text_input(key="team_new").input("Customer Success")
    at.text_input(key="effect_support-q4-churn_new").input("-1")
    at.text_input(key="reach_new").input("1,000")
    at.text_input(key="confidence_new").input("50 %")
    at.text_input(key="effort_new").input("2")
    at = button(at, "Add initiative")
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["Saved the initiative Save-the-account calls."]
    assert "Save-the-account calls" in ranked_titles(tables(at)[0])
    saved = yaml.safe_load((demo_home / "initiatives.yaml").read_text())["initiatives"][-1]
    assert saved["serves"] == [{"key_result": "support-q4-churn", "effect": -1}]
    assert (saved["reach"], saved["confidence"], saved["effort"]) == (1000, 0.5, 2)
    assert at.text_input(key="title_new").value == ""  # an empty form for the next one


def test_a_number_in_words_is_refused_with_a_message_not_an_exception(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page(PAGE)
    at.text_input(key="title_new").input("Webinars")
    at.text_input(key="team_new").input("Product")
    at.text_input(key="reach_new").input("lots")
    at = button(at, "Add initiative")
    assert not at.exception
    assert [e.value for e in at.error] == [
        "the reach 'lots' is not a number. Write the reach as digits, like 40 or 1,250.5."
    ]


def test_an_analyst_edits_then_removes_an_initiative_after_a_second_click(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page(PAGE)
    at.selectbox(key="initiative").set_value("mobile-app-redesign").run()
    at.text_input(key="effort_mobile-app-redesign").input("10")
    at = button(at, "Save initiative")
    assert not at.error, [e.value for e in at.error]
    assert "effort: 10\n" in (demo_home / "initiatives.yaml").read_text()
    at = button(at, "Remove this initiative")
    at = button(at, "Yes, remove")
    assert not at.exception and not at.error
    assert "mobile-app-redesign" not in (demo_home / "initiatives.yaml").read_text()
    assert at.selectbox(key="initiative").value == ""  # back to a new initiative


def test_a_viewer_reads_the_ranking_but_gets_no_form(demo_home: Path) -> None:
    (demo_home / "access.yaml").write_text(ACCESS)
    at = visit(PAGE, "vic@example.com", demo_home)
    assert not at.exception and tables(at)
    assert not [b for b in at.button if b.label in ("Add initiative", "Save initiative")]
    assert not at.text_input
    assert "vic@example.com has the viewer role here and may not define initiatives" in str(
        [c.value for c in at.caption]
    )
