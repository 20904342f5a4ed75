"""Currencies' minor units and half-up rounding of money."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 currencies whose minor unit is not 2 (the common ones a sales plan meets).
_MINOR_UNITS = {
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "TWD": 2,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency.upper(), 2)


SETTLE_PLACES = 6
"""A line is first settled to six decimals: quotients such as base × slice / attainment carry
noise in their last digits (1699.6149999999…), which must not decide the cent. No amount worked
from cents and rates lies closer than that to a half cent without being one."""


def round_money(value: Decimal, places: int) -> Decimal:
    """Half-up to the currency's minor unit, once the value is settled: 0.005 → 0.01."""
    settled = value.quantize(Decimal(1).scaleb(-SETTLE_PLACES), rounding=ROUND_HALF_UP)
    return settled.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
