"""What a change to a key result's numbers would do, said in the words of the person making it.

A form that saves whatever it is given corrupts quietly: a target of −50 on "Raise NPS from 33
to 40" flips the key result to a decrease, 1e308 scores nothing, target = baseline divides by
zero. So every change is read here first: numbers are parsed from what was typed, impossible
values are refused with a sentence that says how to fix them, and values that are possible but
contradict the key result's title or its metric's direction are returned as surprises, which
the person confirms before they are saved.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from pipelines.errors import OkrlensError
from pipelines.okrs.spec import KeyResult

# No metric a key result reads reaches a trillion; a larger number is a typo or a paste.
MAX_VALUE = 1e12
# Words of a title that say which way the key result should move.
_UP = re.compile(r"\b(raise|increase|grow|boost|lift|double|triple|expand|gain|more)\b", re.I)
_DOWN = re.compile(
    r"\b(reduce|decrease|cut|lower|shrink|halve|drop|minimi[sz]e|fewer|less)\b", re.I
)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class Numbers:
    """The baseline ("auto" or a number, None for none), target and weight a form asks for."""

    baseline: float | str | None
    target: float | None
    weight: float


def number_from_text(text: str, field: str, *, percent: bool = False) -> float | None:
    """The number typed in a form field (None when empty); OkrlensError when it is not one.

    Thousands separators, spaces and a trailing % are allowed; percent fields are typed in
    percent (35 means 35 %) and returned as the stored fraction (0.35).

    Example:
        >>> number_from_text("1,250.5", "target"), number_from_text("35 %", "target", percent=True)
        (1250.5, 0.35)
    """
    cleaned = text.strip().replace(",", "").replace(" ", "").removesuffix("%")
    if not cleaned:
        return None
    if not _NUMBER.fullmatch(cleaned):
        raise OkrlensError(
            f"the {field} {text.strip()[:40]!r} is not a number",
            fix=f"write the {field} as digits, like 40 or 1,250.5",
        )
    value = float(cleaned)
    if not math.isfinite(value) or abs(value) > MAX_VALUE:
        raise OkrlensError(
            f"the {field} {text.strip()[:40]} is too large to be measured",
            fix=f"enter a {field} between -1,000,000,000,000 and 1,000,000,000,000",
        )
    return value / 100 if percent else value


def refusal(kr: KeyResult, numbers: Numbers) -> OkrlensError | None:
    """Why numbers cannot be saved on kr, in words; None when they can."""
    baseline, target = numbers.baseline, numbers.target
    if not numbers.weight > 0 or not math.isfinite(numbers.weight):
        return OkrlensError(
            f"the weight {numbers.weight:g} must be more than 0",
            fix="give a weight such as 1 (all key results count alike) or 2 (this one counts double)",
        )
    if kr.type in ("stay_above", "stay_below") and target is None:
        return OkrlensError(
            f"a {kr.type.replace('_', ' ')} key result needs a target", fix="enter the threshold"
        )
    if not isinstance(baseline, float) or target is None:
        return None
    if baseline == target and kr.type in (None, "increase", "decrease"):
        return OkrlensError(
            f"the target equals the baseline ({target:g}), so progress cannot be measured",
            fix="change one of them",
        )
    wrong_side = {"increase": target < baseline, "decrease": target > baseline}
    if wrong_side.get(kr.type or ""):
        side, verb = ("below", "raise") if kr.type == "increase" else ("above", "lower")
        return OkrlensError(
            f"this key result is an {kr.type}, but the target {target:g} is {side} the baseline "
            f"{baseline:g}",
            fix=f"{verb} the target past {baseline:g}, or change the key result's type in okrs.yaml",
        )
    return None


def surprises(
    kr: KeyResult, numbers: Numbers, direction: str = "higher", *, new: bool = False
) -> list[str]:
    """What saving numbers on kr would do that its title or its metric's direction contradicts.

    direction is the metric's: "higher" or "lower" is better; a new key result has no type yet
    that the numbers could turn around.
    """
    baseline, target = numbers.baseline, numbers.target
    if kr.type is not None or not isinstance(baseline, float) or target is None:
        return []
    moving = "decrease" if target < baseline else "increase"
    found = []
    if moving != kr.kr_type and not new:
        found.append(
            f"This turns the key result into {'a' if moving == 'decrease' else 'an'} {moving}: "
            f"from {baseline:g} {'down' if moving == 'decrease' else 'up'} to {target:g}."
        )
    said = "increase" if _UP.search(kr.title) else "decrease" if _DOWN.search(kr.title) else None
    if said is not None and said != moving:
        found.append(
            f"Its title says to {'raise' if said == 'increase' else 'lower'} it "
            f"(\u201c{kr.title}\u201d), but the target is {'below' if moving == 'decrease' else 'above'} "
            f"the baseline."
        )
    if kr.metric and (direction == "lower") != (moving == "decrease"):
        found.append(
            f"For {kr.metric}, {direction} is better, but this target asks it to "
            f"{'fall' if moving == 'decrease' else 'rise'}."
        )
    return found
