"""Metric definitions in words, for people reading a chart rather than metrics.yaml."""

from __future__ import annotations

from pipelines.metrics.spec import Metric, MetricCatalog

_AGGREGATIONS = {
    "count": "the number of {source}",
    "count_distinct": "the number of distinct {column} values in {source}",
    "sum": "the sum of {column} over {source}",
    "avg": "the average of {column} over {source}",
    "min": "the smallest {column} in {source}",
    "max": "the largest {column} in {source}",
    "last": "the latest {column} reported in {source}",
}


def in_words(metric: Metric, catalog: MetricCatalog) -> str:
    """How metric is computed, as a sentence.

    Example:
        >>> from pipelines.metrics.spec import MetricCatalog
        >>> c = MetricCatalog.model_validate({"metrics": [{"name": "wau", "kind": "leading",
        ...     "source": "events", "aggregation": "count_distinct", "column": "user_id"}]})
        >>> in_words(c.get("wau"), c)
        'Wau is the number of distinct user_id values in product events, per week; higher is better (leading product KPI).'
        >>> c = MetricCatalog.model_validate({"metrics": [*c.metrics, {"name": "twice",
        ...     "kind": "leading", "expr": "2 * wau"}]})
        >>> in_words(c.get("twice"), c)
        'Twice is 2 * wau (a formula over other metrics), per week; higher is better (leading product KPI).'
    """
    if metric.ratio is not None:
        parts = (catalog.get(metric.ratio.numerator), catalog.get(metric.ratio.denominator))
        how = f"{parts[0].display_label} divided by {parts[1].display_label}"
    elif metric.expr is not None:
        how = f"{metric.expr} (a formula over other metrics)"
    else:
        source = (
            "product events"
            if metric.source == "events"
            else f"the KPI exports' {metric.kpi_name!r} values"
        )
        column = metric.column or "value"
        how = _AGGREGATIONS[str(metric.aggregation)].format(source=source, column=column)
        if metric.filter:
            how += f" where {metric.filter}"
    role = "leading product KPI" if metric.kind == "leading" else "lagging business KPI"
    return f"{metric.display_label} is {how}, per {metric.grain}; {metric.direction} is better ({role})."
