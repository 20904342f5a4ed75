"""The allow-list: which syntax an expression may use, checked before anything runs.

Everything not listed here is refused with a reason in plain words. The checker also
works out each part's kind where it is fixed (a number literal, a comparison) so that
`'a' * 3` or `'won' + 1` are refused before any data is read.
"""

from __future__ import annotations

import ast
import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from kpiengine.expressions.bounds import MAX_CONSTANT_DIGITS, MAX_EXPONENT, MAX_STRING
from kpiengine.expressions.failure import Refusal
from kpiengine.expressions.function import Function
from kpiengine.expressions.functions import FunctionTable
from kpiengine.expressions.kinds import (
    INDICATOR_FIELDS,
    KIND_WORDS,
    ExpressionKind,
    Kind,
    known,
    unify,
)
from kpiengine.expressions.names import dotted
from kpiengine.suggest import did_you_mean

BINARY: dict[type[ast.AST], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}
COMPARISONS: dict[type[ast.AST], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}

_NO_NONE = (
    "comparing with None never gives true or false; for a missing value use coalesce(x, default)"
)
_REFUSED_OPERATORS: dict[type[ast.AST], str] = {
    ast.FloorDiv: "'//' is not allowed (the database cannot compute it the same way); "
    "use round(a / b) instead",
    ast.Mod: "'%' is not allowed (the database cannot compute it the same way)",
    ast.BitAnd: "'&' is not allowed; to require both conditions write 'and'",
    ast.BitOr: "'|' is not allowed; to accept either condition write 'or'",
    ast.BitXor: "'^' is not allowed; for a power write '**'",
    ast.LShift: "'<<' is not allowed",
    ast.RShift: "'>>' is not allowed",
    ast.MatMult: "'@' is not allowed",
    ast.Invert: "'~' is not allowed; to negate a condition write 'not'",
    ast.Is: "'is' is not allowed; for a missing value use coalesce(x, default)",
    ast.IsNot: "'is not' is not allowed; for a missing value use coalesce(x, default)",
}
_COMPREHENSION = "comprehensions ('… for … in …') are not allowed"
_LIST = "a list is allowed only after 'in', e.g. stage in ('won', 'closed')"
_REFUSED_NODES: dict[type[ast.AST], str] = {
    ast.Subscript: "indexing with [ ] is not allowed",
    ast.Slice: "slices ([a:b]) are not allowed",
    ast.ListComp: _COMPREHENSION,
    ast.SetComp: _COMPREHENSION,
    ast.DictComp: _COMPREHENSION,
    ast.GeneratorExp: _COMPREHENSION,
    ast.Lambda: "'lambda' is not allowed",
    ast.JoinedStr: "f-strings are not allowed (a feedback message uses {…} fields instead)",
    ast.FormattedValue: "f-strings are not allowed",
    ast.NamedExpr: "':=' is not allowed",
    ast.Starred: "'*' unpacking is not allowed",
    ast.Set: "sets ({…}) are not allowed",
    ast.Dict: "dictionaries ({…: …}) are not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
    ast.Tuple: _LIST,
    ast.List: _LIST,
}


def check(
    statement: ast.Expr,
    *,
    kind: ExpressionKind,
    table: FunctionTable,
    names: Mapping[str, Kind] | None = None,
) -> Kind:
    """Refuse (raise Refusal) anything outside the allow-list; return the value's kind.

    `names` gives the kind of the names whose kind is known before any data (`revenue.actual`
    is a number, `grade` text); any other name is "any". Call after `parse`: its bounds keep
    this recursion shallow.
    """
    return _Checker(kind, table, names or {}).visit(statement.value)


