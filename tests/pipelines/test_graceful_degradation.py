"""One broken definition degrades only itself: the rest of the demo loads and scores.

Each case is a hand edit of the demo's okrs.yaml or metrics.yaml; the broken items are left
out with a message, listed as lint findings under the code they break, and `okrlens check`
names them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipelines.errors import OkrlensError
from pipelines.okrs.changes import Numbers
from pipelines.service import Answers, Workspace, okr_edits, trust

AS_OF = dt.date(2026, 11, 23)
SCORED_Q4 = 11  # key results the intact demo scores in 2026-Q4

# name → (file, text replaced, replacement, {(kind, id): code} left out, Q4 KRs still scored)
CASES: dict[str, tuple[str, str, str, dict[tuple[str, str], str], int]] = {
    "target equals baseline": (
        "okrs.yaml",
        "baseline: 24\n        target: 36",
        "baseline: 24\n        target: 24",
        {("key result", "company-q4-new-subscriptions"): "KR005"},
        SCORED_Q4 - 1,
    ),
    "objective in an unknown period": (
        "okrs.yaml",
        "team: Customer Success\n    owner: Hanna Berg (Head of Customer Success)\n"
        "    period: 2026-Q4",
        "team: Customer Success\n    owner: Hanna Berg (Head of Customer Success)\n"
        "    period: 2026-Q9",
        {("objective", "support-q4"): "OBJ005"},
        SCORED_Q4 - 3,
    ),
    "a key result with an invalid field": (
        "okrs.yaml",
        "target: 490000\n        weight: 2",
        "target: 490000\n        weight: -2",
        {("key result", "company-q4-mrr"): "DEF001"},
        SCORED_Q4 - 1,
    ),
    "a key result due after its period ends": (
        "okrs.yaml",
        "target: 490000\n        weight: 2",
        "target: 490000\n        weight: 2\n        deadline: 2027-02-01",
        {("key result", "company-q4-mrr"): "DEF001"},
        SCORED_Q4 - 1,
    ),
    "a key result on an unknown metric": (
        "okrs.yaml",
        "metric: downtime_minutes",
        "metric: uptime",
        {("key result", "company-q4-downtime"): "KR004"},
        SCORED_Q4 - 1,
    ),
    "a metric filter that does not parse": (
        "metrics.yaml",
        "filter: \"event_name = 'signed_up'\"",
        'filter: "event_name = \'signed_up"',
        {("metric", "signups"): "DEF001", ("metric", "activation_rate"): "DEF001"},
        SCORED_Q4 - 1,
    ),
    "an unknown top-level field": (
        "okrs.yaml",
        "band_preset: default",
        "band_preset: default\ntheme: dark",
        {("setting", "theme"): "DEF001"},
        SCORED_Q4,
    ),
}


def broken_workspace(home: Path, file: str, old: str, new: str) -> Workspace:
    """The demo workspace at home with one hand edit."""
    path = home / file
    text = path.read_text()
    assert old in text, f"the demo's {file} no longer holds {old!r}"
    path.write_text(text.replace(old, new, 1))
    return Workspace(home)


@pytest.mark.parametrize("case", list(CASES))
def test_one_broken_item_degrades_only_itself(case: str, demo_copy: Path) -> None:
    file, old, new, left_out, still_scored = CASES[case]
    answers = Answers(broken_workspace(demo_copy, file, old, new))
    broken = {(b.kind, b.id): b.code for b in answers.broken}
    # A broken metric also takes out what is built on it (here, a KR on its ratio).
    assert left_out.items() <= broken.items()
    krs, _objectives = answers.scores(AS_OF, "2026-Q4")
    assert len(krs) == still_scored
    assert krs["progress"].notna().sum() >= still_scored - 2  # the rest still has numbers
    findings = answers.findings(AS_OF, "2026-Q4")
    for (kind, item), code in left_out.items():
        row = findings[findings["code"] == code]
        assert any(item in m and "left out" in m for m in row["message"]), (kind, item)


def test_a_broken_item_names_where_and_how_to_fix_it(demo_copy: Path) -> None:
    file, old, new, *_ = CASES["target equals baseline"]
    (broken,) = Answers(broken_workspace(demo_copy, file, old, new)).broken
    assert broken.message() == (
        "key result company-q4-new-subscriptions is left out: KR company-q4-new-subscriptions: "
        "target equals baseline, progress is undefined (okrs.yaml, objectives[0] (company-q4), "
        "key_results[1]). Correct it in okrs.yaml; `okrlens check` lists every problem."
    )


def test_other_key_results_can_still_be_edited(demo_copy: Path) -> None:
    file, old, new, *_ = CASES["target equals baseline"]
    ws = broken_workspace(demo_copy, file, old, new)
    admin = trust.cli_actor()
    okrs = okr_edits.update_key_result(
        ws, admin, "company-q4-mrr", Numbers(430000.0, 500000.0, 2.0)
    )
    assert okrs.key_result("company-q4-mrr")[1].target == 500000
    assert [b.id for b in ws.definitions().broken] == ["company-q4-new-subscriptions"]


def test_an_edit_that_would_break_its_key_result_is_refused(demo_copy: Path) -> None:
    ws = Workspace(demo_copy)
    before = ws.okrs_path.read_bytes()
    with pytest.raises(OkrlensError, match="the target equals the baseline"):
        okr_edits.update_key_result(
            ws, trust.cli_actor(), "company-q4-mrr", Numbers(430000.0, 430000.0, 2.0)
        )
    assert ws.okrs_path.read_bytes() == before


def test_a_file_that_is_not_yaml_is_still_refused_whole(demo_copy: Path) -> None:
    (demo_copy / "okrs.yaml").write_text("objectives: [unclosed\n")
    with pytest.raises(OkrlensError, match=r"okrs\.yaml is not valid YAML"):
        Answers(Workspace(demo_copy))
