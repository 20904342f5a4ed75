"""One incentive line for one subject and period: the amount, exact to the cent, and its working."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kpiengine.curves import curve_value
from kpiengine.expressions import Expression
from kpiengine.money import round_money
from kpiengine.plan.ruleset import Incentive, Ruleset, Tiers
from kpiengine.text import tidy
from kpiengine.tiers import flat, marginal, next_tier

CURRENCY_SIGNS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}


@dataclass
class Line:
    """An incentive line: what it paid (rounded half-up) and how, for `explain`."""

    incentive: Incentive
    amount: Decimal = Decimal(0)
    applies: bool = True
    working: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.working.append(text)


def number_of(expr: Expression, names: Mapping[str, Any], line: Line, what: str) -> Decimal | None:
    value = expr.evaluate(names)
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        line.note(f"{what} {expr.text} has no value ({tidy(value)}), so this line pays 0")
        return None
    return Decimal(value)


def money(value: Decimal, ruleset: Ruleset) -> str:
    sign = CURRENCY_SIGNS.get(ruleset.currency, ruleset.currency + " ")
    return f"{sign}{value:,.2f}"


def period_tiers(
    tiers: Tiers, base_expr: Expression, names: Mapping[str, Any], line: Line, ruleset: Ruleset
) -> Decimal:
    on = number_of(tiers.on, names, line, "on")
    base = number_of(base_expr, names, line, "base")
    if on is None or base is None:
        return Decimal(0)
    line.note(f"on = {tiers.on.text} = {tidy(on)}; base = {base_expr.text} = {tidy(base)}")
    if tiers.mode == "flat":
        chosen = flat(on, base, tiers.rates)
        line.note(
            f"flat: {tidy(on)} is in the tier from {tidy(chosen.low)}, so the whole base "
            f"earns {chosen.rate:%}: {tidy(base)} × {tidy(chosen.rate)} = {tidy(chosen.amount)}"
        )
        total = chosen.amount
    else:
        slices = [s for s in marginal(on, base, tiers.rates) if s.size > 0]
        for s in slices:
            top = "∞" if s.high is None else tidy(s.high)
            line.note(
                f"slice {tidy(s.low)}–{top}: {tidy(s.size)} at {s.rate:%} = "
                f"{tidy(s.rate)} × {tidy(base)} × {tidy(s.size)} / {tidy(on)} = {tidy(s.amount)}"
            )
        total = sum((s.amount for s in slices), Decimal(0))
    line.note(distance_to_next(tiers, on, names, ruleset))
    return total


def distance_to_next(tiers: Tiers, on: Decimal, names: Mapping[str, Any], ruleset: Ruleset) -> str:
    """How far the person is from the next tier, in the indicator's own terms where possible."""
    step = next_tier(on, tiers.rates)
    if step is None:
        return "already in the top tier"
    gap, rate = step[0] - on, step[1]
    subject = _indicator_field(tiers.on)
    if subject is not None:
        indicator, fieldname = subject
        ind = next((i for i in ruleset.indicators if i.id == indicator), None)
        target = names.get(f"{indicator}.target")
        label = ind.name if ind else indicator
        if fieldname == "attainment" and isinstance(target, Decimal):
            more = gap * target
            shown = money(more, ruleset) if ind and ind.unit == "money" else tidy(more)
            return f"{shown} more {label} reaches the {rate:%} tier"
        if fieldname == "actual":
            shown = money(gap, ruleset) if ind and ind.unit == "money" else tidy(gap)
            return f"{shown} more {label} reaches the {rate:%} tier"
    return f"{tiers.on.text} must rise by {tidy(gap)} to reach the {rate:%} tier"


def _indicator_field(expr: Expression) -> tuple[str, str] | None:
    node = expr.node
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id, node.attr
    return None


