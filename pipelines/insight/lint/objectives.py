"""Objective rules, OBJ001–OBJ005: KR count, one objective per team, signal, outcome, deadline.

OBJ003 / OBJ004 read an objective's own KRs with a known metric, if any. A leading KR in an
objective telescoped from one of its KRs (a child, at any depth) counts as an early signal; a
lagging KR in the objective its ``parent_kr`` belongs to (at any height) counts as the
business outcome.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipelines.insight.lint.catalog import alternatives
from pipelines.insight.lint.context import LintContext
from pipelines.insight.lint.rule import Hit
from pipelines.okrs.spec import Objective

# OKR practice: 3–5 key results measure an objective without diluting it.
MIN_KRS = 3
MAX_KRS = 5


def kr_count_hits(ctx: LintContext) -> Iterator[Hit]:
    """OBJ001: objectives with fewer than 3 or more than 5 key results."""
    for o in ctx.okrs.objectives:
        n = len(o.key_results)
        if n < MIN_KRS:
            used = {str(k.metric) for k in o.key_results}
            yield Hit(
                o.id,
                None,
                f"objective {o.id} has {n} key result{'s' if n != 1 else ''}; 3–5 measure an "
                f"objective without diluting it: add {MIN_KRS - n}, e.g. a KR on "
                f"{alternatives(ctx, 'leading', used)}",
            )
        elif n > MAX_KRS:
            yield Hit(
                o.id,
                None,
                f"objective {o.id} has {n} key results; more than {MAX_KRS} dilute focus: keep "
                f"the {MAX_KRS} that matter most and drop the other {n - MAX_KRS} or move them to "
                "a team objective (parent_kr)",
            )


def extra_objective_hits(ctx: LintContext) -> Iterator[Hit]:
    """OBJ002: every objective of a team that has more than one in the same period."""
    groups: dict[tuple[str, str], list[str]] = {}
    for o in ctx.okrs.objectives:
        groups.setdefault((o.team, o.period), []).append(o.id)
    for (team, period), ids in groups.items():
        if len(ids) < 2:
            continue
        for oid in ids:
            yield Hit(
                oid,
                None,
                f"team {team} has {len(ids)} objectives in {period} ({', '.join(ids)}); a team "
                "should have one: merge them into one objective with 3–5 key results",
            )


def own_kinds(ctx: LintContext, o: Objective) -> list[str]:
    """The kinds (leading/lagging) of the objective's KRs with a known metric."""
    return [m.kind for k in o.key_results if (m := ctx.metric(k.metric)) is not None]


def descendant_kinds(ctx: LintContext, o: Objective) -> set[str]:
    """Kinds of the KRs of every objective telescoped from o's key results, at any depth."""
    return {kind for child in ctx.okrs.descendants(o) for kind in own_kinds(ctx, child)}


def ancestor_kinds(ctx: LintContext, o: Objective) -> set[str]:
    """Kinds of the KRs of the objectives o telescopes from (parent_kr), at any height."""
    return {kind for parent in ctx.okrs.ancestors(o) for kind in own_kinds(ctx, parent)}


def lagging_only_hits(ctx: LintContext) -> Iterator[Hit]:
    """OBJ003: objectives whose metric KRs are all lagging, with no leading KR below them."""
    for o in ctx.okrs.objectives:
        kinds = own_kinds(ctx, o)
        if kinds and set(kinds) == {"lagging"} and "leading" not in descendant_kinds(ctx, o):
            used = {str(k.metric) for k in o.key_results}
            yield Hit(
                o.id,
                None,
                f"objective {o.id}: all {len(kinds)} metric key results are lagging, so progress "
                "shows only weeks after the work: add a leading KR such as "
                f"{alternatives(ctx, 'leading', used)}",
            )


def leading_only_hits(ctx: LintContext) -> Iterator[Hit]:
    """OBJ004: objectives whose metric KRs are all leading, with no lagging KR above them."""
    for o in ctx.okrs.objectives:
        kinds = own_kinds(ctx, o)
        if kinds and set(kinds) == {"leading"} and "lagging" not in ancestor_kinds(ctx, o):
            used = {str(k.metric) for k in o.key_results}
            yield Hit(
                o.id,
                None,
                f"objective {o.id}: all {len(kinds)} metric key results are leading, none shows "
                "the business outcome: add a lagging KR such as "
                f"{alternatives(ctx, 'lagging', used)}, or telescope this objective from a "
                "business KR (parent_kr)",
            )


def missing_period_hits(ctx: LintContext) -> Iterator[Hit]:
    """OBJ005: objectives whose period is missing or not declared under periods."""
    names = [p.name for p in ctx.okrs.periods]
    for o in ctx.okrs.objectives:
        if ctx.period_of(o) is None:
            yield Hit(
                o.id,
                None,
                f"objective {o.id} has no deadline: period {o.period!r} is not declared; set "
                f"period to one of {', '.join(names) or '(none: add one under periods)'}",
            )
