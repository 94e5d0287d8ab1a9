"""User-written SQL fragments (metric filters and columns), parsed and checked, never pasted.

A fragment is parsed with sqlglot into a syntax tree; every node must be on an allow-list and
every column must exist in the metric's source. The tree is then rendered back to SQL, so what
runs is what was validated, in the dialect of the engine that runs it. A derived metric's
formula is parsed the same way, against a far smaller allow-list, and never becomes SQL.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from pipelines.errors import OkrlensError
from pipelines.metrics.sources import PROPERTIES, SOURCE_COLUMNS, property_value

# Comparisons, boolean logic, literals, property look-ups and a few pure scalar functions:
# enough for any filter an analyst writes, nothing that reads other tables or has side effects.
_ALLOWED: tuple[type[exp.Expr], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Paren,
    exp.Tuple,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.And,
    exp.Or,
    exp.Not,
    exp.Neg,
    exp.In,
    exp.Between,
    exp.Like,
    exp.ILike,
    exp.Is,
    exp.Bracket,
    exp.Cast,
    exp.DataType,
    exp.Lower,
    exp.Upper,
    exp.Trim,
    exp.Length,
    exp.Coalesce,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Abs,
    exp.Round,
    exp.Extract,
    exp.Var,
    exp.DataTypeParam,
)

# Node types that carry raw text which sqlglot renders back verbatim: each is allowed only in
# the one position, and with the closed set of values, that a filter needs.
_TYPES = frozenset(
    {
        exp.DataType.Type.BOOLEAN,
        exp.DataType.Type.SMALLINT,
        exp.DataType.Type.INT,
        exp.DataType.Type.BIGINT,
        exp.DataType.Type.FLOAT,
        exp.DataType.Type.DOUBLE,
        exp.DataType.Type.DECIMAL,
        exp.DataType.Type.TEXT,
        exp.DataType.Type.VARCHAR,
        exp.DataType.Type.DATE,
        exp.DataType.Type.TIMESTAMP,
        exp.DataType.Type.TIMESTAMPTZ,
    }
)
_UNITS = frozenset(
    {"YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "DOW", "ISODOW", "DOY", "HOUR", "MINUTE", "EPOCH"}
)
_TYPE_NAMES = "BOOLEAN, SMALLINT, INTEGER, BIGINT, FLOAT, DOUBLE, DECIMAL(p, s), VARCHAR, DATE, TIMESTAMP, TIMESTAMPTZ"


def checked_expression(text: str, source: str, *, where: str) -> exp.Expr:
    """The syntax tree of text, a scalar SQL expression over source's columns; OkrlensError if not."""
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except SqlglotError as exc:
        raise OkrlensError(
            f"cannot parse {text!r}: {_first_problem(exc)}",
            where=where,
            fix="write a SQL expression such as event_name = 'workflow_completed'",
        ) from None
    for node in tree.walk():
        if not isinstance(node, _ALLOWED):
            raise OkrlensError(
                f"{text!r} uses {type(node).__name__}, which metric expressions may not contain",
                where=where,
                fix="use comparisons, AND/OR/NOT, IN, LIKE, BETWEEN, literals and source columns",
            )
        _check_raw_text(node, text, where)
    known = SOURCE_COLUMNS[source]
    for column in tree.find_all(exp.Column):
        if column.table or column.name not in known:
            raise OkrlensError(
                f"{text!r} refers to {column.sql()!r}, which is not a column of {source}",
                where=where,
                fix=f"use one of: {', '.join(sorted(known))}"
                + (" (event properties as properties['name'])" if source == "events" else ""),
            )
    rendered = tree.sql(dialect="duckdb")
    if sqlglot.parse_one(rendered, read="duckdb").sql(dialect="duckdb") != rendered:
        # Belt and braces: text that does not read back as itself was not what we checked.
        raise OkrlensError(
            f"{text!r} does not render back to the same expression",
            where=where,
            fix="simplify the expression; quote text values with single quotes",
        )
    return tree.transform(_property_lookup)


