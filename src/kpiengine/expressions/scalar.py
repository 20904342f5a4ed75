"""Scalar evaluation: simpleeval walks the checked tree with SQL-like value semantics.

simpleeval's own handlers are used for calls, binary and unary operators (with the
operations of `values.py`); the handlers replaced here are those whose Python meaning
differs from SQL's: constants (Decimal, not float), names (dotted ones looked up flat,
never by getattr), three-valued `and`/`or`, chained comparisons and `if … else`.
"""

from __future__ import annotations

import ast
import decimal
from collections.abc import Collection, Mapping
from typing import Any

import simpleeval

from kpiengine.expressions import values
from kpiengine.expressions.failure import Refusal
from kpiengine.expressions.functions import FunctionTable
from kpiengine.expressions.names import dotted
from kpiengine.expressions.values import ARITHMETIC, Value, to_value
from kpiengine.suggest import did_you_mean

OPERATORS: dict[type[ast.AST], Any] = {
    ast.Add: values.add,
    ast.Sub: values.subtract,
    ast.Mult: values.multiply,
    ast.Div: values.divide,
    ast.Pow: values.power,
    ast.USub: values.negate,
    ast.UAdd: values.plus,
    ast.Not: values.logical_not,
    ast.Eq: values.equal,
    ast.NotEq: values.not_equal,
    ast.Lt: values.less,
    ast.LtE: values.less_equal,
    ast.Gt: values.greater,
    ast.GtE: values.greater_equal,
    ast.In: values.is_in,
    ast.NotIn: values.not_in,
}


def evaluate(
    statement: ast.AST,
    text: str,
    table: FunctionTable,
    needed: Collection[str],
    names: Mapping[str, object],
) -> Value:
    """The value of a checked expression; every failure becomes a Refusal with a reason."""
    evaluator = _Evaluator(scope(needed, names), table)
    try:
        with decimal.localcontext(ARITHMETIC):
            result: Value = evaluator.eval(text, previously_parsed=statement)
    except ArithmeticError as exc:
        raise Refusal(_arithmetic_reason(exc)) from exc
    except (TypeError, ValueError, RecursionError, simpleeval.InvalidExpression) as exc:
        raise Refusal(f"the expression could not be calculated: {exc}") from exc
    return result


def scope(needed: Collection[str], names: Mapping[str, object]) -> dict[str, Value]:
    """The values of the names an expression reads, each converted to a Value."""
    missing = sorted(n for n in needed if n not in names)
    if missing:
        hint = did_you_mean(missing[0], names)
        raise Refusal(f"'{missing[0]}' is not known here{hint}")
    return {name: to_value(names[name]) for name in needed}


def _arithmetic_reason(exc: ArithmeticError) -> str:
    if isinstance(exc, decimal.Overflow | OverflowError):
        return "the result is too large (numbers must stay below 10**100)"
    return "the calculation has no defined result"


class _Evaluator(simpleeval.SimpleEval):  # type: ignore[misc]  # simpleeval has no type hints
    def __init__(self, names: dict[str, Value], table: FunctionTable) -> None:
        super().__init__(operators=OPERATORS, functions=table.callables(), names=names)
        self.nodes.update(
            {
                ast.Constant: self._constant,
                ast.Name: self._name,
                ast.Attribute: self._attribute,
                ast.BoolOp: self._boolop,
                ast.Compare: self._compare,
                ast.IfExp: self._ifexp,
                ast.Tuple: self._items,
                ast.List: self._items,
            }
        )

    @staticmethod
    def _constant(node: ast.Constant) -> Value:
        return to_value(node.value)

    def _name(self, node: ast.Name) -> Value:
        value: Value = self.names[node.id]
        return value

    def _attribute(self, node: ast.Attribute) -> Value:
        value: Value = self.names[dotted(node)]
        return value

    def _items(self, node: ast.Tuple | ast.List) -> tuple[Value, ...]:
        return tuple(self._eval(element) for element in node.elts)

    def _boolop(self, node: ast.BoolOp) -> Value:
        """SQL's three-valued and/or: False decides `and`, True decides `or`."""
        decider = isinstance(node.op, ast.Or)
        word = "or" if decider else "and"
        unknown = False
        for operand in node.values:
            truth = values.truth(self._eval(operand), word)
            if truth is decider:
                return decider
            unknown = unknown or truth is None
        return None if unknown else not decider

    def _compare(self, node: ast.Compare) -> Value:
        """`a < b < c` is `a < b and b < c`, three-valued, as the SQL form says."""
        results: list[Value] = []
        left = self._eval(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self._eval(comparator)
            results.append(OPERATORS[type(op)](left, right))
            left = right
        return values.all_true(results, "and")

    def _ifexp(self, node: ast.IfExp) -> Value:
        """A None condition counts as false, as in SQL's CASE WHEN."""
        chosen = node.body if values.truth(self._eval(node.test), "if") else node.orelse
        result: Value = self._eval(chosen)
        return result
