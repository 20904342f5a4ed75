"""Currencies' minor units and half-up rounding of money."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from kpiengine.numeric import SETTLE_PLACES

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


def round_money(value: Decimal, places: int) -> Decimal:
    """Half-up to the currency's minor unit, once the value is settled to SETTLE_PLACES (see
    `kpiengine.numeric.settled`): 0.005 → 0.01."""
    settled = value.quantize(Decimal(1).scaleb(-SETTLE_PLACES), rounding=ROUND_HALF_UP)
    return settled.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
