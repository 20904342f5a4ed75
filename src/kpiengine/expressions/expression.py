"""A ruleset expression, compiled once: checked, with its names, ready for the plan's SQL."""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from kpiengine.expressions import scalar, sql
from kpiengine.expressions.allowlist import check
from kpiengine.expressions.failure import ExpressionFailure, Refusal
from kpiengine.expressions.functions import DEFAULT_FUNCTIONS, FunctionTable
from kpiengine.expressions.kinds import ExpressionKind, Kind
from kpiengine.expressions.names import functions_of, names_of
from kpiengine.expressions.parse import parse
from kpiengine.expressions.values import Value
from kpiengine.numeric import exact_divide


@dataclass(frozen=True)
class Expression:
    """A checked expression. Build it with `compile_expression`, not directly.

    `names` holds every variable it reads (`amount`, `revenue.actual`), `functions` every
    function it calls, `value_kind` what it gives where that is known before any data
    ("number", "text", "bool", "date", "null" or "any").
    """

    text: str
    kind: ExpressionKind
    tree: ast.AST = field(compare=False, repr=False)
    names: frozenset[str]
    functions: frozenset[str]
    value_kind: Kind = "any"
    rule: str = ""
    table: FunctionTable = field(default=DEFAULT_FUNCTIONS, compare=False, repr=False)

    @property
    def node(self) -> ast.AST:
        """The expression's own node (the parsed statement unwrapped)."""
        return self.tree.value if isinstance(self.tree, ast.Expr) else self.tree

    def evaluate(self, names: Mapping[str, object]) -> Value:
        """The value for one set of names, given flat: {"amount": 3, "revenue.actual": …}.

        Numbers come back as Decimal; None means no data. Raises ExpressionError naming
        the rule when a value is missing or the calculation fails (text + number, …).
        Values of other Python types than Decimal/int/float/str/bool/None/date raise
        TypeError: no ruleset can produce them.
        """
        try:
            return scalar.evaluate(self.tree, self.text, self.table, self.names, names)
        except Refusal as refusal:
            raise ExpressionFailure(self.rule, self.text, str(refusal)) from refusal.__cause__

    def to_sql(self, column: Callable[[str], str], divide: sql.Divide = exact_divide) -> str:
        """A DuckDB SQL expression; `column(name)` returns the quoted SQL for a field name
        (`sql.quote_identifier` quotes one). Dotted names are passed whole: "revenue.actual".
        """
        try:
            return sql.to_sql(self.tree, self.table, column, divide)
        except Refusal as refusal:
            raise ExpressionFailure(self.rule, self.text, str(refusal)) from None


def compile_expression(
    text: str,
    *,
    kind: ExpressionKind,
    functions: FunctionTable | None = None,
    rule: str = "",
    names: Mapping[str, Kind] | None = None,
) -> Expression:
    """Parse with simpleeval's parser, check against the allow-list and the bounds.

    `kind` "row" reads one record's fields by bare name; "result" also allows
    `indicator.field` (actual, target, attainment, weight, score) and plugin functions
    without an SQL form. `names` gives the kinds of names known before any data
    ({"revenue.actual": "number", "grade": "text"}): mixing kinds is then refused here
    (`grade + 1`, `revenue.actual and …`). Raises ExpressionError naming `rule` (e.g.
    "indicators[2].actual.where"), showing the text and saying what is wrong.
    """
    if kind not in ("row", "result"):
        raise ValueError(f"kind must be 'row' or 'result', not {kind!r}")
    table = DEFAULT_FUNCTIONS if functions is None else functions
    try:
        statement = parse(text)
        value_kind = check(statement, kind=kind, table=table, names=names)
    except Refusal as refusal:
        raise ExpressionFailure(rule, str(text), str(refusal)) from None
    return Expression(
        text=text,
        kind=kind,
        tree=statement,
        names=names_of(statement),
        functions=functions_of(statement),
        value_kind=value_kind,
        rule=rule,
        table=table,
    )


def where_sql(expression: Expression, column: Callable[[str], str]) -> str:
    """A row filter in SQL: `COALESCE((expr), FALSE)`, so an unknown condition keeps no row."""
    return sql.where_sql(expression.to_sql(column))
