"""Ingesting business-KPI exports in the three layouts tools produce, into tidy (date, metric, value).

- long: one row per observation (date, metric, value[, segment]), as billing tools export;
- wide_by_date: one row per date, one column per metric, as spreadsheets and support tools do;
- wide_by_metric: one row per metric, one column per date, as product-analytics charts export.

KPI exports are small aggregated tables, so after DuckDB has read and staged the file the cells
are parsed in pandas, where each locale rule is a plain, tested function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

from pipelines import db
from pipelines.errors import OkrlensError
from pipelines.ingest import ledger
from pipelines.ingest.columns import KPI_ROLES, resolve_roles
from pipelines.ingest.dialect import Dialect, slug, sniff
from pipelines.ingest.facts import file_facts
from pipelines.ingest.staging import file_sha256, physical_lines, stage
from pipelines.ingest.values import (
    ValueProblem,
    ambiguous_cells,
    date_format,
    decimal_mark,
    is_null,
    parse_date,
    parse_number,
)
from pipelines.limits import max_file_bytes

T = TypeVar("T")
SHAPES = ("long", "wide_by_date", "wide_by_metric")
# Pivoted exports are small; a bigger one is almost certainly an event log sent to the wrong place.
MAX_KPI_CELLS = 2_000_000
_CELLS = ["rn", "column_name", "raw_date", "label", "segment", "raw_value"]


@dataclass(frozen=True)
class KpiOptions:
    """What the analyst can state when a file cannot tell for itself."""

    shape: str | None = None
    decimal: str | None = None  # "." or ","
    date_format: str | None = None  # strptime format, e.g. %d/%m/%Y
    mapping: Mapping[str, str] | None = None  # role -> column label, for long files


def _date_share(labels: list[str]) -> float:
    """The share of labels that read as dates in their most common format."""
    values = [label for label in labels if not is_null(label)]
    if not values:
        return 0.0
    try:
        return date_format(values)[1] / len(set(values))
    except ValueProblem:
        return 1.0  # ambiguous day/month order is still unmistakably dates


def detect_shape(
    dialect: Dialect, frame: pd.DataFrame, options: KpiOptions
) -> tuple[str, dict[str, str]]:
    """The file's layout and the roles of its columns; OkrlensError when neither fits."""
    if options.shape is not None and options.shape not in SHAPES:
        raise OkrlensError(
            f"unknown shape {options.shape!r}",
            where="--shape",
            fix=f"use one of {', '.join(SHAPES)}",
        )
    roles = resolve_roles(dialect, KPI_ROLES, options.mapping)
    if options.shape in (None, "long") and {"date", "metric", "value"} <= roles.keys():
        return "long", roles
    if options.shape == "long":
        raise OkrlensError(
            f"{dialect.path.name} is not a long export: it needs date, metric and value columns",
            where=f"{dialect.path.name}, line {dialect.header_line}",
            fix="map them, e.g. --map date=Day --map metric=KPI --map value=Amount",
        )
    if (
        options.shape in (None, "wide_by_metric")
        and len(dialect.header) > 2
        and (options.shape == "wide_by_metric" or _date_share(list(dialect.header[1:])) >= 0.8)
    ):
        return "wide_by_metric", {}
    first = dialect.columns[0]
    if (
        options.shape == "wide_by_date"
        or roles.get("date") == first
        or (_date_share(frame[first].dropna().astype(str).head(500).tolist()) >= 0.8)
    ):
        return "wide_by_date", {"date": first}
    raise OkrlensError(
        f"cannot tell the layout of {dialect.path.name}: no date/metric/value columns, no dates "
        f"across the header, and the first column ({dialect.header[0]!r}) does not hold dates",
        where=f"{dialect.path.name}, line {dialect.header_line}",
        fix="export one of the three layouts (long: date, metric, value; one row per date; one "
        "row per metric with dates as columns) or state it with --shape",
    )