class _Checker:
    def __init__(
        self, kind: ExpressionKind, table: FunctionTable, names: Mapping[str, Kind]
    ) -> None:
        self.kind = kind
        self.table = table
        self.names = names

    def visit(self, node: ast.expr) -> Kind:
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise Refusal(_refused_node(node))
        return handler(self, node)

    def number_operand(self, node: ast.expr, symbol: str, op: ast.AST | None = None) -> None:
        kind = self.visit(node)
        if kind == "text" and isinstance(op, ast.Mult):
            raise Refusal("multiplying text is not allowed")
        if kind == "text" and isinstance(op, ast.Add):
            raise Refusal("'+' works on numbers; joining text is not allowed")
        if known(kind) and kind != "number":
            raise Refusal(f"'{symbol}' works on numbers, not on {KIND_WORDS[kind]}")

    def condition(self, node: ast.expr, word: str) -> None:
        kind = self.visit(node)
        if known(kind) and kind != "bool":
            raise Refusal(f"'{word}' needs a true/false value, not {KIND_WORDS[kind]}")

    def binop(self, node: ast.BinOp) -> Kind:
        symbol = _operator(node.op, BINARY)
        self.number_operand(node.left, symbol, node.op)
        self.number_operand(node.right, symbol, node.op)
        if isinstance(node.op, ast.Pow):
            _check_exponent(node.right)
        return "number"

    def unaryop(self, node: ast.UnaryOp) -> Kind:
        if isinstance(node.op, ast.Not):
            self.condition(node.operand, "not")
            return "bool"
        symbol = _operator(node.op, {ast.USub: "-", ast.UAdd: "+"})
        self.number_operand(node.operand, symbol)
        return "number"

    def boolop(self, node: ast.BoolOp) -> Kind:
        word = "and" if isinstance(node.op, ast.And) else "or"
        for value in node.values:
            self.condition(value, word)
        return "bool"

    def compare(self, node: ast.Compare) -> Kind:
        operands = [node.left, *node.comparators]
        if len(operands) > 2 and not all(_plain(n) for n in operands[1:-1]):
            raise Refusal(
                "in a chained comparison like 0 < x < 1 the middle value must be a name or number"
            )
        left = self.visit(node.left)
        for op, right in zip(node.ops, node.comparators, strict=True):
            left = self.comparison(op, left, right)
        return "bool"

    def comparison(self, op: ast.cmpop, left: Kind, right: ast.expr) -> Kind:
        symbol = _operator(op, COMPARISONS)
        kind = self.in_list(right) if isinstance(op, ast.In | ast.NotIn) else self.visit(right)
        if "null" in (left, kind):
            raise Refusal(_NO_NONE)
        if known(left) and known(kind) and left != kind and {left, kind} != {"date", "text"}:
            raise Refusal(
                f"cannot compare {KIND_WORDS[left]} with {KIND_WORDS[kind]} using '{symbol}'"
            )
        return kind

    def in_list(self, node: ast.expr) -> Kind:
        if not isinstance(node, ast.Tuple | ast.List):
            raise Refusal(
                "after 'in' write a list of values, e.g. stage in ('won', 'closed'); "
                "to look for text inside text use contains(text, part)"
            )
        if not node.elts:
            raise Refusal("the list after 'in' is empty")
        if not all(_constant(e) for e in node.elts):
            raise Refusal("the list after 'in' may hold only fixed values such as 'won' or 3")
        kinds = [self.visit(e) for e in node.elts]
        if "null" in kinds:
            raise Refusal(_NO_NONE)
        common = unify(kinds)
        if common is None:
            raise Refusal("the values in the list after 'in' must all be text or all numbers")
        return common

    def ifexp(self, node: ast.IfExp) -> Kind:
        self.condition(node.test, "if")
        kinds = [self.visit(node.body), self.visit(node.orelse)]
        common = unify(kinds)
        if common is None:
            raise Refusal(
                "both results of '… if … else …' must be the same kind of value, not "
                f"{KIND_WORDS[kinds[0]]} and {KIND_WORDS[kinds[1]]}"
            )
        return common

    def call(self, node: ast.Call) -> Kind:
        name = _function_name(node)
        function = self.table.get(name)
        if function is None:
            raise Refusal(f"unknown function '{name}'{did_you_mean(name, self.table.names())}")
        kinds = [self.argument(name, function.params, arg) for arg in node.args]
        _check_arity(function, len(node.args))
        if function.sql is None and self.kind == "row":
            raise Refusal(
                f"{function.origin()} has no database form, so it can be used only in "
                "indicator-level expressions, not on records"
            )
        if function.check is not None:
            function.check(node.args)
        return function.returns or _same_kind(name, kinds)

    def argument(self, name: str, wanted: Kind, node: ast.expr) -> Kind:
        kind = self.visit(node)
        if wanted != "any" and known(kind) and kind != wanted:
            raise Refusal(f"{name}() works on {KIND_WORDS[wanted]}, not on {KIND_WORDS[kind]}")
        return kind

    def name(self, node: ast.Name) -> Kind:
        if node.id.startswith("__"):
            raise Refusal(f"'{node.id}': names starting with '__' are not allowed")
        return self.names.get(node.id, "any")

    def attribute(self, node: ast.Attribute) -> Kind:
        if self.kind == "row":
            raise Refusal(
                "attribute access (a dot) is not allowed here: a record expression uses plain "
                "field names; indicator.field such as revenue.actual is for indicator-level "
                "expressions"
            )
        if not _indicator_reference(node):
            raise Refusal(
                "after a dot only indicator.field is allowed, e.g. revenue.actual "
                "(or group.indicator.field for a group's result, e.g. team.revenue.attainment)"
            )
        if any(part.startswith("_") for part in dotted(node).split(".")):
            raise Refusal(f"'{dotted(node)}': names starting with '_' are not allowed")
        if node.attr not in INDICATOR_FIELDS:
            hint = did_you_mean(node.attr, INDICATOR_FIELDS)
            raise Refusal(
                f"'{dotted(node)}': after the dot write one of {', '.join(INDICATOR_FIELDS)}" + hint
            )
        return self.names.get(dotted(node), "any")

    def constant(self, node: ast.Constant) -> Kind:
        value = node.value
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int | float):
            _check_number(value)
            return "number"
        if isinstance(value, str):
            _check_string(value)
            return "text"
        raise Refusal(_refused_constant(value))


