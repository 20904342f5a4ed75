"""Salesforce REST values as the engine's types: exact numbers, days, booleans, UTC text.

Salesforce sends numbers as JSON numbers (read as Decimal), booleans as JSON booleans, dates as
`2024-12-31` and date-times as `2024-12-31T18:22:05.000+0000` (UTC). Each converter raises
ValueError with the end of a sentence ("is not a number") for a value it cannot read.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any

SCALE = Decimal("0.000001")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_datetime(text: str) -> datetime:
    """A Salesforce date-time (`…T18:22:05.000+0000`, or with `Z`) as an aware datetime."""
    if not DATETIME.fullmatch(text):
        raise ValueError("is not a date-time")
    normal = text[:-1] + "+00:00" if text.endswith("Z") else text
    if normal[-5] in "+-" and normal[-3] != ":":  # +0000 → +00:00 for fromisoformat
        normal = f"{normal[:-2]}:{normal[-2:]}"
    return datetime.fromisoformat(normal)


def utc_text(moment: datetime) -> str:
    """`2024-12-31T18:22:05.000Z`: ISO 8601 in UTC, to the millisecond."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def day(value: Any, zone: tzinfo) -> date | None:
    """A date as is; a date-time as the day it falls on in `zone`."""
    if value is None or value == "":
        return None
    text = str(value)
    if DAY.fullmatch(text):
        return date.fromisoformat(text)
    return parse_datetime(text).astimezone(zone).date()


def boolean(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    words = {"true": True, "false": False}
    if str(value).strip().lower() in words:
        return words[str(value).strip().lower()]
    raise ValueError("is not true or false")


def text(value: Any) -> str | None:
    """Text as is; date-times as UTC ISO 8601; numbers without exponent; compounds as JSON."""
    if value is None or (isinstance(value, str) and not DATETIME.fullmatch(value)):
        return value
    if isinstance(value, str):
        return utc_text(parse_datetime(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int | float):
        exact = Decimal(str(value))
        return str(int(exact)) if exact == exact.to_integral_value() else format(exact, "f")
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
