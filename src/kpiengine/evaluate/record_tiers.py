"""`per: record` tiers: each record's payout computed in DuckDB, summed per subject × period."""

from __future__ import annotations

import dataclasses

from kpiengine.evaluate.marginal import flat_rate_sql, marginal_sql
from kpiengine.numeric import number_literal
from kpiengine.plan.ruleset import Aggregation, Incentive
from kpiengine.sql import ident


def record_payout(inc: Incentive) -> Aggregation | None:
    """The aggregation that sums the per-record payouts of a `per: record` incentive."""
    tiers = inc.tiers
    if tiers is None or tiers.per != "record" or tiers.records is None or inc.base is None:
        return None
    on, base = tiers.on.to_sql(ident), inc.base.to_sql(ident)
    if tiers.mode == "marginal":
        payout = marginal_sql(on, base, tiers.rates)
    else:
        payout = f"{flat_rate_sql(on, tiers.rates, number_literal)} * {base}"
    return dataclasses.replace(
        tiers.records, func="sum", value_sql=payout, rule=f"incentives.{inc.id}"
    )
