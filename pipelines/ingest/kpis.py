"""Ingesting business-KPI exports in the three layouts tools produce, into tidy (date, metric, value).

- long: one row per observation (date, metric, value[, segment]), as billing tools export;
- wide_by_date: one row per date, one column per metric, as spreadsheets and support tools do;
- wide_by_metric: one row per metric, one column per date, as product-analytics charts export.

KPI exports are small aggregated tables, so after DuckDB has read and staged the file the cells
are parsed in pandas, where each locale rule is a plain, tested function. Files are taken as their
tools write them: the time table of a download that holds several (`--table N` to choose), a
GA4 `Nth day` index counted from the declared start date, text columns of a wide file and totals
rows left out and said, day/month order settled by the file's own dates.

Why this module is long: it is one pipeline (pick the table → detect the layout → cells → parse
→ check → store), and each stage words its own refusals for the options of this one command;
split across modules, one refusal's cause and remedy would be read in several files.
"""

from __future__ import annotations

import datetime as dt
import gzip
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

from pipelines import db
from pipelines.coverage import file_coverage, rows_span
from pipelines.errors import OkrlensError
from pipelines.ingest import ledger
from pipelines.ingest.columns import KPI_ROLES, refuse_people_names, resolve_roles
from pipelines.ingest.dialect import HEAD_BYTES, Dialect, Table, slug, sniff
from pipelines.ingest.facts import FileFacts, file_facts
from pipelines.ingest.staging import REJECT_COLUMNS, Staged, file_sha256, physical_lines, stage
from pipelines.ingest.values import (
    PERIOD_INDEXES,
    AmbiguousDates,
    Number,
    ValueProblem,
    ambiguous_cells,
    date_format,
    decimal_mark,
    is_null,
    is_total,
    nth_period_start,
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
    mapping: Mapping[str, str] | None = None  # role -> column label, for every layout
    ignore: tuple[str, ...] = ()  # column labels to leave out
    table: int | None = None  # which table of a file that holds several (1-based)
    sheet: str | None = None  # which sheet of an Excel workbook, by name or 1-based number
    through: dt.date | None = None  # the last day the export covers, when its rows end sooner


def _date_share(labels: list[str]) -> float:
    """The share of labels that read as dates in their most common format."""
    values = [label for label in labels if not is_null(label)]
    if not values:
        return 0.0
    try:
        return date_format(values)[1] / len(set(values))
    except ValueProblem:
        return 1.0  # ambiguous day/month order is still unmistakably dates


def _is_time_table(table: Table) -> bool:
    """True when a table runs over time: dates or a period index down its first column, or
    dates across its header."""
    return (
        slug(table.header[0]) in PERIOD_INDEXES
        or _date_share(list(table.first_cells)) >= 0.8
        or (len(table.header) > 2 and _date_share(list(table.header[1:])) >= 0.8)
    )


def chosen_dialect(path: Path, options: KpiOptions) -> Dialect:
    """The dialect of the table to read: the one asked for, else the file's only time table."""
    dialect = sniff(path, options.table, options.sheet)
    if options.table is not None or not dialect.tables:
        return dialect
    timed = [t for t in dialect.tables if _is_time_table(t)]
    if len(timed) > 1:
        listed = "; ".join(f"table {t.number}: {', '.join(t.header)} ({t.lines})" for t in timed)
        raise OkrlensError(
            f"{path.name} holds {len(timed)} tables over time, and okrlens reads one per ingest: "
            f"{listed}",
            where=path.name,
            fix=f"choose one with --table N (e.g. --table {timed[0].number}), and ingest the "
            "file again for another",
        )
    return sniff(path, timed[0].number, options.sheet) if timed else dialect


def _ignored(dialect: Dialect, options: KpiOptions) -> set[str]:
    """The staged columns the analyst asked to leave out; OkrlensError for one the file lacks."""
    by_slug = {
        slug(label): column for label, column in zip(dialect.header, dialect.columns, strict=True)
    }
    unknown = [label for label in options.ignore if slug(label) not in by_slug]
    if unknown:
        raise OkrlensError(
            f"--ignore names {', '.join(map(repr, unknown))}, which {dialect.path.name} does not have",
            where="--ignore",
            fix=f"use one of the file's columns: {', '.join(dialect.header)}",
        )
    return {by_slug[slug(label)] for label in options.ignore}


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
    mapped = {role: roles[role] for role in (options.mapping or {})}
    left_out = {slug(label) for label in options.ignore}
    if options.shape is None and "metric" not in roles and {"date", "value"} <= roles.keys():
        # A long export but for its metric column: `Name` may name KPIs or people; ask.
        refuse_people_names(
            dialect,
            "metric",
            "if {label!r} names the KPIs",
            "leave it out with --ignore {label!r}",
            left_out,
        )
    if options.shape in (None, "long") and {"date", "metric", "value"} <= roles.keys():
        return "long", roles
    if options.shape == "long":
        raise OkrlensError(
            f"{dialect.path.name} is not a long export: it needs date, metric and value columns",
            where=f"{dialect.path.name}, line {dialect.header_line}",
            fix="map them, e.g. --map date=Day --map metric=KPI --map value=Amount",
        )
    first = dialect.columns[0]
    if (
        options.shape in (None, "wide_by_metric")
        and "date" not in mapped
        and len(dialect.header) > 2
        and (options.shape == "wide_by_metric" or _date_share(list(dialect.header[1:])) >= 0.8)
    ):
        return "wide_by_metric", {"metric": mapped.get("metric", first)}
    date_column = mapped.get("date", first)
    if (
        options.shape == "wide_by_date"
        or "date" in mapped
        or roles.get("date") == first
        or first in PERIOD_INDEXES
        or (_date_share(frame[first].dropna().astype(str).head(500).tolist()) >= 0.8)
    ):
        return "wide_by_date", {"date": date_column} | (
            {"segment": mapped["segment"]} if "segment" in mapped else {}
        )
    raise OkrlensError(
        f"cannot tell the layout of {dialect.path.name}: no date/metric/value columns, no dates "
        f"across the header, and the first column ({dialect.header[0]!r}) does not hold dates",
        where=f"{dialect.path.name}, line {dialect.header_line}",
        fix="export one of the three layouts (long: date, metric, value; one row per date; one "
        "row per metric with dates as columns), state it with --shape, or name the date column "
        "with --map date=<column>",
    )


def _period_dates(dialect: Dialect, frame: pd.DataFrame, column: str) -> pd.Series:
    """A GA4 `Nth day` / `Nth week` / `Nth month` column as ISO dates, counted from the
    export's declared start; the index as written where it is not a number."""
    label = dict(zip(dialect.columns, dialect.header, strict=True))[column]
    if dialect.declared is None:
        raise OkrlensError(
            f"{dialect.path.name} numbers its periods ({label!r}: 0000, 0001, …) from a start "
            "date it does not state",
            where=f"{dialect.path.name}, line {dialect.header_line}",
            fix="download the report again with its '# Start date:' header lines, or export it "
            "with a Date dimension instead of the index",
        )
    unit, start = PERIOD_INDEXES[column], dialect.declared[0]

    def iso(index: object) -> object:
        """The period's first day as an ISO date, or the index as written when it is none."""
        day = (
            _try(lambda t, u: nth_period_start(t, u, start), index, unit)
            if isinstance(index, str)
            else None
        )
        return day.isoformat() if isinstance(day, dt.date) else index

    return frame[column].astype("object").map(iso)


def _cells(
    dialect: Dialect, frame: pd.DataFrame, shape: str, roles: dict[str, str], skip: set[str]
) -> pd.DataFrame:
    """Every observation cell of the file as rows of (rn, column_name, raw_date, label, segment, raw_value)."""
    labels = dict(zip(dialect.columns, dialect.header, strict=True))
    frame = frame.drop(columns=sorted(skip))
    if shape == "long":
        unknown = [labels[c] for c in frame.columns[1:] if c not in roles.values()]
        if unknown:
            raise OkrlensError(
                f"{dialect.path.name} has columns okrlens does not know what to do with: "
                f"{', '.join(unknown)}",
                where=f"{dialect.path.name}, line {dialect.header_line}",
                fix="leave them out with --ignore <column>, or map one as the segment with "
                "--map segment=<column>",
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
        if date_col in PERIOD_INDEXES:
            frame = frame.assign(**{date_col: _period_dates(dialect, frame, date_col)})
        keys = ["rn", date_col, *([roles["segment"]] if "segment" in roles else [])]
        melted = frame.melt(id_vars=keys, var_name="column", value_name="raw_value")
        out = pd.DataFrame(
            {
                "rn": melted["rn"],
                "column_name": melted["column"].map(labels),
                "raw_date": melted[date_col],
                "label": melted["column"].map(labels),
                "segment": melted[roles["segment"]] if "segment" in roles else "",
                "raw_value": melted["raw_value"],
            }
        )
    else:
        metric_col = roles["metric"]
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


def _text_columns(frame: pd.DataFrame, shape: str, roles: dict[str, str]) -> dict[str, str]:
    """Value columns of a wide-by-date file that hold text, not one number (column -> an
    example), so they are left out instead of rejecting every line."""
    if shape != "wide_by_date":
        return {}
    out = {}
    for column in frame.columns:
        if column == "rn" or column in roles.values():
            continue
        cells = [c for c in frame[column].dropna().astype(str).head(500) if not is_null(c)]
        if cells and not any(
            isinstance(_try(parse_number, c, mark), Number) for c in cells for mark in ".,"
        ):
            out[column] = cells[0]
    return out


def _totals(frame: pd.DataFrame, shape: str, roles: dict[str, str]) -> pd.Series:
    """The rows that sum the others: labelled Total / Grand total, or (Universal Analytics) a
    last row with values and no date."""
    key = roles["metric"] if shape == "wide_by_metric" else roles["date"]
    cells = frame[key].astype("object")
    named = cells.map(lambda c: isinstance(c, str) and is_total(c)).astype(bool)
    if shape == "wide_by_date" and len(frame) > 1 and is_null(cells.iloc[-1]):
        named.iloc[-1] = True
    return frame.loc[named, "rn"]


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


def _no_dates(dialect: Dialect, cells: pd.DataFrame, dates_in: str) -> OkrlensError:
    """The refusal of a file in which no date (dates_in: where they should be) reads in any
    format okrlens knows."""
    examples = ", ".join(repr(d) for d in cells["raw_date"].dropna().astype(str).unique()[:3])
    return OkrlensError(
        f"{dialect.path.name}: nothing {dates_in} reads as a date (it holds {examples}), so no "
        "line can be placed in time; okrlens reads dates such as 2026-10-01, 20261001, 10/1/26, "
        "01.10.2026, Oct 2026, 2026-W40 and 2026-Q4 by itself",
        where=f"{dialect.path.name}, line {dialect.header_line}",
        fix="name the column that holds the dates with --map date=<column>, or state the "
        "format, e.g. --date-format %d.%m.%y for 01.10.26",
    )


def _parse(
    cells: pd.DataFrame, dialect: Dialect, options: KpiOptions, dates_in: str
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Parsed observations (rn, date, label, metric, segment, value, percent, currency), rejects,
    and how numbers and dates were read; dates_in says where the dates are, for messages."""
    where = dialect.path.name
    # Masks are cast to bool: on no cells, map gives an object array, which would select columns.
    cells = cells[~cells["raw_value"].map(is_null).astype(bool)]
    problems: list[pd.DataFrame] = []
    missing_label = cells["label"].map(is_null).astype(bool)
    problems.append(_problem(cells[missing_label], "missing metric name", "label"))
    cells = cells[~missing_label]
    try:
        fmt, read = date_format(cells["raw_date"].dropna().astype(str), options.date_format)
    except AmbiguousDates as exc:
        day_first, month_first = exc.formats
        raise OkrlensError(
            f"{dialect.path.name}: {exc}",
            where=where,
            fix=f"state the format, e.g. --date-format {day_first} (day first) or {month_first} "
            "(month first)",
        ) from None
    if not read and not cells.empty:
        raise _no_dates(dialect, cells, dates_in)
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
    with _table_alone(chosen_dialect(path, options)) as dialect:
        facts = file_facts(dialect, max_bytes=max_bytes or max_file_bytes())
        report = ledger.IngestReport(
            kind="kpis",
            file_name=name,
            sha256=sha256 or file_sha256(path),
            dialect=dialect.describe(),
            part=ledger.part_read(dialect),
        )
        return ledger.ingest_once(
            con,
            report,
            lambda: _load(con, dialect, facts, report, options, allow_rejects, dry_run),
            user=user,
            dry_run=dry_run,
            on_commit=on_commit,
        )


@contextmanager
def _table_alone(dialect: Dialect) -> Iterator[Dialect]:
    """dialect, reading a copy of the file cut after its table when other tables follow it.

    The copy keeps every line before the table, so line numbers stay the file's own.
    """
    if dialect.end is None:
        yield dialect
        return
    opener = gzip.open if dialect.compression == "gzip" else open
    with opener(dialect.path, "rb") as stream:  # the next table starts inside the head
        kept = b"".join(stream.read(HEAD_BYTES).splitlines(keepends=True)[: dialect.end])
    with tempfile.TemporaryDirectory(prefix="okrlens-table-") as folder:
        copy = Path(folder) / dialect.path.name
        copy.write_bytes(kept)
        yield replace(dialect, path=copy, compression="none")


def _load(
    con: duckdb.DuckDBPyConnection,
    dialect: Dialect,
    facts: FileFacts,
    report: ledger.IngestReport,
    options: KpiOptions,
    allow_rejects: bool,
    dry_run: bool,
) -> None:
    """Stage, understand, check and store one KPI table into report (inside the ingest's
    transaction); raises IngestRejected for rejected lines unless they are allowed."""
    name = report.file_name
    staged = stage(con, dialect, facts=facts)
    if staged.rows * len(dialect.columns) > MAX_KPI_CELLS:
        raise OkrlensError(
            f"{name} has {staged.rows:,} rows × {len(dialect.columns)} columns, more than a KPI "
            f"export should ({MAX_KPI_CELLS:,} cells)",
            where=name,
            fix="if this is a product-event log, ingest it with `okrlens ingest events`",
        )
    if staged.rows == 0:  # the reader rejected every line: nothing to understand
        report.rejects = _by_line(physical_lines(dialect, staged.rejects))
        report.rows_rejected = len(report.rejects)
        if dry_run:
            return
        raise ledger.IngestRejected(report)
    frame = db.query(con, "SELECT * FROM staged ORDER BY rn")
    shape, roles = detect_shape(dialect, frame, options)
    report.shape = shape
    ignored = _ignored(dialect, options)
    text = _text_columns(frame.drop(columns=sorted(ignored)), shape, roles)
    totals = _totals(frame, shape, roles)
    frame = frame[~frame["rn"].isin(totals)]
    labels = dict(zip(dialect.columns, dialect.header, strict=True))
    dates_in = (
        "across the header"
        if shape == "wide_by_metric"
        else f"in the date column {labels[roles['date']]!r}"
    )
    good, problems, reading = _parse(
        _cells(dialect, frame, shape, roles, ignored | text.keys()), dialect, options, dates_in
    )
    report.dialect = "; ".join([report.dialect, reading, *_notes(dialect, roles, staged, totals)])
    problems = pd.concat([problems, _duplicate_keys(good)], ignore_index=True)
    report.rejects = _by_line(physical_lines(dialect, staged.all_rejects(problems)))
    good = good[~good["rn"].isin(set(problems["rn"]))]
    # Counted in lines, as the analyst sees the file: a wide line holds several values.
    report.rows_rejected = len(report.rejects)
    report.rows_read = good["rn"].nunique()
    report.columns = (
        _understood(shape, roles, labels, good)
        | {labels[c]: "left out, as asked" for c in ignored}
        | {labels[c]: f"left out: text, not numbers (e.g. {ex!r})" for c, ex in text.items()}
    )
    if report.rows_rejected and not allow_rejects and not dry_run:
        raise ledger.IngestRejected(report)
    if good.empty:
        raise OkrlensError(
            f"{name} holds no values to ingest",
            where=name,
            fix="export a range that contains data",
        )
    report.kpis = tuple(sorted(good["metric"].unique()))
    report.coverage = file_coverage(
        rows_span(list(good["date"])),
        declared=dialect.declared,
        through=options.through,
        ingested=dt.datetime.now(dt.UTC).date(),
        where=name,
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


def _notes(dialect: Dialect, roles: dict[str, str], staged: Staged, totals: pd.Series) -> list[str]:
    """What the analyst should know about how the table was read, beyond its dialect."""
    notes = []
    if roles.get("date") in PERIOD_INDEXES and dialect.declared:
        notes.append(f"{PERIOD_INDEXES[roles['date']]}s counted from {dialect.declared[0]}")
    if not totals.empty:
        notes.append(f"totals row skipped (line {', '.join(map(str, staged.line_of(totals)))})")
    return notes


def _by_line(rejects: pd.DataFrame) -> pd.DataFrame:
    """rejects with one row per line: its bad cells' columns, values and reasons together."""
    if rejects.empty:
        return rejects

    def joined(values: pd.Series, sep: str) -> object:
        """The distinct values in order, joined; the value itself when there is one."""
        kept = list(dict.fromkeys(v for v in values if isinstance(v, str)))
        return sep.join(kept) if len(kept) != 1 else kept[0]

    return (
        rejects.groupby("line", sort=True)
        .agg(
            column_name=("column_name", lambda v: joined(v, ", ") or None),
            value=("value", lambda v: joined(v, " | ") or None),
            reason=("reason", lambda v: joined(v, "; ")),
        )
        .reset_index()[REJECT_COLUMNS]
    )


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
