"""Incentive lines as columns: tiers, curves, grade bonuses, honors and formulas, with gate,
multiplier, minimum and cap, each line rounded half-up to the currency's minor unit."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from kpiengine.evaluate.frame import Frame
from kpiengine.evaluate.marginal import flat_rate_sql, marginal_sql
from kpiengine.evaluate.record_tiers import record_payout
from kpiengine.evaluate.scores import expression_sql
from kpiengine.names import (
    GRADE,
    PERIOD,
    SUBJECT,
    agg_column,
    group_column,
    honored_column,
    line_column,
    shown_column,
)
from kpiengine.numeric import (
    EXACT_SQL,
    decimal_type,
    exact_constant,
    exact_product_quotient,
    settled,
)
from kpiengine.plan.ruleset import Aggregation, Curve, Incentive, Rate, Tiers
from kpiengine.sql import ident, literal

_d = exact_constant  # read often below: a constant as an exact decimal


def flat_sql(on: str, base: str, rates: Sequence[Rate]) -> str:
    return f"{flat_rate_sql(on, rates, _d)} * {base}"


def tiers_sql(tiers: Tiers, base: str) -> str:
    on = f"({expression_sql(tiers.on)})"
    render = marginal_sql if tiers.mode == "marginal" else flat_sql
    return f"COALESCE({render(on, f'({base})', tiers.rates)}, 0)"


def curve_sql(curve: Curve) -> str:
    return f"COALESCE(({expression_sql(curve.amount)}) * {curve_point_sql(curve)}, 0)"


def curve_point_sql(curve: Curve) -> str:
    """The curve's y at x = `on`: linear between points, flat beyond the first and the last."""
    x = f"({expression_sql(curve.on)})"
    (x0, y0), (xn, yn) = curve.points[0], curve.points[-1]
    cases = [f"WHEN {x} <= {_d(x0)} THEN {_d(y0)}", f"WHEN {x} >= {_d(xn)} THEN {_d(yn)}"]
    for (xa, ya), (xb, yb) in zip(curve.points, curve.points[1:], strict=False):
        slope = exact_product_quotient(yb - ya, f"{x} - {_d(xa)}", _d(xb - xa))
        cases.append(f"WHEN {x} <= {_d(xb)} THEN {_d(ya)} + {slope}")
    return f"(CASE {' '.join(cases)} END)"


def by_grade_sql(amounts: dict[str, Decimal] | None) -> str:
    cases = " ".join(f"WHEN {literal(g)} THEN {_d(v)}" for g, v in (amounts or {}).items())
    return f"(CASE {ident(GRADE)} {cases} ELSE 0 END)" if cases else "0"


def rank_sql(inc: Incentive, value: str) -> str:
    """The rank by the honor's value within its period (and group), best first."""
    assert inc.honor is not None
    partition = ident(PERIOD)
    if inc.honor.within:
        partition += f", {ident(group_column(inc.honor.within))}"
    return f"RANK() OVER (PARTITION BY {partition} ORDER BY {value} DESC NULLS LAST)"


def add_honored(frame: Frame, honors: Sequence[Incentive]) -> None:
    """Among the top N (ties at the cut-off included) by a positive value, within the group.

    The windows run over a narrow table (key, value, rank): over the whole frame they would sort
    every column along."""
    if not honors:
        return
    frame.materialize()
    table = ident(f"{frame.prefix}_honors")
    groups = sorted({inc.honor.within for inc in honors if inc.honor and inc.honor.within})
    keys = [ident(c) for c in (SUBJECT, PERIOD, *(group_column(g) for g in groups))]
    values, columns = [], []
    for number, inc in enumerate(honors):
        assert inc.honor is not None
        value = frame.guard(f"({expression_sql(inc.honor.rank_by)})", inc.honor.rank_by.rule)
        values.append(f"{value} AS v{number}")
        won = f"COALESCE(v{number} > 0, FALSE) AND {rank_sql(inc, f'v{number}')} <= {inc.honor.top}"
        columns.append(f"{won} AS h{number}")
    # the values first, in a query of their own: a checked value may raise, and a window may
    # not order by anything that can
    frame.con.execute(
        f"CREATE OR REPLACE TABLE {table} AS "
        f"SELECT {ident(SUBJECT)}, {ident(PERIOD)}, {', '.join(columns)} FROM "
        f"(SELECT {', '.join(f't.{k}' for k in keys)}, {', '.join(values)} "
        f"FROM {frame.table} AS t)"
    )
    frame.add(
        {honored_column(inc.id): f"hn.h{number}" for number, inc in enumerate(honors)},
        f"JOIN {table} AS hn ON hn.{ident(SUBJECT)} = t.{ident(SUBJECT)} "
        f"AND hn.{ident(PERIOD)} = t.{ident(PERIOD)}",
    )


