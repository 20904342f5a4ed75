"""The built-in functions every ruleset may call, each in scalar and DuckDB SQL form."""

from __future__ import annotations

import ast
import datetime as dt
import decimal
from collections.abc import Sequence
from decimal import Decimal

from kpiengine.expressions.bounds import ROUND_DIGITS, SQL_DECIMAL, SQL_ROUND_INPUT
from kpiengine.expressions.failure import Refusal
from kpiengine.expressions.function import Function, SqlArg, SqlRenderer
from kpiengine.expressions.values import Value, describe

# -- scalar forms -------------------------------------------------------------------------


def _numbers(name: str, args: Sequence[Value]) -> list[Decimal]:
    for arg in args:
        if not isinstance(arg, Decimal):
            raise Refusal(f"{name}() works on numbers, not on {describe(arg)}")
    return [arg for arg in args if isinstance(arg, Decimal)]


def _text(name: str, arg: Value) -> str:
    if not isinstance(arg, str):
        raise Refusal(f"{name}() works on text, not on {describe(arg)}")
    return arg


def _date(name: str, arg: Value) -> dt.date:
    if not isinstance(arg, dt.date):
        raise Refusal(f"{name}() works on dates, not on {describe(arg)}")
    return arg


def _least(*args: Value) -> Value:
    return min(_numbers("min", args))


def _greatest(*args: Value) -> Value:
    return max(_numbers("max", args))


def _abs(x: Value) -> Value:
    return abs(_numbers("abs", [x])[0])


def _round(x: Value, ndigits: Value = Decimal(0)) -> Value:
    """Half-up (away from zero on a tie), as money is rounded; DuckDB rounds DECIMAL alike."""
    number, digits = _numbers("round", [x, ndigits])
    places = int(digits)
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP)
    # round(1250, -2) quantizes to 1.3E+3; give it back as the plain 1300.
    return rounded.quantize(Decimal(1)) if places < 0 else rounded


def _clamp(x: Value, low: Value, high: Value) -> Value:
    number, lo, hi = _numbers("clamp", [x, low, high])
    return min(max(number, lo), hi)


def _coalesce(*args: Value) -> Value:
    return next((arg for arg in args if arg is not None), None)


def _lower(s: Value) -> Value:
    return _text("lower", s).lower()


def _upper(s: Value) -> Value:
    return _text("upper", s).upper()


def _length(s: Value) -> Value:
    return Decimal(len(_text("len", s)))


def _startswith(s: Value, prefix: Value) -> Value:
    return _text("startswith", s).startswith(_text("startswith", prefix))


def _contains(s: Value, part: Value) -> Value:
    return _text("contains", part) in _text("contains", s)


def _year(d: Value) -> Value:
    return Decimal(_date("year", d).year)


def _month(d: Value) -> Value:
    return Decimal(_date("month", d).month)


# -- SQL forms ----------------------------------------------------------------------------


def _call(sql_name: str) -> SqlRenderer:
    return lambda args: f"{sql_name}({', '.join(a.sql for a in args)})"


def _null_guard(args: Sequence[SqlArg], inner: str) -> str:
    """NULL when any argument is NULL (DuckDB's least/greatest skip NULLs; we must not)."""
    checks = [f"{a.sql} IS NULL" for a in args if a.maybe_null]
    if not checks:
        return inner
    return f"(CASE WHEN {' OR '.join(checks)} THEN NULL ELSE {inner} END)"


def _sorted_first(args: Sequence[str], order: str) -> str:
    """The least/greatest of a list, NULL if any is NULL; each argument written once."""
    return f"list_sort([{', '.join(args)}], '{order}', 'NULLS FIRST')[1]"


def _extreme(sql_name: str, order: str) -> SqlRenderer:
    def render(args: Sequence[SqlArg]) -> str:
        # A CASE repeats its arguments: fine for columns and constants, exponential for
        # nested calls, which go through one list_sort instead (slower, but linear).
        if all(a.plain for a in args):
            return _null_guard(args, f"{sql_name}({', '.join(a.sql for a in args)})")
        return _sorted_first([a.sql for a in args], order)

    return render


def _clamp_sql(args: Sequence[SqlArg]) -> str:
    x, lo, hi = args
    if all(a.plain for a in args):
        return _null_guard(args, f"least(greatest({x.sql}, {lo.sql}), {hi.sql})")
    return _sorted_first([_sorted_first([x.sql, lo.sql], "DESC"), hi.sql], "ASC")


def _round_sql(args: Sequence[SqlArg]) -> str:
    # Through an exact type, so a DOUBLE 2.675 rounds to 2.68 as Decimal('2.675') does.
    digits = args[1].sql if len(args) > 1 else "0"
    return f"CAST(round(CAST({args[0].sql} AS {SQL_ROUND_INPUT}), {digits}) AS {SQL_DECIMAL})"


def _coalesce_sql(args: Sequence[SqlArg]) -> str:
    return f"COALESCE({', '.join(a.sql for a in args)})"


# -- compile-time argument rules ----------------------------------------------------------


def _constant_int(node: ast.expr) -> int | None:
    negative = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
    inner = node.operand if isinstance(node, ast.UnaryOp) and negative else node
    if isinstance(inner, ast.Constant) and type(inner.value) is int:
        return -inner.value if negative else inner.value
    return None


def _round_digits(args: Sequence[ast.expr]) -> None:
    if len(args) < 2:
        return
    low, high = ROUND_DIGITS
    digits = _constant_int(args[1])
    if digits is None or not low <= digits <= high:
        raise Refusal(
            f"round(x, n) needs n written as a whole number from {low} to {high}, e.g. round(x, 2)"
        )


# -- the table ----------------------------------------------------------------------------


BUILTINS: tuple[Function, ...] = (
    Function("min", _least, _extreme("least", "ASC"), 2, None, "number", "number"),
    Function("max", _greatest, _extreme("greatest", "DESC"), 2, None, "number", "number"),
    Function("abs", _abs, _call("abs"), 1, 1, "number", "number"),
    Function("round", _round, _round_sql, 1, 2, "number", "number", check=_round_digits),
    Function("clamp", _clamp, _clamp_sql, 3, 3, "number", "number"),
    Function("coalesce", _coalesce, _coalesce_sql, 2, None, "any", None, strict=False),
    Function("lower", _lower, _call("lower"), 1, 1, "text", "text"),
    Function("upper", _upper, _call("upper"), 1, 1, "text", "text"),
    Function("len", _length, _call("length"), 1, 1, "text", "number"),
    Function("startswith", _startswith, _call("starts_with"), 2, 2, "text", "bool"),
    Function("contains", _contains, _call("contains"), 2, 2, "text", "bool"),
    Function("year", _year, _call("year"), 1, 1, "date", "number"),
    Function("month", _month, _call("month"), 1, 1, "date", "number"),
)
"""min, max (2 or more), abs, round(x, n=0) half-up, clamp(x, lo, hi), coalesce(a, b, …),
lower, upper, len, startswith(s, prefix), contains(s, part), year(d), month(d)."""
