"""The definition files read item by item: one broken metric, period, objective or key result
degrades only itself.

A file that is not readable YAML is still refused whole (nothing in it can be trusted). Past
that, a valid file is read exactly as before, in one validation. An invalid one is salvaged:
each metric, period, objective and key result is validated on its own, cross-references are
checked against the survivors (a key result on a broken metric, an objective of an unknown
period), and what fails is left out and listed as a `Broken` item, saying what, where and how to
fix it. Pages show the list, `okrlens report` warns, lint reports each as a finding under the
code it breaks, and `okrlens check` exits non-zero for CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from pipelines.errors import OkrlensError
from pipelines.metrics.compile import event_aggregate, kpi_query
from pipelines.metrics.spec import Metric, MetricCatalog
from pipelines.okrs.bands import PRESETS
from pipelines.okrs.spec import KeyResult, Objective, OkrSet, Period
from pipelines.yamlio import load_mapping

INVALID = "DEF001"  # the lint code of an item that does not validate
# Problems that an existing lint rule names: the finding takes that rule's code.
_CODES = (
    ("target equals baseline", "KR005"),
    ("unknown period", "OBJ005"),
    ("metrics.yaml does not define", "KR004"),
    ("its metric", "KR004"),
    ("its counter_metric", "KR004"),
)


@dataclass(frozen=True)
class Broken:
    """One definition left out: which, where, what is wrong and how to fix it."""

    file: str
    kind: str  # metric | period | objective | key result | setting
    id: str
    where: str
    problem: str
    fix: str
    objective_id: str | None = None

    @property
    def code(self) -> str:
        """The lint code this problem is reported under."""
        return next((code for text, code in _CODES if text in self.problem), INVALID)

    def message(self) -> str:
        """One line: the item, the problem, where, and the fix."""
        fix = self.fix[:1].upper() + self.fix[1:]
        return f"{self.kind} {self.id} is left out: {self.problem} ({self.where}). {fix}."


@dataclass(frozen=True)
class Definitions:
    """The workspace's metrics and OKRs as far as they are valid, and what was left out."""

    catalog: MetricCatalog
    okrs: OkrSet
    broken: tuple[Broken, ...]


def _problem(exc: ValidationError | OkrlensError | ValueError) -> str:
    """The first problem an exception names, in one phrase."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        text = str(first["msg"]).removeprefix("Value error, ")
        return f"{loc}: {text}" if loc else text
    if isinstance(exc, OkrlensError):
        return exc.what
    return str(exc)


def _label(raw: object, field: str, position: int) -> str:
    """An item's id as written, or its position when it has none."""
    value = raw.get(field) if isinstance(raw, dict) else None
    return str(value) if isinstance(value, str | int) and str(value) else f"#{position + 1}"


def _fragments_parse(metric: Metric) -> None:
    """OkrlensError when a simple metric's filter or column is not a checked SQL fragment."""
    if metric.type != "simple":
        return
    if metric.source == "events":
        event_aggregate(metric)
    else:
        kpi_query(metric)


def load_catalog(path: Path) -> tuple[MetricCatalog, list[Broken]]:
    """The valid metrics of metrics.yaml, and the ones left out."""
    raw = load_mapping(path)
    try:
        catalog = MetricCatalog.model_validate(raw)
        for metric in catalog.metrics:
            _fragments_parse(metric)
        return catalog, []
    except (ValidationError, OkrlensError):
        return _salvage_catalog(raw, path.name)


