"""Scalar values and the SQL-like operations on them: None is SQL NULL, numbers are Decimal.

Every operation here answers what DuckDB answers for the SQL that `sql.py` emits: arithmetic
or comparison with None gives None, `and`/`or`/`not` are three-valued, x / 0 gives None.
Mixing kinds (text + number, text < number) is refused instead of guessed.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeAlias

from kpiengine.expressions.bounds import DECIMAL_DIGITS, MAX_NUMBER_EXPONENT
from kpiengine.expressions.failure import Refusal

Value: TypeAlias = Decimal | str | bool | dt.date | None
"""What an expression computes with; datetime.datetime is a date too."""

ARITHMETIC = decimal.Context(
    prec=DECIMAL_DIGITS,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=MAX_NUMBER_EXPONENT,
    Emin=-MAX_NUMBER_EXPONENT,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
"""The decimal context scalar evaluation runs in: results of 10**100 or more overflow."""


def to_value(obj: object) -> Value:
    """An input (Decimal, int, float, str, bool, None, date) as an expression value.

    Floats become the Decimal of their shortest repr (0.1 → Decimal('0.1')).
    Raises TypeError for anything else: the engine passed what no ruleset can produce.
    """
    if obj is None or isinstance(obj, str | bool | dt.date):
        return obj
    if isinstance(obj, Decimal):
        return finite(obj)
    if isinstance(obj, int):
        return Decimal(obj)
    if isinstance(obj, float):
        return finite(Decimal(repr(obj)))
    raise TypeError(f"an expression value cannot be a {type(obj).__name__}: {obj!r}")


def finite(number: Decimal) -> Decimal:
    if not number.is_finite():
        raise Refusal(f"{number} is not a number kpiengine can calculate with")
    return number


def describe(value: Value) -> str:
    """The value in a user's words, for messages: `the text 'won'`, `the number 3`."""
    if isinstance(value, bool):
        return f"the true/false value {value}"
    if isinstance(value, Decimal):
        return f"the number {value}"
    if isinstance(value, str):
        short = value if len(value) <= 20 else value[:19] + "…"
        return f"the text '{short}'"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return "no value"


# -- arithmetic ---------------------------------------------------------------------------


def _numbers(symbol: str, a: Value, b: Value) -> tuple[Decimal, Decimal] | None:
    if a is None or b is None:
        return None
    for value in (a, b):
        if not isinstance(value, Decimal):
            raise Refusal(f"'{symbol}' works on numbers, not on {describe(value)}")
    assert isinstance(a, Decimal) and isinstance(b, Decimal)  # narrowed by the loop above
    return a, b


Binary: TypeAlias = Callable[[Value, Value], Value]


def _arithmetic(symbol: str, fn: Callable[[Decimal, Decimal], Decimal]) -> Binary:
    def apply(a: Value, b: Value) -> Value:
        pair = _numbers(symbol, a, b)
        return None if pair is None else fn(*pair)

    return apply


add = _arithmetic("+", lambda a, b: a + b)
subtract = _arithmetic("-", lambda a, b: a - b)
multiply = _arithmetic("*", lambda a, b: a * b)


def divide(a: Value, b: Value) -> Value:
    """a / b; dividing by zero gives None (no data), as NULLIF does in SQL."""
    pair = _numbers("/", a, b)
    if pair is None or pair[1] == 0:
        return None
    return pair[0] / pair[1]


def power(a: Value, b: Value) -> Value:
    """a ** b for a whole-number b (the checker only lets constants 0..100 through)."""
    pair = _numbers("**", a, b)
    if pair is None:
        return None
    base, exponent = pair
    # Decimal refuses 0 ** 0; Python and DuckDB both say 1.
    return Decimal(1) if exponent == 0 else base**exponent


def negate(a: Value) -> Value:
    pair = _numbers("-", a, Decimal(0))
    return None if pair is None else -pair[0]


def plus(a: Value) -> Value:
    pair = _numbers("+", a, Decimal(0))
    return None if pair is None else +pair[0]


# -- comparison ---------------------------------------------------------------------------


def _kind_name(value: Value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, dt.date):
        return "date"
    return type(value).__name__


def _as_date(text: str, like: dt.date) -> dt.date:
    try:
        if isinstance(like, dt.datetime):
            return dt.datetime.fromisoformat(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Refusal(f"'{text}' is not a date: write dates as YYYY-MM-DD") from None


def _align(a: Value, b: Value) -> tuple[Value, Value]:
    """Text compared with a date is read as a date; a date with a datetime becomes midnight."""
    if isinstance(a, dt.date) and isinstance(b, str):
        return a, _as_date(b, a)
    if isinstance(a, str) and isinstance(b, dt.date):
        return _as_date(a, b), b
    if isinstance(a, dt.datetime) != isinstance(b, dt.datetime):
        return _midnight(a), _midnight(b)
    return a, b


def _midnight(value: Value) -> Value:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _comparison(symbol: str, fn: Callable[[object, object], bool]) -> Binary:
    def apply(a: Value, b: Value) -> Value:
        if a is None or b is None:
            return None
        a, b = _align(a, b)
        if _kind_name(a) != _kind_name(b):
            raise Refusal(f"cannot compare {describe(a)} with {describe(b)} using '{symbol}'")
        return fn(a, b)

    return apply


equal = _comparison("==", lambda a, b: a == b)
not_equal = _comparison("!=", lambda a, b: a != b)
less = _comparison("<", lambda a, b: a < b)  # type: ignore[operator]
less_equal = _comparison("<=", lambda a, b: a <= b)  # type: ignore[operator]
greater = _comparison(">", lambda a, b: a > b)  # type: ignore[operator]
greater_equal = _comparison(">=", lambda a, b: a >= b)  # type: ignore[operator]


def is_in(a: Value, items: Value | Sequence[Value]) -> Value:
    """`a in (x, y)`: like SQL IN — None if a is None, else whether a equals one of them."""
    assert isinstance(items, tuple)  # the checker allows only a literal list after `in`
    if a is None:
        return None
    return any(equal(a, item) is True for item in items)


def not_in(a: Value, items: Value | Sequence[Value]) -> Value:
    return logical_not(is_in(a, items))


# -- logic --------------------------------------------------------------------------------


def truth(value: Value, word: str) -> bool | None:
    """A condition's truth: True, False or None (unknown); anything else is refused."""
    if value is None or isinstance(value, bool):
        return value
    raise Refusal(f"'{word}' needs a true/false value, not {describe(value)}")


def logical_not(value: Value) -> Value:
    known = truth(value, "not")
    return None if known is None else not known


def all_true(results: Sequence[Value], word: str) -> Value:
    """Three-valued AND: False if any is False, else None if any is unknown, else True."""
    truths = [truth(r, word) for r in results]
    if False in truths:
        return False
    return None if None in truths else True