def _cells(
    dialect: Dialect, frame: pd.DataFrame, shape: str, roles: dict[str, str]
) -> pd.DataFrame:
    """Every observation cell of the file as rows of (rn, column_name, raw_date, label, segment, raw_value)."""
    labels = dict(zip(dialect.columns, dialect.header, strict=True))
    if shape == "long":
        unknown = [labels[c] for c in dialect.columns if c not in roles.values()]
        if unknown:
            raise OkrlensError(
                f"{dialect.path.name} has columns okrlens does not know what to do with: "
                f"{', '.join(unknown)}",
                where=f"{dialect.path.name}, line {dialect.header_line}",
                fix="remove them, or map one as the segment with --map segment=<column>",
            )
        out = pd.DataFrame(
            {
                "rn": frame["rn"],
                "column_name": labels[roles["value"]],
                "raw_date": frame[roles["date"]],
                "label": frame[roles["metric"]],
                "segment": frame[roles["segment"]] if "segment" in roles else "",
                "raw_value": frame[roles["value"]],
            }
        )
    elif shape == "wide_by_date":
        date_col = roles["date"]
        melted = frame.melt(id_vars=["rn", date_col], var_name="column", value_name="raw_value")
        out = pd.DataFrame(
            {
                "rn": melted["rn"],
                "column_name": melted["column"].map(labels),
                "raw_date": melted[date_col],
                "label": melted["column"].map(labels),
                "segment": "",
                "raw_value": melted["raw_value"],
            }
        )
    else:
        metric_col = dialect.columns[0]
        melted = frame.melt(id_vars=["rn", metric_col], var_name="column", value_name="raw_value")
        out = pd.DataFrame(
            {
                "rn": melted["rn"],
                "column_name": melted["column"].map(labels),
                "raw_date": melted["column"].map(labels),
                "label": melted[metric_col],
                "segment": "",
                "raw_value": melted["raw_value"],
            }
        )
    out = out.astype(
        {"raw_date": "object", "label": "object", "segment": "object", "raw_value": "object"}
    )
    out["segment"] = out["segment"].fillna("").astype(str).str.strip()
    return out.sort_values(["rn"], kind="stable", ignore_index=True)


def _problem(rows: pd.DataFrame, reason: str, value_column: str) -> pd.DataFrame:
    """Reject rows for the cells in rows, all with the same reason."""
    return pd.DataFrame(
        {
            "rn": rows["rn"],
            "column_name": rows["column_name"],
            "value": rows[value_column],
            "reason": reason,
        }
    )


