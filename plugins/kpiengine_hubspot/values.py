"""HubSpot property values — always strings or null — as the engine's types.

Amounts are exact decimals; a datetime (`2024-06-25T12:00:00.000Z`, or the epoch milliseconds
older endpoints send) becomes the day in the source's time zone; a date-only value
(`2024-06-25`) is that day; booleans are HubSpot's `true`/`false`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from kpiengine import FieldType

SCALE = Decimal("0.000001")
"""Six decimals: the engine's number columns are decimal128(38, 6)."""
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
EPOCH_MS = re.compile(r"-?\d{10,}")
TRUE_WORDS = frozenset({"true", "yes", "1"})
FALSE_WORDS = frozenset({"false", "no", "0"})

Converter = Callable[[str], Any]


def number(text: str) -> Decimal:
    """An exact amount; `1,200.50` is accepted, rounded half-up to six decimals."""
    cleaned = text.strip().replace(",", "")
    if not NUMBER.fullmatch(cleaned):
        raise ValueError("is not a number")
    try:
        return Decimal(cleaned).quantize(SCALE, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError("is too large a number") from None


def integer(text: str) -> int:
    """A whole number; a fraction is refused rather than cut."""
    found = number(text)
    if found != found.to_integral_value():
        raise ValueError("is not a whole number")
    return int(found)


def moment(text: str) -> datetime:
    """A datetime property as an aware UTC datetime (ISO text or epoch milliseconds)."""
    cleaned = text.strip()
    if EPOCH_MS.fullmatch(cleaned):
        return datetime.fromtimestamp(int(cleaned) / 1000, UTC)
    found = datetime.fromisoformat(cleaned)
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)


def day(text: str, zone: tzinfo) -> date:
    """The calendar day of a date (as written) or of a datetime (in `zone`)."""
    cleaned = text.strip()
    try:
        if len(cleaned) == 10 and not cleaned.isdigit():
            return date.fromisoformat(cleaned)
        return moment(cleaned).astimezone(zone).date()
    except (ValueError, OverflowError, OSError):
        raise ValueError("is not a date (HubSpot sends 2024-06-25T12:00:00.000Z)") from None


def utc_text(text: str) -> str:
    """A datetime as ISO 8601 UTC text to the second: `2024-06-25T12:00:00Z`."""
    try:
        return moment(text).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):
        raise ValueError("is not a date and time") from None


def milliseconds(text: str) -> int:
    """A datetime property as epoch milliseconds, the form search filters compare."""
    return int(moment(text).timestamp() * 1000)


def boolean(text: str) -> bool:
    """HubSpot's `true`/`false` (yes/no and 1/0 accepted too)."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("is not true or false")


def converter(kind: FieldType, zone: tzinfo) -> Converter:
    """How a property's text becomes a value of the engine type `kind`."""
    if kind == "number":
        return number
    if kind == "integer":
        return integer
    if kind == "date":
        return lambda text: day(text, zone)
    if kind == "boolean":
        return boolean
    return str
