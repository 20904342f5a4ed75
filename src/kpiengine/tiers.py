"""Tier tables: marginal (each slice at its own rate) and flat (all at the reached rate), exact."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from kpiengine.plan.ruleset import Rate


@dataclass(frozen=True)
class Slice:
    """The part of `on` between two `from` values, and what it earned."""

    low: Decimal
    high: Decimal | None
    rate: Decimal
    size: Decimal
    amount: Decimal


def tier_index(on: Decimal, rates: Sequence[Rate]) -> int:
    """The tier `on` falls in; `from` is inclusive, so a boundary value takes the higher tier."""
    return max(i for i, (low, _) in enumerate(rates) if on >= low) if on >= rates[0][0] else 0


def upper(rates: Sequence[Rate], index: int) -> Decimal | None:
    return rates[index + 1][0] if index + 1 < len(rates) else None


def marginal(on: Decimal, base: Decimal, rates: Sequence[Rate]) -> list[Slice]:
    """Each slice of `on` earns its rate on the proportional slice of `base` (base × slice / on)."""
    slices = []
    for index, (low, rate) in enumerate(rates):
        high = upper(rates, index)
        top = on if high is None else min(on, high)
        size = max(Decimal(0), top - low)
        amount = rate * base * size / on if on > 0 and size > 0 else Decimal(0)
        slices.append(Slice(low, high, rate, size, amount))
    return slices


def flat(on: Decimal, base: Decimal, rates: Sequence[Rate]) -> Slice:
    """The whole base at the rate of the tier `on` reached."""
    index = tier_index(on, rates)
    low, rate = rates[index]
    return Slice(low, upper(rates, index), rate, base, rate * base)


def next_tier(on: Decimal, rates: Sequence[Rate]) -> Rate | None:
    """The first tier above the one `on` is in — what the person can reach next."""
    index = tier_index(on, rates)
    return rates[index + 1] if index + 1 < len(rates) else None


def marginal_sql(
    on: str, base: str, rates: Sequence[Rate], literal: Callable[[Decimal], str]
) -> str:
    """Per-record marginal payout as SQL; exact when `on` is the base itself (per-deal tables)."""
    terms = []
    for index, (low, rate) in enumerate(rates):
        high = upper(rates, index)
        top = on if high is None else f"LEAST({on}, {literal(high)})"
        terms.append(f"{literal(rate)} * GREATEST({top} - {literal(low)}, 0)")
    weighted = " + ".join(terms)
    if on == base:
        return f"({weighted})"
    # DuckDB divides decimals in DOUBLE; each record's payout is brought back to an exact
    # decimal at 8 places (far below a cent, far above DOUBLE's error) before it is summed.
    ratio = f"CAST({base} AS DOUBLE) * ({weighted}) / {on}"
    return f"CASE WHEN {on} > 0 THEN CAST(ROUND({ratio}, 8) AS DECIMAL(38, 8)) ELSE 0 END"


def flat_sql(on: str, base: str, rates: Sequence[Rate], literal: Callable[[Decimal], str]) -> str:
    """Per-record flat payout as SQL: the rate of the record's tier times its base."""
    cases = " ".join(
        f"WHEN {on} >= {literal(low)} THEN {literal(rate)}" for low, rate in reversed(rates)
    )
    return f"(CASE {cases} ELSE {literal(rates[0][1])} END) * {base}"
