"""`per: record` tiers: each record's payout computed in DuckDB, summed per subject × period."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from decimal import Decimal

from kpiengine.evaluate.marginal import marginal_sql
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
    if tiers.mode == "marginal":
        payout = marginal_sql(on, base, tiers.rates)
    else:
        payout = flat_sql(on, base, tiers.rates, decimal_sql)
    return dataclasses.replace(
        tiers.records, func="sum", value_sql=payout, rule=f"incentives.{inc.id}"
    )


def flat_sql(on: str, base: str, rates: Sequence[Rate], literal: Callable[[Decimal], str]) -> str:
    """Per-record flat payout as SQL: the rate of the record's tier times its base."""
    cases = " ".join(
        f"WHEN {on} >= {literal(low)} THEN {literal(rate)}" for low, rate in reversed(rates)
    )
    return f"(CASE {cases} ELSE {literal(rates[0][1])} END) * {base}"