def raw_sql(inc: Incentive) -> str:
    """What the line pays before its modifiers."""
    if inc.tiers is not None and inc.tiers.per == "record":
        return f"COALESCE({ident(agg_column(_record(inc).rule))}, 0)"
    if inc.tiers is not None and inc.base is not None:
        return tiers_sql(inc.tiers, expression_sql(inc.base))
    if inc.curve is not None:
        return curve_sql(inc.curve)
    if inc.by_grade is not None:
        return by_grade_sql(dict(inc.by_grade))
    amount = f"COALESCE({expression_sql(inc.amount)}, 0)" if inc.amount is not None else "0"
    if inc.honor is not None:
        return f"CASE WHEN {ident(honored_column(inc.id))} THEN {amount} ELSE 0 END"
    return amount


def _record(inc: Incentive) -> Aggregation:
    found = record_payout(inc)
    assert found is not None
    return found


def _gate_sql(inc: Incentive) -> str:
    return f"COALESCE({expression_sql(inc.gate)}, FALSE)" if inc.gate is not None else "TRUE"


def line_steps(inc: Incentive, places: int) -> dict[str, str]:
    """The line, step by step: each step's SQL reads the step before. `line` is the amount the
    run pays; `explain` shows the steps before it (as working columns computed by the same SQL)."""
    gate = _gate_sql(inc)
    applies = gate
    if inc.honor is not None:
        applies = f"({gate} AND {ident(honored_column(inc.id))})"
    steps = {"gate": gate, "raw": f"CAST({raw_sql(inc)} AS {EXACT_SQL})"}
    amount = steps["raw"]
    if inc.multiplier is not None:
        steps["factor"] = f"COALESCE({expression_sql(inc.multiplier)}, 0)"
        amount = steps["multiplied"] = f"CAST({amount} * {steps['factor']} AS {EXACT_SQL})"
    if inc.minimum is not None:
        amount = steps["floored"] = (
            f"CASE WHEN {applies} THEN GREATEST({amount}, {_d(inc.minimum)}) ELSE {amount} END"
        )
    if inc.cap is not None:
        amount = steps["capped"] = f"LEAST({amount}, {_d(inc.cap)})"
    steps["unrounded"] = amount
    steps["line"] = (
        f"CASE WHEN {gate} THEN {settled(amount, places)} "
        f"ELSE CAST(0 AS {decimal_type(places)}) END"
    )
    return steps


def line_sql(inc: Incentive, places: int) -> str:
    return line_steps(inc, places)["line"]


def shown_sql(inc: Incentive) -> str:
    """An honor is listed when it is won and its gate holds."""
    return f"({_gate_sql(inc)} AND {ident(honored_column(inc.id))})"


def add_incentives(frame: Frame, incentives: Sequence[Incentive], places: int) -> None:
    honors = [i for i in incentives if i.honor is not None]
    add_honored(frame, honors)
    lines = {line_column(i.id): line_sql(i, places) for i in incentives}
    rules = {line_column(i.id): i.rule or i.id for i in incentives}
    frame.add(lines | {shown_column(i.id): shown_sql(i) for i in honors}, rules=rules)
