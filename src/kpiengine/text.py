"""Numbers and values as the explain trace and messages show them to people."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

SHOWN_PLACES = Decimal("1e-10")


def tidy(value: Any) -> str:
    """A number as a person reads it: 900000, 0.85, 0.9444444444 — no exponent, no float noise."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return f"{value.quantize(Decimal(1)):f}"
        if value.as_tuple().exponent < -10:  # type: ignore[operator]
            value = value.quantize(SHOWN_PLACES)
        return f"{value.normalize():f}"
    return "no data" if value is None else str(value)
