"""Values as vendors send them, turned into the engine's: exact numbers, whole numbers, and the
fields every CRM source offers."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

from kpiengine.connectors.failures import Refused
from kpiengine.source import FieldType

NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
SCALE = Decimal("0.000001")
"""The engine keeps numbers to six decimals (DECIMAL(38, 6))."""

CRM_FIELDS: dict[str, FieldType] = {
    "id": "string",
    "name": "string",
    "owner": "string",
    "amount": "number",
    "currency": "string",
    "stage": "string",
    "won": "boolean",
    "created_on": "date",
    "closed_on": "date",
    "modified_at": "string",
}
"""What every CRM source offers, by engine name, with its type: a ruleset switches CRM by
changing only its `sources` block."""

ARROW_TYPES: dict[FieldType, pa.DataType] = {
    "string": pa.string(),
    "number": pa.decimal128(38, 6),
    "integer": pa.int64(),
    "date": pa.date32(),
    "boolean": pa.bool_(),
}
"""The Arrow type a source delivers for each engine field type."""


def time_zone(name: str, who: str) -> ZoneInfo:
    """The `timezone` option as a zone; an unknown name is refused with what to write instead."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Refused(
            f"{who}: timezone '{name}' is not a time zone this computer knows — write a name "
            "such as Asia/Shanghai, America/New_York or UTC (on a system without time zone "
            "data: pip install tzdata)"
        ) from None


def parse_number(value: Any) -> Decimal | None:
    """An exact number from a number or numeric text (`1,200.50`), half-up to six decimals;
    None for an empty value. Raises ValueError saying what is wrong, for the caller's message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("is true/false, not a number")
    if isinstance(value, Decimal | int):
        exact = Decimal(value)
    else:
        cleaned = str(value).strip().replace(",", "")
        if not NUMBER.fullmatch(cleaned):
            raise ValueError("is not a number")
        exact = Decimal(cleaned)
    if not exact.is_finite():
        raise ValueError("is not a number")
    try:
        return exact.quantize(SCALE, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError("is too large a number") from None


def parse_integer(value: Any) -> int | None:
    """A whole number; a fraction is refused rather than cut."""
    found = parse_number(value)
    if found is None:
        return None
    if found != found.to_integral_value():
        raise ValueError("is not a whole number")
    return int(found)
