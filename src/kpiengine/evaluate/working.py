"""The working `explain` shows, as columns of the same plan: each incentive line's steps (the
SQL the line itself is built from), its tier slices, curve point and the next tier, and the
next grade band. Added only when a run is traced; a run's numbers never depend on them."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from decimal import Decimal

from kpiengine.evaluate.frame import Frame
from kpiengine.evaluate.incentives import curve_point_sql, line_steps
from kpiengine.evaluate.marginal import flat_rate_sql, marginal_sql, upper
from kpiengine.evaluate.scores import COMPARED, expression_sql
from kpiengine.expressions import Expression
from kpiengine.names import GRADE, NEXT_BAND, TO_NEXT_BAND, working_column
from kpiengine.numeric import exact_constant
from kpiengine.plan.ruleset import Grade, Incentive, Rate, Ruleset
from kpiengine.sql import ident, literal

GRADE_SQL = ident(GRADE)
_d = exact_constant


def slice_parts(index: int) -> tuple[str, str]:
    """The working columns' parts for tier slice `index`: its size, and what it earned."""
    return f"slice{index}:size", f"slice{index}:amount"


def marginal_working(on: str, base: str, rates: Sequence[Rate]) -> dict[str, str]:
    """Each slice of `on` and what it earns, by the line's own marginal arithmetic with every
    other tier's rate set to 0 (so the slices are exact, as the line is)."""
    columns = {}
    for index, (low, _) in enumerate(rates):
        high = upper(rates, index)
        top = on if high is None else f"LEAST({on}, {_d(high)})"
        size_part, amount_part = slice_parts(index)
        columns[size_part] = f"GREATEST({top} - {_d(low)}, 0)"
        alone = [(lo, rate if n == index else Decimal(0)) for n, (lo, rate) in enumerate(rates)]
        columns[amount_part] = marginal_sql(on, base, alone)
    return columns


def next_tier_working(on: str, rates: Sequence[Rate]) -> dict[str, str]:
    """The first tier above `on` (its `from` and rate), and how far `on` is from it."""
    if len(rates) < 2:
        return {}
    rate = " ".join(f"WHEN {on} < {_d(low)} THEN {_d(value)}" for low, value in rates[1:])
    start = (
        f"(CASE {' '.join(f'WHEN {on} < {_d(low)} THEN {_d(low)}' for low, _ in rates[1:])} END)"
    )
    return {"next_rate": f"(CASE {rate} END)", "next_from": start, "next_gap": f"{start} - {on}"}


def tier_working(inc: Incentive) -> dict[str, str]:
    tiers = inc.tiers
    if tiers is None or tiers.per != "period" or inc.base is None:
        return {}
    on, base = f"({expression_sql(tiers.on)})", f"({expression_sql(inc.base)})"
    columns = {"on": on, "base": base}
    if tiers.mode == "marginal":
        columns |= marginal_working(on, base, tiers.rates)
    else:
        columns["rate"] = flat_rate_sql(on, tiers.rates, _d)
    columns |= next_tier_working(on, tiers.rates)
    target = attainment_target(tiers.on)
    if target is not None and "next_gap" in columns:
        columns["next_actual_gap"] = f"({columns['next_gap']}) * {ident(target)}"
    return columns


def indicator_field(expr: Expression) -> tuple[str, str] | None:
    """(`revenue`, `attainment`) when the expression is just `revenue.attainment`."""
    node = expr.node
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id, node.attr
    return None


def attainment_target(on: Expression) -> str | None:
    """`revenue.target` when tiers are on `revenue.attainment`: the next tier in revenue's terms."""
    field = indicator_field(on)
    return f"{field[0]}.target" if field is not None and field[1] == "attainment" else None


def kind_working(inc: Incentive) -> dict[str, str]:
    """The values the line's kind reads: tiers' on and base, a curve's point, an amount."""
    if inc.curve is not None:
        return {
            "on": f"({expression_sql(inc.curve.on)})",
            "y": curve_point_sql(inc.curve),
            "amount": f"({expression_sql(inc.curve.amount)})",
        }
    if inc.tiers is not None:
        return tier_working(inc)
    if inc.amount is not None:
        return {"amount": f"({expression_sql(inc.amount)})"}
    return {}


def incentive_working(inc: Incentive, places: int) -> dict[str, str]:
    steps = {k: v for k, v in line_steps(inc, places).items() if k != "line"}
    return {working_column(inc.id, k): v for k, v in (steps | kind_working(inc)).items()}


def band_working(grades: Sequence[Grade]) -> dict[str, str]:
    """The band above the row's grade and the points still missing to reach it."""
    above = list(zip(grades[1:], grades, strict=False))
    if not above:
        return {}
    names = " ".join(f"WHEN {literal(g.grade)} THEN {literal(up.grade)}" for g, up in above)
    gaps = " ".join(f"WHEN {literal(g.grade)} THEN {_d(up.min)} - {COMPARED}" for g, up in above)
    lowest = grades[-1]
    return {
        NEXT_BAND: f"(CASE {GRADE_SQL} {names} ELSE CASE WHEN {GRADE_SQL} IS NULL "
        f"THEN {literal(lowest.grade)} END END)",
        TO_NEXT_BAND: f"(CASE {GRADE_SQL} {gaps} ELSE CASE WHEN {GRADE_SQL} IS NULL "
        f"THEN {_d(lowest.min)} - {COMPARED} END END)",
    }


def add_working(frame: Frame, ruleset: Ruleset, places: int) -> None:
    columns = band_working(ruleset.grades)
    for inc in ruleset.incentives:
        columns |= incentive_working(inc, places)
    frame.add(columns)
