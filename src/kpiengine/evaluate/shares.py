"""The shares that split a longer period's target over the evaluation periods, and the share
of a period a joiner was on board: exact fractions, handed to the plan's SQL as numerator and
denominator (so a split target is one exact quotient)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

from kpiengine.plan.periods import Period
from kpiengine.plan.ruleset import Targets
from kpiengine.plan.workdays import workdays


def period_share(
    period: Period, longer: Period, periods: Sequence[Period], config: Targets
) -> Fraction:
    """The part of `longer`'s target that falls in `period` (even, by weights or workdays)."""
    if config.split == "workdays":
        days = workdays(longer.start, longer.end)
        return Fraction(workdays(period.start, period.end), days) if days else Fraction(0)
    inside = [p for p in periods if longer.contains(p)]
    if config.split == "weights":
        weights = dict(zip((p.id for p in periods), config.weights, strict=False))
        total = sum((Fraction(weights.get(p.id, Decimal(0))) for p in inside), Fraction(0))
        return Fraction(weights.get(period.id, Decimal(0))) / total if total else Fraction(0)
    return Fraction(1, len(inside))


def on_board(start: date | None, period: Period, how: str | None) -> Fraction:
    """The share of the period a person who started on `start` was on board.

    months: the months in which they were on board by the 15th count; days: days on board.
    """
    if how is None or start is None or start <= period.start:
        return Fraction(1)
    if start >= period.end:
        return Fraction(0)
    if how == "days":
        return Fraction((period.end - start).days, period.days)
    months = [period_month(period, n) for n in range(period.months)]
    return Fraction(sum(1 for m in months if start <= m.replace(day=15)), period.months)


def period_month(period: Period, n: int) -> date:
    index = period.start.year * 12 + period.start.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)
