"""SQLite values to Arrow columns of the types the ruleset asks for.

SQLite lets any value sit in any column, so each value is checked; one that does not fit stops
the fetch with a SourceError naming the record, the column and the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, localcontext
from typing import Any

import pyarrow as pa
from kpiengine import FieldType, SourceError

SCALE = Decimal("0.000001")
"""Numbers keep 6 decimal places, as the engine does."""
ARROW_TYPES: dict[FieldType, Any] = {
    "string": pa.string(),
    "number": pa.decimal128(38, 6),
    "integer": pa.int64(),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}
_INTEGER = re.compile(r"[+-]?\d+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([ T].*)?")
_BOOLEANS = {"true": True, "false": False, "1": True, "0": False}


def to_string(value: Any) -> str:
    if isinstance(value, bytes):
        raise ValueError("binary data")
    return str(value)


def to_number(value: Any) -> Decimal:
    if isinstance(value, bytes):
        raise ValueError("binary data")
    with localcontext() as context:
        context.prec = 38
        number = Decimal(str(value).strip())
        if not number.is_finite():
            raise ValueError("not a finite number")
        return number.quantize(SCALE)


def to_integer(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) or (isinstance(value, str) and _INTEGER.fullmatch(value.strip())):
        return int(value)
    raise ValueError("not a whole number")


def to_date(value: Any) -> date:
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        return date.fromisoformat(value.strip()[:10])
    raise ValueError("not an ISO date")


def to_boolean(value: Any) -> bool:
    key = str(value).strip().lower()
    if key not in _BOOLEANS:
        raise ValueError("not a boolean")
    return _BOOLEANS[key]


CONVERTERS: dict[FieldType, Callable[[Any], Any]] = {
    "string": to_string,
    "number": to_number,
    "integer": to_integer,
    "date": to_date,
    "boolean": to_boolean,
}
EXPECTED: dict[FieldType, str] = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "date": "a date written YYYY-MM-DD",
    "boolean": "true/false or 1/0",
}


def _is_empty(value: Any, kind: FieldType) -> bool:
    """NULL is empty; so is blank text, except where text is what is asked for."""
    return value is None or (kind != "string" and isinstance(value, str) and not value.strip())


def arrow_column(values: Sequence[Any], kind: FieldType, name: str, where: str) -> pa.Array:
    """The values as an Arrow array of `kind`; `where` starts the error message."""
    convert = CONVERTERS[kind]
    out = []
    for number, value in enumerate(values, start=1):
        try:
            out.append(None if _is_empty(value, kind) else convert(value))
        except (ValueError, ArithmeticError) as exc:  # InvalidOperation is an ArithmeticError
            raise SourceError(
                f"{where}, record {number}: column '{name}' holds {value!r}, "
                f"which is not {EXPECTED[kind]}"
            ) from exc
    return pa.array(out, type=ARROW_TYPES[kind])


def declared_type(declared: str) -> FieldType:
    """The field type a column's declared SQLite type suggests (SQLite's own affinity rules)."""
    upper = declared.upper()
    if "DATE" in upper or "TIME" in upper:
        return "date"
    if "BOOL" in upper:
        return "boolean"
    if "INT" in upper:
        return "integer"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB", "NUM", "DEC")):
        return "number"
    return "string"
