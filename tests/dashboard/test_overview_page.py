"""The overview through AppTest: which key results are off, where they head and why, in words."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.service.formatting import markdown_text
from tests.dashboard.conftest import Open

PAGE = "overview_page.py"


def table(at: AppTest) -> list[str]:
    """The lines of the page's Markdown table of objectives and key results."""
    found = [m.value for m in at.markdown if m.value.startswith("| Key result |")]
    assert found and found[0].split(" | ")[1] in ("Band so far", "Final band")
    assert len(found) == 1, "one table of every objective"
    return found[0].splitlines()[2:]


def test_every_objective_and_key_result_reads_in_words_with_the_news_and_the_why(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page(PAGE)
    assert not at.exception
    lines = table(at)
    objectives = [line for line in lines if line.startswith("| **")]
    assert objectives == [
        "| **Become the reference manager our institutions cannot do without** | "
        ":orange-badge[met] | | 67% :gray[· Company] | | | |",
        # Telescoping: the objective carries the title of the company key result it rolls up into.
        "| **Make weekly workflows a habit for our institutions** | :red-badge[missed] | | "
        "54% :gray[· Product ↳ rolls up] | | | |",
        "| **Answer every institution fast and keep them with us** | :red-badge[missed] | | "
        "54% :gray[· Customer Success] | | | |",
    ]
    assert len(lines) == 3 + 11  # three objectives and their eleven key results
    mrr = next(line for line in lines if "Grow MRR" in line)
    assert mrr == (
        "| [Grow MRR from \\$430k to \\$490k](key-result?kr=company-q4-mrr) | "
        ":red-badge[missed] | :orange[at risk] | \\$459,896 of \\$490,000 · 50% | exceeded 73% | "
        "on track → at risk | Renewals bunch up in December; the campus deals decide this one. "
        "(16 Nov) |"
    )
    churn = next(line for line in lines if "Bring churn down" in line)
    assert "| :red-badge[missed] | :red[off track] | 5 of 3 · 33% |" in churn
    assert "met → missed" in churn


@pytest.mark.parametrize(
    ("key_result", "why"),
    [
        # A check-in note comes first, with its date.
        ("Launch the citation graph", "Private beta at 4 institutions; the index rebuild slipped"),
        # No note, a lagging metric: the move of the leading metric a measured link says leads it.
        (
            "Win 36 new subscriptions",
            "Workflows per active user -1.3% last week (leads it by ~3 weeks)",
        ),
        # No note, a leading metric: its own move over the week just gone.
        ("Lift activation", "+10.0 pts last week"),
    ],
)
def test_the_why_is_the_note_else_the_driver_that_moved_else_the_metric(
    demo_home: Path, open_page: Open, key_result: str, why: str
) -> None:
    at = open_page(PAGE)
    row = next(line for line in table(at) if key_result in line)
    assert row.rsplit(" | ", 2)[-1].startswith(markdown_text(why))  # as the page escapes it


def test_the_counts_come_in_one_order_with_their_colours_meaning_and_data_through(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page(PAGE)
    counts = next(m for m in at.markdown if m.value.startswith("**"))
    assert counts.value == (
        "**6** :red-badge[missed] **3** :orange-badge[met] **2** :blue-badge[exceeded] so far "
        "&nbsp;·&nbsp; "
        "**3** :red[off track] **2** :orange[at risk] **6** :blue[on track] &nbsp;·&nbsp; "
        ":gray[58% of the period gone by · data through 22 Nov]"
    )
    assert counts.help.startswith(
        "Band: progress to the target (default preset), a grade only once"
    )


@pytest.mark.parametrize(
    ("period", "heading"),
    [("2026-Q4", "Band so far"), ("2026-Q3", "Final band")],
)
def test_a_band_is_a_verdict_only_once_the_period_is_over(
    demo_home: Path, open_page: Open, period: str, heading: str
) -> None:
    at = open_page(PAGE, period=period)
    header = next(m.value for m in at.markdown if m.value.startswith("| Key result |"))
    assert header.split(" | ")[1] == heading


@pytest.mark.parametrize(
    ("params", "first_objective"),
    [
        ({"team": "Customer Success"}, "Answer every institution fast and keep them with us"),
        ({"period": "2026-Q3"}, "Carry revenue through the summer break"),
    ],
)
def test_a_link_with_filters_shows_that_view(
    demo_home: Path, open_page: Open, params: dict[str, str], first_objective: str
) -> None:
    at = open_page(PAGE, **params)
    assert not at.exception
    assert table(at)[0].startswith(f"| **{first_objective}**")


@pytest.mark.parametrize(
    ("param", "value", "warning"),
    [
        (
            "team",
            "Nobody",
            "The link asks for the team 'Nobody', which does not exist; showing All.",
        ),
        ("period", "2031-Q9", "The link asks for the period '2031-Q9', which does not exist"),
        ("as_of", "yesterday", "The link asks for the date 'yesterday', which is not a date"),
    ],
)
def test_a_link_with_a_bad_value_says_so(
    demo_home: Path, open_page: Open, param: str, value: str, warning: str
) -> None:
    at = open_page(PAGE, **{param: value})
    assert not at.exception
    assert warning in at.warning[0].value


def test_presentation_mode_shows_the_company_then_one_objective_per_screen(
    demo_home: Path, open_page: Open
) -> None:
    at = open_page(PAGE, present="true")
    headings = [m.value.split("\n") for m in at.markdown if m.value.startswith("###")]
    assert [h[0] for h in headings] == [
        "### :orange-badge[met] Become the reference manager our institutions cannot do without",
        "### :red-badge[missed] Make weekly workflows a habit for our institutions",
        "### :red-badge[missed] Answer every institution fast and keep them with us",
    ]
    assert headings[0][1] == (
        "Company · 67% · key results **2** :red-badge[missed] **2** :blue-badge[exceeded]"
    )
    assert "All of Company" in at.caption[-1].value
    assert not at.expander  # details stay on the everyday page
    next(b for b in at.button if b.label == "Next").click().run()
    slide = [m.value.split("\n")[0] for m in at.markdown if m.value.startswith("#")]
    assert slide[:2] == [
        "## Become the reference manager our institutions cannot do without",
        "### :red-badge[missed] Grow MRR from \\$430k to \\$490k",
    ]
    assert len(slide) == 1 + 4  # the objective and its four key results
    assert "Objective 1 of 3" in at.caption[-1].value


def test_a_filter_that_matches_nothing_says_so(demo_home: Path, open_page: Open) -> None:
    at = open_page(PAGE, team="Product")
    at.segmented_control(key="kind").set_value("lagging").run()
    assert not at.exception
    assert "No key results match these filters" in at.info[0].value


def test_the_overview_offers_itself_as_a_page_to_forward(demo_home: Path, open_page: Open) -> None:
    at = open_page(PAGE)
    assert not at.exception
    (button,) = [b for b in at.get("download_button") if b.proto.label == "Download as HTML"]
    assert button.proto.help.startswith("One page to forward")