def raw_amount(
    inc: Incentive,
    names: Mapping[str, Any],
    record_sums: Mapping[str, Any],
    honored: bool,
    line: Line,
    ruleset: Ruleset,
) -> Decimal:
    if inc.tiers is not None and inc.tiers.per == "record":
        total = Decimal(record_sums.get(f"incentives.{inc.id}") or 0)
        line.note(f"per record: each record's tiers applied on its own, summed = {tidy(total)}")
        return total
    if inc.tiers is not None and inc.base is not None:
        return period_tiers(inc.tiers, inc.base, names, line, ruleset)
    if inc.curve is not None:
        return curve_amount(inc, names, line)
    if inc.by_grade is not None:
        grade = names.get("grade")
        paid = inc.by_grade.get(str(grade), Decimal(0))
        line.note(
            f"grade {grade}: {tidy(paid)}"
            + ("" if str(grade) in inc.by_grade else " (this grade is not listed)")
        )
        return paid
    if inc.honor is not None:
        return honor_amount(inc, names, honored, line)
    if inc.amount is not None:
        value = number_of(inc.amount, names, line, "amount")
        line.note(f"amount = {inc.amount.text} = {tidy(value)}")
        return value or Decimal(0)
    return Decimal(0)


def curve_amount(inc: Incentive, names: Mapping[str, Any], line: Line) -> Decimal:
    assert inc.curve is not None
    x = number_of(inc.curve.on, names, line, "on")
    amount = number_of(inc.curve.amount, names, line, "amount")
    if x is None or amount is None:
        return Decimal(0)
    y, segment = curve_value(x, inc.curve.points)
    line.note(
        f"curve at {inc.curve.on.text} = {tidy(x)}: {segment}, y = {tidy(y)}; "
        f"{tidy(amount)} × {tidy(y)} = {tidy(amount * y)}"
    )
    return amount * y


def honor_amount(inc: Incentive, names: Mapping[str, Any], honored: bool, line: Line) -> Decimal:
    assert inc.honor is not None
    if not honored:
        line.applies = False
        line.note(f"not among the top {inc.honor.top} by {inc.honor.rank_by.text}")
        return Decimal(0)
    line.note(f"among the top {inc.honor.top} by {inc.honor.rank_by.text}")
    if inc.amount is None:
        return Decimal(0)
    return number_of(inc.amount, names, line, "amount") or Decimal(0)


def gate_holds(inc: Incentive, names: Mapping[str, Any], line: Line) -> bool:
    if inc.gate is None:
        return True
    used = ", ".join(f"{n} = {tidy(names.get(n))}" for n in sorted(inc.gate.names))
    if inc.gate.evaluate(names) is True:
        line.note(f"gate {inc.gate.text} holds ({used})")
        return True
    line.note(f"gate {inc.gate.text} does not hold ({used}), so this line pays 0")
    return False


def modify(inc: Incentive, amount: Decimal, names: Mapping[str, Any], line: Line) -> Decimal:
    """multiplier, then minimum (when the line applies), then cap."""
    if inc.multiplier is not None:
        factor = number_of(inc.multiplier, names, line, "multiplier") or Decimal(0)
        line.note(f"× multiplier {inc.multiplier.text} = {tidy(factor)}: {tidy(amount * factor)}")
        amount *= factor
    if inc.minimum is not None and line.applies and amount < inc.minimum:
        line.note(f"raised to the minimum {tidy(inc.minimum)}")
        amount = inc.minimum
    if inc.cap is not None and amount > inc.cap:
        line.note(f"capped at {tidy(inc.cap)}")
        amount = inc.cap
    return amount


def evaluate_line(
    inc: Incentive,
    names: Mapping[str, Any],
    record_sums: Mapping[str, Any],
    honored: bool,
    ruleset: Ruleset,
    places: int,
) -> Line:
    line = Line(inc)
    if not gate_holds(inc, names, line):
        line.applies = False
        return line
    amount = modify(inc, raw_amount(inc, names, record_sums, honored, line, ruleset), names, line)
    line.amount = round_money(amount, places)
    line.note(f"= {tidy(amount)}, rounded half-up to {line.amount:.{places}f}")
    return line
