"""`per: record` tiers: each record's payout computed in DuckDB, summed per subject × period."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from decimal import Decimal

from kpiengine.plan.ruleset import Aggregation, Incentive, Rate
from kpiengine.sql import ident


def decimal_sql(value: Decimal) -> str:
    return f"{value:f}"


def record_payout(inc: Incentive) -> Aggregation | None:
    """The aggregation that sums the per-record payouts of a `per: record` incentive."""
    tiers = inc.tiers
    if tiers is None or tiers.per != "record" or tiers.records is None or inc.base is None:
        return None
    on, base = tiers.on.to_sql(ident), inc.base.to_sql(ident)
    render = marginal_sql if tiers.mode == "marginal" else flat_sql
    payout = render(on, base, tiers.rates, decimal_sql)
    return dataclasses.replace(
        tiers.records, func="sum", value_sql=payout, rule=f"incentives.{inc.id}"
    )


def upper(rates: Sequence[Rate], index: int) -> Decimal | None:
    return rates[index + 1][0] if index + 1 < len(rates) else None


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
