"""A lint rule and what it finds: a check yields hits, the rule turns them into findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

from pipelines.insight.lint.context import LintContext

Severity = Literal["error", "warning", "info"]
# The columns of lint's frame, one per field of a Finding.
FINDING_COLUMNS: tuple[str, ...] = ("code", "severity", "objective_id", "kr_id", "message")


@dataclass(frozen=True)
class Finding:
    """One problem with an objective or key result, and what to do about it."""

    code: str
    severity: Severity
    objective_id: str
    kr_id: str | None
    message: str


class Hit(NamedTuple):
    """Where a rule found a problem and its message; the rule adds code and severity."""

    objective_id: str
    kr_id: str | None
    message: str


Check = Callable[[LintContext], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """One lint check: a stable code, its severity, a one-line summary and the check."""

    code: str
    severity: Severity
    summary: str
    check: Check

    def findings(self, ctx: LintContext) -> list[Finding]:
        """The findings of this rule in ctx."""
        return [
            Finding(self.code, self.severity, h.objective_id, h.kr_id, h.message)
            for h in self.check(ctx)
        ]
