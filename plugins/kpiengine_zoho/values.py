"""Zoho CRM field values as the engine's types: text, exact numbers, days, true/false.

Zoho sends numbers as JSON numbers (read as exact Decimals), dates as `YYYY-MM-DD`, date-times as
ISO 8601 with the CRM user's offset (`2025-03-31T18:30:00+08:00`), lookups as `{name, id}` (only
`{id}` from a COQL query) and multi-select picklists as lists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from kpiengine import decimal_text

NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
TRUE_WORDS = frozenset({"true", "1", "yes"})
FALSE_WORDS = frozenset({"false", "0", "no"})
JOIN = ", "


def empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _json_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(type(value).__name__)


def _mapping_text(value: Mapping[str, Any]) -> str:
    # A lookup: its name when Zoho sends one, else its record id.
    for key in ("name", "id"):
        if value.get(key) not in (None, ""):
            return str(value[key])
    return json.dumps(value, ensure_ascii=False, default=_json_number, sort_keys=True)


def text(value: Any) -> str | None:
    """The value as text; None for an empty value."""
    if empty(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int):
        return decimal_text(Decimal(value))
    if isinstance(value, list):
        return JOIN.join(t for t in (text(v) for v in value) if t)
    if isinstance(value, Mapping):
        return _mapping_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def moment(value: str) -> datetime:
    """A Zoho date-time (ISO 8601 with an offset); one without an offset is taken as UTC."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def day(value: Any) -> date | None:
    """The day of a date (`YYYY-MM-DD`) or of a date-time, as written in the offset Zoho sent.

    Zoho writes date-times in the CRM user's time zone, so the day is the one that user sees.
    """
    if empty(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("is not a date")
    try:
        return moment(value).date() if "T" in value else date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            "is not a date (Zoho sends YYYY-MM-DD or YYYY-MM-DDThh:mm:ss±hh:mm)"
        ) from None


def utc_text(value: Any) -> str | None:
    """A date-time as ISO 8601 UTC text: `2025-03-31T10:30:00Z`."""
    if empty(value):
        return None
    if not isinstance(value, str):
        raise ValueError("is not a date-time")
    try:
        return moment(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise ValueError("is not a date-time (Zoho sends YYYY-MM-DDThh:mm:ss±hh:mm)") from None


def boolean(value: Any) -> bool | None:
    """true/false, yes/no, 1/0."""
    if empty(value):
        return None
    if isinstance(value, bool):
        return value
    word = (text(value) or "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("is not true or false")
