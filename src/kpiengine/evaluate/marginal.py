"""Tier tables as SQL: marginal tiers (base × Σ rate × slice / on, one exact quotient, no DOUBLE
on the way) and the rate a flat table pays."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from kpiengine.numeric import (
    EXACT_PLACES,
    SOURCE_PLACES,
    constant_units,
    own_scale,
    places_of,
    rounded_quotient,
    units,
)
from kpiengine.plan.ruleset import Rate


def upper(rates: Sequence[Rate], index: int) -> Decimal | None:
    """Where the tier at `index` ends (None for the last)."""
    return rates[index + 1][0] if index + 1 < len(rates) else None


def flat_rate_sql(on: str, rates: Sequence[Rate], literal: Callable[[Decimal], str]) -> str:
    """The rate of the tier `on` reached (`from` inclusive; below the first, the first's), with
    constants written by `literal`: a flat table pays it on the whole base."""
    cases = " ".join(
        f"WHEN {on} >= {literal(low)} THEN {literal(rate)}" for low, rate in reversed(rates)
    )
    return f"(CASE {cases} ELSE {literal(rates[0][1])} END)"


def _slices(on: str, rates: Sequence[Rate]) -> str:
    """Σ rate × slice of `on` as an exact decimal: what the tiers pay when `on` is the base."""
    terms = []
    for index, (low, rate) in enumerate(rates):
        high = upper(rates, index)
        top = on if high is None else f"LEAST({on}, {own_scale(high)})"
        terms.append(f"{own_scale(rate)} * GREATEST({top} - {own_scale(low)}, 0)")
    return f"({' + '.join(terms)})"


def _slice_units(on_units: str, rates: Sequence[Rate], rate_places: int) -> str:
    """Σ rate × slice in HUGEINT units of 10^-(rate_places + 12)."""
    terms = []
    for index, (low, rate) in enumerate(rates):
        high = upper(rates, index)
        top = on_units
        if high is not None:
            top = f"LEAST({on_units}, {constant_units(high, EXACT_PLACES)})"
        size = f"GREATEST({top} - {constant_units(low, EXACT_PLACES)}, 0)"
        terms.append(f"{constant_units(rate, rate_places)} * {size}")
    return f"({' + '.join(terms)})"


def marginal_sql(on: str, base: str, rates: Sequence[Rate]) -> str:
    """Each slice of `on` earns its rate on the proportional slice of `base`, exact to 12 places.

    When `on` is the base itself the quotient cancels: Σ rate × slice, exact. Otherwise the base
    is taken at 6 places and `on` at 12, and base × Σ rate × slice must stay below
    `QUOTIENT_LIMIT` (beyond it DuckDB raises an overflow error, never a wrong number)."""
    if on == base:
        return _slices(on, rates)
    rate_places = max(places_of(rate) for _, rate in rates)
    x = units(on)
    top = f"({units(base, SOURCE_PLACES)} * {_slice_units(x, rates, rate_places)})"
    # top is at 6 + rate_places + 12 places and x at 12: the payout is top / x / 10^(6 + r).
    shift = EXACT_PLACES - SOURCE_PLACES - rate_places
    payout = rounded_quotient(top, x, shift)
    return f"CASE WHEN {x} > 0 THEN {payout} ELSE 0 END"
