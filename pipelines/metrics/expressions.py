"""User-written SQL fragments (metric filters and columns), parsed and checked, never pasted.

A fragment is parsed with sqlglot into a syntax tree; every node must be on an allow-list and
every column must exist in the metric's source. The tree is then rendered back to SQL, so what
runs is what was validated, in the dialect of the engine that runs it.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from pipelines.errors import OkrlensError

SOURCE_COLUMNS: dict[str, frozenset[str]] = {
    "events": frozenset({"event_time", "user_id", "account_id", "event_name", "properties"}),
    "kpis": frozenset({"date", "metric", "segment", "value"}),
}

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


def checked_expression(text: str, source: str, *, where: str) -> exp.Expr:
    """The syntax tree of text, a scalar SQL expression over source's columns; OkrlensError if not."""
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except ParseError as exc:
        first = exc.errors[0]["description"] if exc.errors else str(exc)
        raise OkrlensError(
            f"cannot parse {text!r}: {first}",
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
    known = SOURCE_COLUMNS[source]
    for column in tree.find_all(exp.Column):
        if column.table or column.name not in known:
            raise OkrlensError(
                f"{text!r} refers to {column.sql()!r}, which is not a column of {source}",
                where=where,
                fix=f"use one of: {', '.join(sorted(known))}"
                + (" (event properties as properties['name'])" if source == "events" else ""),
            )
    return tree.transform(_property_lookup)


def _property_lookup(node: exp.Expr) -> exp.Expr:
    """properties['name'] as a JSON text lookup, so it compares like any string column."""
    if (
        isinstance(node, exp.Bracket)
        and isinstance(node.this, exp.Column)
        and node.this.name == "properties"
        and len(node.expressions) == 1
        and isinstance(node.expressions[0], exp.Literal)
        and node.expressions[0].is_string
    ):
        key = node.expressions[0].this
        return exp.JSONExtractScalar(
            this=node.this,
            expression=exp.JSONPath(expressions=[exp.JSONPathRoot(), exp.JSONPathKey(this=key)]),
        )
    return node


def render(tree: exp.Expr, dialect: str = "duckdb") -> str:
    """The SQL text of a checked tree in dialect."""
    return tree.sql(dialect=dialect)
