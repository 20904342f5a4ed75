"""DuckDB SQL from a checked expression: the same answers as the scalar form.

- Every compound part is parenthesised, so precedence never depends on DuckDB's rules.
- Text literals are single-quoted with quotes doubled; DuckDB reads backslashes literally,
  and the checker has refused control characters, so no literal can end the string early.
- Numbers are written as plain decimal literals (0.1, never 1e-1): DuckDB reads them as
  exact DECIMAL(p, s), which mixes with DECIMAL(38, 6) and BIGINT columns without loss.
- `a / b` is `a / NULLIF(b, 0)`: no data rather than an error or infinity. The quotient is
  exact to 12 places (`kpiengine.numeric.exact_divide`: DuckDB itself would divide in
  DOUBLE). `**` is DuckDB's power(), a DOUBLE: it agrees with the scalar Decimals to about
  15 digits, not exactly.
- min/max/clamp give NULL when any argument is NULL (DuckDB's least/greatest skip NULLs).
- round(x, n) returns DECIMAL(38, 6), the engine's column type (see bounds.SQL_DECIMAL).
- Known limit: where DuckDB needs one type for several decimals (min, max, clamp, coalesce,
  `if … else`), it keeps 38 digits with the integer part first, so a value with more than
  6 decimals meeting a DECIMAL(38, 6) column is rounded to 6 decimals there.
- `//` and `%` are refused by the checker: on DOUBLE columns DuckDB's answers would not
  match Decimal arithmetic (0.3 % 0.1), so no single meaning could hold in both forms.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from decimal import Decimal

from kpiengine.expressions.allowlist import BINARY, COMPARISONS
from kpiengine.expressions.failure import Refusal
from kpiengine.expressions.function import SqlArg
from kpiengine.expressions.functions import FunctionTable
from kpiengine.expressions.names import dotted
from kpiengine.numeric import exact_divide
from kpiengine.numeric import number_literal as exact_literal

Column = Callable[[str], str]
_SQL_COMPARISONS = {**COMPARISONS, ast.Eq: "=", ast.NotEq: "<>", ast.In: "IN", ast.NotIn: "NOT IN"}


def quote_identifier(name: str) -> str:
    """A DuckDB identifier for any field name: `"amount"`, `"销售额"`, `"a""b"`."""
    return '"' + name.replace('"', '""') + '"'


def quote_text(text: str) -> str:
    """A DuckDB string literal; the checker has already refused control characters."""
    return "'" + text.replace("'", "''") + "'"


def number_literal(value: int | float | Decimal) -> str:
    """An exact decimal literal: 0.1 stays DECIMAL(2, 1) in DuckDB rather than a DOUBLE."""
    return exact_literal(value if isinstance(value, Decimal) else Decimal(repr(value)))


Divide = Callable[[str, str], str]
"""Renders `left / right` (right already NULL where it was 0)."""


def plain_division(left: str, right: str) -> str:
    """DuckDB's own `/`: a DOUBLE. Only for callers that want one; the default is exact."""
    return f"({left} / {right})"


def to_sql(
    statement: ast.AST, table: FunctionTable, column: Column, divide: Divide = exact_divide
) -> str:
    """DuckDB SQL for a checked expression statement; `column(name)` quotes a field.

    `divide` renders divisions: by default an exact decimal quotient at 12 places
    (`kpiengine.numeric.exact_divide`), since DuckDB would divide decimals in DOUBLE.
    """
    assert isinstance(statement, ast.Expr)
    return _Compiler(table, column, divide).sql(statement.value)


def where_sql(sql: str) -> str:
    """A row filter: a condition that is NULL (unknown) keeps no rows."""
    return f"COALESCE({sql}, FALSE)"


class _Compiler:
    def __init__(self, table: FunctionTable, column: Column, divide: Divide) -> None:
        self.table = table
        self.column = column
        self.divide = divide

    def sql(self, node: ast.expr) -> str:
        if isinstance(node, ast.Constant):
            return _constant(node.value)
        if isinstance(node, ast.Name):
            return self.column(node.id)
        if isinstance(node, ast.Attribute):
            return self.column(dotted(node))
        return self.compound(node)

    def compound(self, node: ast.expr) -> str:
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.UnaryOp):
            return self.unaryop(node)
        if isinstance(node, ast.BoolOp):
            word = " AND " if isinstance(node.op, ast.And) else " OR "
            return "(" + word.join(self.sql(v) for v in node.values) + ")"
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.IfExp):
            test, body, orelse = (self.sql(n) for n in (node.test, node.body, node.orelse))
            return f"(CASE WHEN {test} THEN {body} ELSE {orelse} END)"
        if isinstance(node, ast.Call):
            return self.call(node)
        raise AssertionError(f"not allow-listed: {ast.dump(node)}")  # the checker ran first

    def binop(self, node: ast.BinOp) -> str:
        left, right = self.sql(node.left), self.sql(node.right)
        if isinstance(node.op, ast.Div):
            return self.divide(left, f"NULLIF({right}, 0)")
        if isinstance(node.op, ast.Pow):
            return f"power({left}, {right})"
        return f"({left} {BINARY[type(node.op)]} {right})"

    def unaryop(self, node: ast.UnaryOp) -> str:
        operand = self.sql(node.operand)
        if isinstance(node.op, ast.Not):
            return f"(NOT {operand})"
        # The space matters: "--" would start an SQL comment.
        return f"({'-' if isinstance(node.op, ast.USub) else '+'} {operand})"

    def compare(self, node: ast.Compare) -> str:
        parts = []
        left = self.sql(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = (
                self.items(comparator)
                if isinstance(op, ast.In | ast.NotIn)
                else self.sql(comparator)
            )
            parts.append(f"({left} {_SQL_COMPARISONS[type(op)]} {right})")
            left = right
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def items(self, node: ast.expr) -> str:
        assert isinstance(node, ast.Tuple | ast.List)
        return "(" + ", ".join(self.sql(e) for e in node.elts) + ")"

    def call(self, node: ast.Call) -> str:
        assert isinstance(node.func, ast.Name)
        function = self.table.get(node.func.id)
        assert function is not None
        if function.sql is None:
            raise Refusal(f"{function.origin()} has no database form; it cannot run as SQL")
        return function.sql([self.argument(arg) for arg in node.args])

    def argument(self, node: ast.expr) -> SqlArg:
        constant = _literal(node)
        return SqlArg(
            self.sql(node),
            plain=constant or isinstance(node, ast.Name | ast.Attribute),
            maybe_null=not constant,
        )


def _literal(node: ast.expr) -> bool:
    """A constant other than None (a negative number included)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and node.value is not None


def _constant(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return quote_text(value)
    assert isinstance(value, int | float)
    return number_literal(value)
