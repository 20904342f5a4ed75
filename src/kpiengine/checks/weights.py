"""Weights the ruleset lets add up to something other than 100 (`weights: free`): said in the
results, since the total scores (and the grades and pay read from them) are on that scale."""

from __future__ import annotations

from decimal import Decimal

from kpiengine.checks.model import Check
from kpiengine.plan.ruleset import Ruleset


def weight_checks(ruleset: Ruleset) -> list[Check]:
    total = sum((i.weight for i in ruleset.indicators), Decimal(0))
    if not ruleset.indicators or total == 100:
        return []
    return [
        Check(
            "weights-not-100",
            "info",
            f"the weights add up to {total:f}, not 100 (the ruleset says weights: free), and "
            "the total scores, the grades read from them and the pay are on that scale",
        )
    ]