def _parse(
    cells: pd.DataFrame, dialect: Dialect, options: KpiOptions
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Parsed observations (rn, date, label, metric, segment, value, percent, currency), rejects,
    and how numbers and dates were read."""
    where = dialect.path.name
    # Masks are cast to bool: on no cells, map gives an object array, which would select columns.
    cells = cells[~cells["raw_value"].map(is_null).astype(bool)]
    problems: list[pd.DataFrame] = []
    missing_label = cells["label"].map(is_null).astype(bool)
    problems.append(_problem(cells[missing_label], "missing metric name", "label"))
    cells = cells[~missing_label]
    try:
        fmt, _ = date_format(cells["raw_date"].dropna().astype(str), options.date_format)
    except ValueProblem as exc:
        raise OkrlensError(
            f"{dialect.path.name}: {exc}",
            where=where,
            fix="state the format, e.g. --date-format %d/%m/%Y (day first) or %m/%d/%Y",
        ) from None
    dates = (
        {d: _try(parse_date, d, fmt) for d in cells["raw_date"].dropna().astype(str).unique()}
        if fmt
        else {}
    )
    cells = cells.assign(
        date=cells["raw_date"].map(lambda d: dates.get(str(d)) if d is not None else None)
    )
    bad_date = cells["date"].map(lambda d: not hasattr(d, "year")).astype(bool)
    generic = f"not a date in the file's format ({fmt})" if fmt else "not a date"
    # A date that reads but lies out of range says so; anything else is not a date at all.
    reasons = cells["date"].map(
        lambda d: str(d) if isinstance(d, ValueProblem) and "outside" in str(d) else generic
    )
    for reason, rows in cells[bad_date].groupby(reasons[bad_date]):
        problems.append(_problem(rows, str(reason), "raw_date"))
    cells = cells[~bad_date]
    raw_values = cells["raw_value"].astype(str)
    try:
        mark = decimal_mark(raw_values, dialect.delimiter, options.decimal)
    except ValueProblem as exc:
        raise OkrlensError(
            f"{dialect.path.name}: {exc}",
            where=where,
            fix="state the mark with --decimal . or --decimal ,",
        ) from None
    ambiguous = ambiguous_cells(raw_values) if options.decimal is None else []
    if ambiguous and dialect.delimiter != "," and mark == ".":
        raise OkrlensError(
            f"{dialect.path.name}: values such as {ambiguous[0]!r} read differently with a decimal "
            "comma and a decimal point, and nothing in the file decides",
            where=where,
            fix="state the mark with --decimal . or --decimal ,",
        )
    parsed = {v: _try(parse_number, v, mark) for v in raw_values.unique()}
    numbers = raw_values.map(parsed)
    bad_value = numbers.map(lambda n: isinstance(n, ValueProblem)).astype(bool)
    for message, rows in cells[bad_value.to_numpy()].groupby(numbers[bad_value].map(str)):
        problems.append(_problem(rows, str(message), "raw_value"))
    good = cells[~bad_value.to_numpy()].copy()
    good_numbers = numbers[~bad_value]
    good["value"] = [n.value for n in good_numbers]
    good["percent"] = [n.percent for n in good_numbers]
    good["currency"] = [n.currency for n in good_numbers]
    good["label"] = good["label"].astype(str).str.strip()
    good["metric"] = good["label"].map(slug)
    reading = f"decimal mark '{mark}', dates as {fmt or 'unknown'}"
    return good, pd.concat(problems, ignore_index=True), reading


def _try(parse: Callable[[str, str], T], text: str, arg: str) -> T | ValueProblem:
    """parse(text, arg), or the ValueProblem it raised."""
    try:
        return parse(text, arg)
    except ValueProblem as exc:
        # Kept as a value, so drop the traceback: its frames would keep the caller's data alive.
        return exc.with_traceback(None)


def _duplicate_keys(good: pd.DataFrame) -> pd.DataFrame:
    """Reject rows for observations whose (metric, date, segment) appears more than once."""
    key = ["metric", "date", "segment"]
    dupes = good[good.duplicated(key, keep=False)]
    if dupes.empty:
        return pd.DataFrame(columns=["rn", "column_name", "value", "reason"])
    first_rn = dupes.groupby(key)["rn"].transform("min")
    return pd.DataFrame(
        {
            "rn": dupes["rn"],
            "column_name": dupes["column_name"],
            "value": dupes["raw_value"],
            "reason": "the same metric, date and segment appear more than once (first at row "
            + first_rn.astype(str)
            + ")",
        }
    )


_COMPARE = """
SELECT
    count(*) FILTER (WHERE k.value IS NULL) AS added,
    count(*) FILTER (WHERE k.value IS NOT NULL AND abs(k.value - i.value) <= 1e-9 * greatest(1, abs(i.value))) AS duplicate,
    count(*) FILTER (WHERE k.value IS NOT NULL AND abs(k.value - i.value) > 1e-9 * greatest(1, abs(i.value))) AS revised
FROM incoming_kpis i
LEFT JOIN kpis k USING (metric, date, segment)
"""

_INSERT = """
INSERT INTO kpi_rows
SELECT i.date, i.metric, i.segment, i.value, ? FROM incoming_kpis i
LEFT JOIN kpis k USING (metric, date, segment)
WHERE k.value IS NULL OR abs(k.value - i.value) > 1e-9 * greatest(1, abs(i.value))
"""

_LABELS = """
INSERT INTO kpi_labels
SELECT metric, any_value(label), CASE WHEN bool_or(percent) THEN '%' ELSE max(currency) END
FROM incoming_kpis GROUP BY metric
ON CONFLICT (metric) DO UPDATE SET label = excluded.label, unit = excluded.unit
"""


def ingest_kpis(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    options: KpiOptions | None = None,
    allow_rejects: bool = False,
    user: str | None = None,
    file_name: str | None = None,
    dry_run: bool = False,
    on_commit: ledger.OnCommit | None = None,
    max_bytes: int | None = None,
    sha256: str | None = None,
) -> ledger.IngestReport:
    """Ingest one business-KPI CSV export into the store, all in one transaction, or nothing.

    dry_run does all of it, reports what would happen (with a preview of the stored rows and
    the rejects, without raising), then rolls back.

    Values identical to stored ones are skipped; a value that differs from the stored one for
    the same metric, date and segment is a revision: the new value is used, the old one is kept
    in the ledger. The same file twice adds zero rows.
    """
    options = options or KpiOptions()
    name = file_name or path.name
    dialect = sniff(path)
    facts = file_facts(dialect, max_bytes=max_bytes or max_file_bytes())
    report = ledger.IngestReport(
        kind="kpis", file_name=name, sha256=sha256 or file_sha256(path), dialect=dialect.describe()
    )

    def load() -> None:
        staged = stage(con, dialect, facts=facts)
        if staged.rows * len(dialect.columns) > MAX_KPI_CELLS:
            raise OkrlensError(
                f"{name} has {staged.rows:,} rows × {len(dialect.columns)} columns, more than a KPI "
                f"export should ({MAX_KPI_CELLS:,} cells)",
                where=name,
                fix="if this is a product-event log, ingest it with `okrlens ingest events`",
            )
        if staged.rows == 0:  # the reader rejected every line: nothing to understand
            report.rejects = physical_lines(dialect, staged.rejects)
            report.rows_rejected = len(report.rejects)
            if dry_run:
                return
            raise ledger.IngestRejected(report)
        frame = db.query(con, "SELECT * FROM staged ORDER BY rn")
        shape, roles = detect_shape(dialect, frame, options)
        report.shape = shape
        cells = _cells(dialect, frame, shape, roles)
        good, problems, reading = _parse(cells, dialect, options)
        report.dialect = f"{report.dialect}; {reading}"
        problems = pd.concat([problems, _duplicate_keys(good)], ignore_index=True)
        report.rejects = physical_lines(dialect, staged.all_rejects(problems))
        bad_rns = set(problems["rn"])
        good = good[~good["rn"].isin(bad_rns)]
        report.rows_rejected = len(report.rejects)
        report.rows_read = len(good)
        labels = dict(zip(dialect.columns, dialect.header, strict=True))
        report.columns = _understood(shape, roles, labels, good)
        if report.rows_rejected and not allow_rejects and not dry_run:
            raise ledger.IngestRejected(report)
        if good.empty:
            raise OkrlensError(
                f"{name} holds no values to ingest",
                where=name,
                fix="export a range that contains data",
            )
        incoming = good[["date", "metric", "segment", "value", "label", "percent", "currency"]]
        con.register("incoming_frame", incoming)
        con.execute("CREATE OR REPLACE TEMP TABLE incoming_kpis AS SELECT * FROM incoming_frame")
        con.unregister("incoming_frame")
        added, duplicate, revised = con.execute(_COMPARE).fetchone() or (0, 0, 0)
        report.rows_added, report.rows_duplicate, report.rows_revised = (
            int(added),
            int(duplicate),
            int(revised),
        )
        report.ingest_id = ledger.new_ingest_id(con)
        con.execute(_INSERT, [report.ingest_id])
        con.execute(_LABELS)
        report.preview = incoming[["date", "metric", "segment", "value"]].head(ledger.PREVIEW_ROWS)

    return ledger.ingest_once(con, report, load, user=user, dry_run=dry_run, on_commit=on_commit)


def _understood(
    shape: str, roles: dict[str, str], labels: dict[str, str], good: pd.DataFrame
) -> dict[str, str]:
    """File label -> what okrlens understood it as, for the analyst to check."""
    if shape == "long":
        return {labels[c]: role for role, c in roles.items()}
    metrics = good.drop_duplicates("label").set_index("label")["metric"].to_dict()
    if shape == "wide_by_date":
        return {labels[roles["date"]]: "date"} | {str(k): f"metric {v}" for k, v in metrics.items()}
    return {str(k): f"metric {v}" for k, v in metrics.items()} | {"(other columns)": "dates"}