def _check_raw_text(node: exp.Expr, text: str, where: str) -> None:
    """OkrlensError unless node's raw text (type names, units, identifiers) is from a closed set."""
    if isinstance(node, exp.DataType) and (node.this not in _TYPES or node.args.get("nested")):
        raise OkrlensError(
            f"{text!r} casts to {node.sql()!r}, which metric expressions may not use",
            where=where,
            fix=f"cast to one of: {_TYPE_NAMES}",
        )
    if isinstance(node, exp.DataTypeParam) and not (
        isinstance(node.this, exp.Literal)
        and not node.this.is_string
        and node.this.name.isdigit()
        and node.expression is None
    ):
        raise OkrlensError(
            f"{text!r} gives a type parameter that is not a whole number",
            where=where,
            fix="write a type such as DECIMAL(18, 2)",
        )
    if isinstance(node, exp.Var) and not (
        isinstance(node.parent, exp.Extract) and node.arg_key == "this" and node.name in _UNITS
    ):
        raise OkrlensError(
            f"{text!r} uses {node.name!r} where a date part is expected",
            where=where,
            fix=f"extract one of: {', '.join(sorted(_UNITS))}",
        )
    if isinstance(node, exp.Identifier) and not isinstance(node.parent, exp.Column):
        raise OkrlensError(
            f"{text!r} uses the name {node.name!r} outside a column reference",
            where=where,
            fix="refer to source columns by name, and to event properties as properties['name']",
        )


def _property_lookup(node: exp.Expr) -> exp.Expr:
    """node, or the JSON text lookup it means when it is properties['name']."""
    if (
        isinstance(node, exp.Bracket)
        and isinstance(node.this, exp.Column)
        and node.this.name == PROPERTIES
        and len(node.expressions) == 1
        and isinstance(node.expressions[0], exp.Literal)
        and node.expressions[0].is_string
    ):
        return property_value(node.this, node.expressions[0].this)
    return node


def _first_problem(exc: SqlglotError) -> str:
    """The first thing sqlglot could not parse (or tokenise: an unclosed quote), in its words."""
    if isinstance(exc, ParseError) and exc.errors:
        return str(exc.errors[0]["description"])
    return "a quote or bracket is not closed"


# Arithmetic over metric names and numbers: a formula reads other metrics' values, nothing else.
_FORMULA: tuple[type[exp.Expr], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Paren,
    exp.Neg,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
)
_FORMULA_FIX = "write arithmetic over metric names and numbers, e.g. mrr - churned_mrr"


def formula(text: str) -> exp.Expr:
    """The syntax tree of text, + - * / and parentheses over metric names and numbers.

    ValueError (raised inside metrics.yaml validation, which names the metric) if it is not.

    Example:
        >>> formula("(mrr - churned_mrr) / 2").sql()
        '(mrr - churned_mrr) / 2'
        >>> formula("sum(mrr)")
        Traceback (most recent call last):
        ...
        ValueError: expr 'sum(mrr)' uses 'SUM(mrr)': write arithmetic over metric names and numbers, e.g. mrr - churned_mrr
    """
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except SqlglotError as exc:
        raise ValueError(
            f"cannot parse expr {text!r}: {_first_problem(exc)}; {_FORMULA_FIX}"
        ) from None
    for node in tree.walk():
        if (
            not isinstance(node, _FORMULA)
            or (isinstance(node, exp.Literal) and node.is_string)
            or (isinstance(node, exp.Column) and node.table)
            or (isinstance(node, exp.Identifier) and not isinstance(node.parent, exp.Column))
        ):
            raise ValueError(f"expr {text!r} uses {node.sql()!r}: {_FORMULA_FIX}")
    if tree.find(exp.Column) is None:
        raise ValueError(f"expr {text!r} refers to no metric: {_FORMULA_FIX}")
    return tree
