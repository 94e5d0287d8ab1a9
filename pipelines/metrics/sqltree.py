"""SQL as syntax trees: the node builders metric queries are made of, and the one renderer.

Every builder makes sqlglot nodes directly: names become quoted identifier nodes, never text,
and nothing is parsed or copied (sqlglot's chained builders deep-copy the tree at each step,
which would cost more than the queries take to run). ``render`` is the only place an engine
is named: the same tree becomes DuckDB's SQL or Spark's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlglot import exp


def render(tree: exp.Expr, dialect: str = "duckdb") -> str:
    """The SQL text of a tree in dialect.

    Example:
        >>> render(select([column("user_id")], table("events")), "spark")
        'SELECT `user_id` FROM `events`'
    """
    return tree.sql(dialect=dialect)


def column(name: str, table: str | None = None) -> exp.Column:
    """A reference to column name (of table)."""
    return exp.column(name, table, quoted=True)


def named(node: exp.Expr, name: str) -> exp.Expr:
    """node AS name."""
    return exp.alias_(node, name, quoted=True, copy=False)


def table(name: str, alias: str | None = None) -> exp.Table:
    """A reference to table (or CTE) name, AS alias."""
    return exp.table_(name, quoted=True, alias=exp.to_identifier(alias, quoted=True))


def subquery(query: exp.Select, name: str) -> exp.Subquery:
    """(query) AS name."""
    return exp.Subquery(this=query, alias=_alias(name))


def cross_join(source: exp.Expr) -> exp.Join:
    """CROSS JOIN source."""
    return exp.Join(this=source, kind="CROSS")


def left_join(source: exp.Expr, on: exp.Expr) -> exp.Join:
    """LEFT JOIN source ON on."""
    return exp.Join(this=source, side="LEFT", on=on)


def ordered(*columns: exp.Expr) -> list[exp.Ordered]:
    """columns in ascending order, nulls last: DuckDB's default, spelled out for other engines."""
    return [exp.Ordered(this=c, nulls_first=False) for c in columns]


def select(
    columns: Sequence[exp.Expr],
    source: exp.Expr,
    *,
    joins: Sequence[exp.Join] = (),
    where: Sequence[exp.Expr] = (),
    group: Sequence[exp.Expr] = (),
    order: Sequence[exp.Expr] = (),
    ctes: Mapping[str, exp.Query] | None = None,
    distinct: bool = False,
) -> exp.Select:
    """[WITH ctes] SELECT [DISTINCT] columns FROM source [joins] [WHERE, GROUP BY, ORDER BY]."""
    return exp.Select(
        with_=exp.With(expressions=[exp.CTE(this=q, alias=_alias(n)) for n, q in ctes.items()])
        if ctes
        else None,
        distinct=exp.Distinct() if distinct else None,
        expressions=list(columns),
        from_=exp.From(this=source),
        joins=list(joins) or None,
        where=exp.Where(this=exp.and_(*where, copy=False)) if where else None,
        group=exp.Group(expressions=list(group)) if group else None,
        order=exp.Order(expressions=ordered(*order)) if order else None,
    )


def date(node: exp.Expr) -> exp.Expr:
    """node cast to DATE."""
    return exp.Cast(this=node, to=exp.DataType(this=exp.DataType.Type.DATE))


def later(day: exp.Expr, count: int | exp.Expr, unit: str) -> exp.Expr:
    """The DATE count units (DAY, WEEK, MONTH) after day."""
    amount = exp.Literal.number(count) if isinstance(count, int) else count
    return date(exp.DateAdd(this=day, expression=amount, unit=exp.var(unit)))


def _alias(name: str) -> exp.TableAlias:
    """The name of a CTE or subquery."""
    return exp.TableAlias(this=exp.to_identifier(name, quoted=True))