def _salvage_catalog(raw: dict[str, Any], file: str) -> tuple[MetricCatalog, list[Broken]]:
    """load_catalog for a file that does not validate whole."""
    broken = [_stray_setting(file, key) for key in raw if key != "metrics"]
    items = raw.get("metrics")
    if not isinstance(items, list):
        raise OkrlensError(
            f"{file} has no list of metrics",
            where=file,
            fix="start it with `metrics:` followed by one `- name: …` entry per metric",
        )
    good: dict[str, Any] = {}
    for i, item in enumerate(items):
        name = _label(item, "name", i)
        where = f"{file}, metrics[{i}]"
        try:
            metric = Metric.model_validate(item)
            _fragments_parse(metric)
        except (ValidationError, OkrlensError, ValueError) as exc:
            broken.append(Broken(file, "metric", name, where, _problem(exc), _METRIC_FIX))
            continue
        if metric.name in good:
            broken.append(
                Broken(
                    file,
                    "metric",
                    name,
                    where,
                    "a metric of that name comes earlier",
                    "give each metric its own name",
                )
            )
            continue
        good[metric.name] = item
    # A ratio or derived metric stands only with all its parts (and a grain they share).
    while True:
        try:
            return MetricCatalog.model_validate({"metrics": list(good.values())}), broken
        except ValidationError as exc:
            culprit = _combining_culprit(good)
            if culprit is None:
                raise OkrlensError(_problem(exc), where=file, fix=_METRIC_FIX) from None
            name, problem = culprit
            broken.append(
                Broken(file, "metric", name, f"{file}, metric {name}", problem, _METRIC_FIX)
            )
            del good[name]


_METRIC_FIX = "correct it in metrics.yaml; `okrlens init` writes a commented example of every field"


def _combining_culprit(good: dict[str, Any]) -> tuple[str, str] | None:
    """A ratio or derived metric that cannot stand with the others, and why."""
    metrics = {name: Metric.model_validate(item) for name, item in good.items()}
    for name, metric in metrics.items():
        missing = [p for p in metric.parts if p not in metrics]
        if missing:
            return name, f"it combines {', '.join(missing)}, which is not a valid metric"
    for name, metric in metrics.items():
        if metric.type != "simple":
            try:
                MetricCatalog.model_validate(
                    {"metrics": [good[p] for p in _parts_closure(metrics, name)]}
                )
            except ValidationError as exc:
                return name, _problem(exc)
    return None


def _parts_closure(metrics: dict[str, Metric], name: str) -> list[str]:
    """name and every metric it combines, at any depth, each once."""
    found: list[str] = []
    stack = [name]
    while stack:
        current = stack.pop()
        if current not in found:
            found.append(current)
            stack.extend(metrics[current].parts)
    return found


def _stray_setting(file: str, key: object) -> Broken:
    """An unknown top-level key, ignored."""
    return Broken(
        file,
        "setting",
        str(key),
        file,
        "okrlens does not know this top-level field",
        "remove it, or check its spelling",
    )


def load_okr_set(
    path: Path, catalog: MetricCatalog, broken_metrics: list[Broken] | None = None
) -> tuple[OkrSet, list[Broken]]:
    """The valid periods, objectives and key results of okrs.yaml, and the ones left out."""
    return okr_set_of(load_mapping(path), path.name, catalog, broken_metrics or [])


def okr_set_of(
    raw: dict[str, Any], file: str, catalog: MetricCatalog, broken_metrics: list[Broken]
) -> tuple[OkrSet, list[Broken]]:
    """load_okr_set for the already-parsed mapping raw of the file called file."""
    try:
        okrs = OkrSet.model_validate(raw)
        okrs.check_metrics(catalog, file)
        return okrs, []
    except (ValidationError, OkrlensError):
        return _salvage_okrs(raw, file, catalog, broken_metrics)


def _valid(model: type[BaseModel], raw: object) -> tuple[BaseModel | None, str]:
    """raw validated as model, or None and the problem."""
    try:
        return model.model_validate(raw), ""
    except (ValidationError, ValueError) as exc:
        return None, _problem(exc)


def _salvage_okrs(
    raw: dict[str, Any], file: str, catalog: MetricCatalog, broken_metrics: list[Broken]
) -> tuple[OkrSet, list[Broken]]:
    """load_okr_set for a file that does not validate whole, or names unknown metrics."""
    broken = [_stray_setting(file, k) for k in raw if k not in OkrSet.model_fields]
    preset = raw.get("band_preset", "default")
    if preset not in PRESETS:
        broken.append(
            Broken(
                file,
                "setting",
                "band_preset",
                f"{file}, band_preset",
                f"band_preset {preset!r} is unknown, so the default preset is used",
                f"choose one of {', '.join(PRESETS)}",
            )
        )
        preset = "default"
    periods: dict[str, Any] = {}
    for i, item in enumerate(_listed(raw, "periods")):
        name = _label(item, "name", i)
        period, problem = _valid(Period, item)
        if period is None or name in periods:
            problem = problem or "a period of that name comes earlier"
            broken.append(Broken(file, "period", name, f"{file}, periods[{i}]", problem, _OKR_FIX))
        else:
            periods[name] = item
    valid_periods = {name: Period.model_validate(item) for name, item in periods.items()}
    objectives = list(_objectives(raw, file, valid_periods, catalog, broken_metrics, broken))
    okrs = OkrSet.model_validate(
        {"band_preset": preset, "periods": list(periods.values()), "objectives": objectives}
    )
    return okrs, broken


