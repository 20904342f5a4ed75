"""Result values as a result table's text and back: the exact forms `Kind` describes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from kpiengine.results.layout import Kind

Value = Decimal | str | bool | None


def decimal_text(value: Decimal) -> str:
    """`36`, `0.9`, `1234.5` — the Decimal's own digits, no exponent, no trailing zeros."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


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