_HANDLERS: dict[type[ast.AST], Callable[[_Checker, Any], Kind]] = {
    ast.BinOp: _Checker.binop,
    ast.UnaryOp: _Checker.unaryop,
    ast.BoolOp: _Checker.boolop,
    ast.Compare: _Checker.compare,
    ast.IfExp: _Checker.ifexp,
    ast.Call: _Checker.call,
    ast.Name: _Checker.name,
    ast.Attribute: _Checker.attribute,
    ast.Constant: _Checker.constant,
}


def _indicator_reference(node: ast.Attribute) -> bool:
    """indicator.field, or group.indicator.field (the middle part is not itself a field)."""
    base = node.value
    if isinstance(base, ast.Name):
        return True
    return (
        isinstance(base, ast.Attribute)
        and isinstance(base.value, ast.Name)
        and base.attr not in INDICATOR_FIELDS
    )


def _refused_node(node: ast.expr) -> str:
    return _REFUSED_NODES.get(type(node), f"'{type(node).__name__}' is not allowed here")


def _operator(op: ast.AST, allowed: dict[type[ast.AST], str]) -> str:
    symbol = allowed.get(type(op))
    if symbol is None:
        refused = _REFUSED_OPERATORS.get(type(op), f"'{type(op).__name__}' is not allowed")
        raise Refusal(refused)
    return symbol


def _function_name(node: ast.Call) -> str:
    if isinstance(node.func, ast.Attribute):
        raise Refusal(
            f"methods such as .{node.func.attr}() are not allowed; call a function by name, "
            "e.g. lower(x)"
        )
    if not isinstance(node.func, ast.Name):
        raise Refusal("only functions can be called, by name, e.g. round(x, 2)")
    if node.keywords:
        raise Refusal(
            "keyword arguments (name=value) are not allowed; give values in order, e.g. round(x, 2)"
        )
    if any(isinstance(arg, ast.Starred) for arg in node.args):
        raise Refusal("'*' unpacking is not allowed")
    return node.func.id


def _check_arity(function: Function, count: int) -> None:
    high = function.max_args
    if function.min_args <= count and (high is None or count <= high):
        return
    arity = function.arity()
    plural = "value" if arity == "1" else "values"
    raise Refusal(f"{function.name}() takes {arity} {plural}, not {count}")


def _same_kind(name: str, kinds: Sequence[Kind]) -> Kind:
    common = unify(list(kinds))
    if common is None:
        raise Refusal(f"the values given to {name}() must all be the same kind")
    return common


def _constant(node: ast.expr) -> bool:
    """A literal, or a negative number literal."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Constant) and _is_number(node.operand.value)
    return isinstance(node, ast.Constant)


def _plain(node: ast.expr) -> bool:
    """Cheap to repeat in SQL: a name, indicator.field, or a constant."""
    return isinstance(node, ast.Name | ast.Attribute) or _constant(node)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_exponent(node: ast.expr) -> None:
    value = node.value if isinstance(node, ast.Constant) else None
    if type(value) is not int or not 0 <= value <= MAX_EXPONENT:
        raise Refusal(
            f"'**' needs a power written as a whole number from 0 to {MAX_EXPONENT}, e.g. x ** 2"
        )


def _check_number(value: int | float) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise Refusal("this number is too large")
    digits = sum(c.isdigit() for c in format(Decimal(repr(value)), "f"))
    if digits > MAX_CONSTANT_DIGITS:
        raise Refusal(f"a number may have at most {MAX_CONSTANT_DIGITS} digits")


def _check_string(value: str) -> None:
    if len(value) > MAX_STRING:
        raise Refusal(f"text in quotes may be at most {MAX_STRING} characters long")
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise Refusal(f"text in quotes may not contain the control character U+{ord(char):04X}")


def _refused_constant(value: object) -> str:
    if isinstance(value, bytes):
        return "byte strings (b'…') are not allowed"
    if isinstance(value, complex):
        return "imaginary numbers (…j) are not allowed"
    return f"'{value!r}' is not allowed"
