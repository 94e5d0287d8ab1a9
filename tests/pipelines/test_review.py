"""The review's rules: when reviews fall, which questions a band asks, what the draft argues,
and how reviews.yaml degrades item by item."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipelines.insight.review import Grade, band_questions, exceeded_streak, key_result_draft
from pipelines.okrs.bands import PRESETS
from pipelines.okrs.reviews import Cadence, next_review, review_dates, review_set_of
from pipelines.okrs.spec import KeyResult, OkrSet, Period

Q4 = Period(name="2026-Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31))
D = dt.date


def okrs_over(*quarters: tuple[str, str, str]) -> OkrSet:
    """An OKR set of one team with an NPS key result per (period, start, end)."""
    return OkrSet.model_validate(
        {
            "periods": [{"name": n, "start": s, "end": e} for n, s, e in quarters],
            "objectives": [
                {
                    "id": f"o-{n}",
                    "title": "Delight",
                    "team": "Product",
                    "period": n,
                    "key_results": [
                        {
                            "id": f"nps-{n}",
                            "title": "NPS",
                            "metric": "nps",
                            "baseline": 10,
                            "target": 20,
                        }
                    ],
                }
                for n, _, _ in quarters
            ],
        }
    )


@pytest.mark.parametrize(
    ("every_weeks", "expected"),
    [
        (6, [D(2026, 11, 12), D(2026, 12, 31)]),
        # 24 Dec is within two weeks of the end: it is the end-of-period review.
        (4, [D(2026, 10, 29), D(2026, 11, 26), D(2026, 12, 31)]),
        (13, [D(2026, 12, 31)]),
    ],
    ids=["every six weeks", "every four weeks folds the last check-point", "once a quarter"],
)
def test_reviews_fall_every_so_many_weeks_and_at_the_period_end(
    every_weeks: int, expected: list[dt.date]
) -> None:
    assert review_dates(Q4, Cadence(every_weeks=every_weeks)) == expected


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2026, 10, 1), D(2026, 11, 12)),
        (D(2026, 11, 12), D(2026, 11, 12)),
        (D(2026, 11, 13), D(2026, 12, 31)),
    ],
    ids=["at the start", "on the day", "the day after"],
)
def test_the_next_review_is_the_first_on_or_after_the_date(
    as_of: dt.date, expected: dt.date
) -> None:
    found = next_review(okrs_over(("2026-Q4", "2026-10-01", "2026-12-31")), Cadence(), as_of)
    assert found is not None and found[0] == expected and found[1].name == "2026-Q4"


@pytest.mark.parametrize(
    ("preset", "band", "first_question"),
    [
        ("default", "missed", "Was it an internal failure we could have foreseen?"),
        ("default", "met", "What worked, and what surprised us?"),
        ("default", "exceeded", "Was the target too low?"),
        ("puzzle", "fail", "Was it an internal failure we could have foreseen?"),
        ("puzzle", "target", "What worked, and what surprised us?"),
        ("puzzle", "stretch", "Was the target too low?"),
        (
            "default",
            None,
            "Why could this key result not be measured, and how will we measure it next time?",
        ),
    ],
)
def test_each_band_asks_the_literatures_questions(
    preset: str, band: str | None, first_question: str
) -> None:
    assert band_questions(PRESETS[preset], band)[0] == first_question


INCREASE = KeyResult(id="k", title="Raise NPS", metric="nps", baseline=10, target=20)
STAY = KeyResult(id="k", title="Keep downtime low", metric="downtime", type="stay_below", target=60)
MILESTONE = KeyResult(id="k", title="Launch SSO", type="milestone")


@pytest.mark.parametrize(
    ("kr", "grade", "streak", "moved", "decision", "why"),
    [
        (INCREASE, Grade("exceeded", 1.0, True), 3, "", "raise", "exceeded (100%), 3 periods running: the target is sandbagged"),
        (INCREASE, Grade("exceeded", 0.9, True), 1, "", "raise", "exceeded (90%): unless the market was unusually favourable, the target was low"),
        (INCREASE, Grade("met", 0.7, True), 0, "", "keep", "met (70%): in the band a stretch target aims for"),
        (INCREASE, Grade("missed", 0.3, True), 0, "its leading metric X rose 9% over the period", "keep",
         "missed (30%), but its leading metric X rose 9% over the period: it may need time rather than a new target"),
        (INCREASE, Grade("missed", 0.3, True), 0, "", "change", "missed (30%), and nothing that leads it moved enough: change course"),
        (INCREASE, Grade("missed", 0.5, False, 0.61), 0, "", "change", "heading for missed (61% likely), and nothing that leads it moved enough: change course"),
        (MILESTONE, Grade("missed", 0.45, True), 0, "", "change", "missed (45%), not delivered: plan it as an initiative that serves an outcome key result"),
        (STAY, Grade("exceeded", 1.0, True), 0, "", "keep", "exceeded (100%): the guardrail held; keep it"),
        (STAY, Grade("missed", 0.0, True), 0, "", "change", "missed (0%): the guardrail broke; find out why before the next period"),
        (INCREASE, Grade(None, None, True), 0, "", "change", "it could not be measured: give it data, or a metric that has some"),
    ],
    ids=[
        "exceeded three periods running is sandbagged", "exceeded once: raise",
        "met: keep", "missed but its leading metric moved: give it time",
        "missed and nothing moved: change course", "before the end the forecast's band argues",
        "a missed milestone belongs in an initiative", "a guardrail that held is kept",
        "a guardrail that broke changes", "no data",
    ],
)  # fmt: skip
def test_the_draft_argues_from_the_grade_and_what_moved(
    kr: KeyResult, grade: Grade, streak: int, moved: str, decision: str, why: str
) -> None:
    draft = key_result_draft(kr, grade, PRESETS["default"], streak, moved, "", rolled_up=False)
    assert (draft.decision, draft.why) == (decision, why)


@pytest.mark.parametrize(
    ("earlier_bands", "expected"),
    [(["exceeded", "exceeded"], 3), (["met", "exceeded"], 2), (["exceeded", "met"], 1), ([], 1)],
    ids=["two before", "only the last before", "broken by the last before", "first period"],
)
def test_an_exceeded_streak_counts_the_same_teams_periods_on_the_same_metric(
    earlier_bands: list[str], expected: int
) -> None:
    okrs = okrs_over(
        ("2026-Q2", "2026-04-01", "2026-06-30"),
        ("2026-Q3", "2026-07-01", "2026-09-30"),
        ("2026-Q4", "2026-10-01", "2026-12-31"),
    )
    earlier = pd.DataFrame(
        {"kr_id": ["nps-2026-Q2", "nps-2026-Q3"][: len(earlier_bands)], "band": earlier_bands}
    )
    _, kr = okrs.key_result("nps-2026-Q4")
    assert (
        exceeded_streak(kr, "Product", okrs.period("2026-Q4"), okrs, earlier, "exceeded")
        == expected
    )


def test_reviews_yaml_leaves_out_only_what_cannot_stand() -> None:
    okrs = okrs_over(("2026-Q4", "2026-10-01", "2026-12-31"))
    raw = {
        "cadence": {"every_weeks": 0},
        "reflections": [
            {"key_result": "nps-2026-Q4", "date": "2026-12-31", "author": "Ana", "note": "Good."},
            {"key_result": "gone", "date": "2026-12-31", "author": "Ana", "note": "Lost."},
            {"key_result": "nps-2026-Q4", "date": "someday", "author": "Ana", "note": "?"},
        ],
        "colour": "blue",
    }
    reviews, broken = review_set_of(raw, okrs)
    assert [r.note for r in reviews.reflections] == ["Good."]
    assert reviews.cadence.every_weeks == 6
    assert sorted((b.kind, b.id) for b in broken) == [
        ("reflection", "gone"),
        ("reflection", "nps-2026-Q4"),
        ("setting", "cadence"),
        ("setting", "colour"),
    ]
    assert "which okrs.yaml does not hold" in next(b.problem for b in broken if b.id == "gone")