_OKR_FIX = "correct it in okrs.yaml; `okrlens check` lists every problem"


def _listed(raw: dict[str, Any], key: str) -> list[Any]:
    """raw[key] when it is a list, else nothing."""
    value = raw.get(key)
    return value if isinstance(value, list) else []


def _objectives(
    raw: dict[str, Any],
    file: str,
    periods: dict[str, Period],
    catalog: MetricCatalog,
    broken_metrics: list[Broken],
    broken: list[Broken],
) -> Iterator[dict[str, Any]]:
    """The objectives that stand, each with the key results that stand; the rest into broken."""
    items = _listed(raw, "objectives")
    seen: set[str] = set()
    kept: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        oid = _label(item, "id", i)
        where = f"{file}, objectives[{i}] ({oid})"
        if not isinstance(item, dict):
            broken.append(
                Broken(file, "objective", oid, where, "not a mapping of fields", _OKR_FIX)
            )
            continue
        krs = []
        period = periods.get(str(item.get("period")))
        for j, kr_raw in enumerate(_listed(item, "key_results")):
            kr_id = _label(kr_raw, "id", j)
            kr_where = f"{where}, key_results[{j}]"
            problem = _kr_problem(kr_raw, kr_id, catalog, broken_metrics, seen, period)
            if problem:
                broken.append(Broken(file, "key result", kr_id, kr_where, problem, _OKR_FIX, oid))
                continue
            seen.add(kr_id)
            krs.append(kr_raw)
        fields = {**item, "key_results": krs}
        objective, problem = _valid(Objective, fields)
        if objective is None or oid in seen:
            problem = problem or "an objective or key result with that id comes earlier"
        elif fields["period"] not in periods:
            problem = f"unknown period {fields['period']!r}"
        if problem:
            broken.append(Broken(file, "objective", oid, where, problem, _OKR_FIX, oid))
            continue
        seen.add(oid)
        kept.append(fields)
    # A telescoped objective stands only while its parent key result does.
    standing = {str(kr["id"]) for o in kept for kr in o["key_results"]}
    for fields in kept:
        parent = fields.get("parent_kr")
        if parent is not None and parent not in standing:
            oid = str(fields["id"])
            broken.append(
                Broken(
                    file,
                    "objective",
                    oid,
                    f"{file}, objective {oid}",
                    f"parent_kr {parent!r} is not a key result that stands",
                    _OKR_FIX,
                    oid,
                )
            )
            continue
        yield fields


def _kr_problem(
    raw: object,
    kr_id: str,
    catalog: MetricCatalog,
    broken_metrics: list[Broken],
    seen: set[str],
    period: Period | None,
) -> str:
    """Why the key result raw (of an objective in period) cannot stand, or "" when it can."""
    kr, problem = _valid(KeyResult, raw)
    if kr is None:
        return problem
    assert isinstance(kr, KeyResult)
    if kr_id in seen:
        return "an objective or key result with that id comes earlier"
    if period is not None and (late := kr.deadline_refusal(period)) is not None:
        return late.what
    broken_names = {b.id for b in broken_metrics if b.kind == "metric"}
    known = {m.name for m in catalog.metrics}
    for field, name in (("metric", kr.metric), ("counter_metric", kr.counter_metric)):
        if name is None or name in known:
            continue
        if name in broken_names:
            return f"its {field} {name} is broken in metrics.yaml"
        return f"its {field} {name!r} is one metrics.yaml does not define"
    if kr.slice and kr.metric is not None:
        (dimension,) = kr.slice
        declared = catalog.dimensions(catalog.get(kr.metric))
        if dimension not in declared:
            return (
                f"it slices {kr.metric} by {dimension!r}, which the metric does not declare as a "
                f"dimension (it declares {', '.join(declared) or 'none'})"
            )
    return ""
