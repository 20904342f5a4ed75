"""Result values as a result table's text and back: the exact forms `Kind` describes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kpiengine.results.layout import Kind

Value = Decimal | str | bool | None


def decimal_text(value: Decimal) -> str:
    """`36`, `0.9`, `1234.5` — the Decimal's own digits, no exponent, no trailing zeros."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def amount_text(value: Decimal, places: int) -> str:
    """`12000.00` — exactly the currency's minor-unit places, half-up."""
    return f"{value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP):f}"


def value_text(value: Value) -> str | None:
    """Any value of a text, number or bool column."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value)


def value_kind(values: list[Value]) -> Kind:
    """The kind a column of values needs: numbers or bools if all are, else text."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "bool"
    if all(isinstance(v, Decimal) for v in present):
        return "number"
    return "text"


def _number(text: str) -> Decimal:
    return Decimal(text)


def _bool(text: str) -> bool:
    return text == "true"


READERS: dict[Kind, Callable[[Any], Any]] = {
    "text": str,
    "number": _number,
    "money": _number,
    "float": _number,
    "amount": _number,
    "bool": _bool,
    "integer": int,
    "list": tuple,
}


def read_column(kind: Kind, cells: list[Any]) -> list[Any]:
    """A column's cells as result values (Decimal, bool, int, tuple or str); None stays None."""
    read = READERS[kind]
    return [None if cell is None else read(cell) for cell in cells]
