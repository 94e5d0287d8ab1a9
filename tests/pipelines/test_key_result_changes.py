"""A key result's new numbers read in the user's words: parsed, refused, or flagged to confirm."""

from __future__ import annotations

import pytest

from pipelines.errors import OkrlensError
from pipelines.okrs.changes import Numbers, number_from_text, refusal, surprises
from pipelines.okrs.spec import KeyResult

NPS = KeyResult(id="nps", title="Raise NPS from 33 to 40", metric="nps", baseline=33, target=40)
TYPED = NPS.model_copy(update={"type": "increase"})
RESPONSE = KeyResult(
    id="frt", title="Answer tickets faster", metric="first_response", baseline=6, target=3
)
STAY = KeyResult(id="up", title="Keep uptime", metric="uptime", type="stay_above", target=0.99)


@pytest.mark.parametrize(
    ("text", "percent", "value"),
    [
        pytest.param("40", False, 40.0, id="plain"),
        pytest.param(" 1,250.5 ", False, 1250.5, id="thousands-separator"),
        pytest.param("-50", False, -50.0, id="negative"),
        pytest.param("35 %", True, 0.35, id="percent-field-typed-in-percent"),
        pytest.param("35", True, 0.35, id="percent-field-without-sign"),
        pytest.param("", False, None, id="empty-is-none"),
        pytest.param("2e3", False, 2000.0, id="exponent"),
    ],
)
def test_typed_numbers_are_read_as_written(text: str, percent: bool, value: float | None) -> None:
    assert number_from_text(text, "target", percent=percent) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("forty", "the target 'forty' is not a number", id="words"),
        pytest.param("1e308", "too large", id="huge"),
        pytest.param("inf", "not a number", id="infinity"),
        pytest.param("4O", "not a number", id="letter-o-for-zero"),
    ],
)
def test_text_that_is_not_a_usable_number_is_refused(text: str, message: str) -> None:
    with pytest.raises(OkrlensError, match=message):
        number_from_text(text, "target")


@pytest.mark.parametrize(
    ("kr", "numbers", "message"),
    [
        pytest.param(
            NPS,
            Numbers(40.0, 40.0, 1.0),
            "the target equals the baseline (40), so progress cannot be measured. Change one",
            id="target-equal-to-baseline",
        ),
        pytest.param(
            TYPED,
            Numbers(33.0, -50.0, 1.0),
            "this key result is an increase, but the target -50 is below the baseline 33",
            id="declared-increase-below-baseline",
        ),
        pytest.param(NPS, Numbers(33.0, 40.0, 0.0), "weight 0 must be more than 0", id="weight-0"),
        pytest.param(STAY, Numbers(None, None, 1.0), "needs a target", id="threshold-missing"),
    ],
)
def test_impossible_numbers_are_refused_in_words(
    kr: KeyResult, numbers: Numbers, message: str
) -> None:
    found = refusal(kr, numbers)
    assert found is not None and message in found.message()


@pytest.mark.parametrize(
    ("kr", "numbers", "direction", "expected"),
    [
        pytest.param(NPS, Numbers(33.0, 45.0, 1.0), "higher", [], id="a-higher-target-is-fine"),
        pytest.param(NPS, Numbers("auto", -50.0, 1.0), "higher", [], id="auto-baseline-unknown"),
        pytest.param(
            NPS,
            Numbers(33.0, -50.0, 1.0),
            "higher",
            [
                "This turns the key result into a decrease: from 33 down to -50.",
                "Its title says to raise it (\u201cRaise NPS from 33 to 40\u201d), but the target "
                "is below the baseline.",
                "For nps, higher is better, but this target asks it to fall.",
            ],
            id="nps-target-below-baseline",
        ),
        pytest.param(
            RESPONSE,
            Numbers(6.0, 8.0, 1.0),
            "lower",
            [
                "This turns the key result into an increase: from 6 up to 8.",
                "For first_response, lower is better, but this target asks it to rise.",
            ],
            id="time-metric-asked-to-rise",
        ),
        pytest.param(RESPONSE, Numbers(6.0, 2.0, 1.0), "lower", [], id="time-metric-falls"),
    ],
)
def test_numbers_that_contradict_the_title_or_direction_ask_for_confirmation(
    kr: KeyResult, numbers: Numbers, direction: str, expected: list[str]
) -> None:
    assert refusal(kr, numbers) is None
    assert surprises(kr, numbers, direction) == expected
