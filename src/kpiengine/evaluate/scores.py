"""Derived actuals, attainment, scores, total, grade and ranks as columns of the frame."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from kpiengine.evaluate.frame import Frame, column
from kpiengine.expressions import Expression
from kpiengine.names import (
    GRADE,
    GRADE_NAME,
    PERIOD,
    SUBJECT,
    TOTAL,
    estimate_column,
    group_column,
    rank_column,
    raw_score_column,
    weighted_column,
)
from kpiengine.numeric import (
    COMPARED_PLACES,
    EXACT_SQL,
    SOURCE_SQL,
    TOTAL_PLACES,
    exact_constant,
    exact_divide,
    exact_product_quotient,
    quotient_estimate,
)
from kpiengine.numeric import number_literal as number
from kpiengine.plan.ruleset import Grade, Indicator, Ruleset
from kpiengine.sql import ident, literal

_SUBJECT = ident(SUBJECT)
_PERIOD = ident(PERIOD)

OWN = ("actual", "target", "attainment", "weight")
COMPARED = f"ROUND({ident(TOTAL)}, {COMPARED_PLACES})"
"""The total as grades and ranks see it (see `kpiengine.numeric.COMPARED_PLACES`)."""


def field(ind: Indicator, name: str) -> str:
    return ident(f"{ind.id}.{name}")


def rule(ind: Indicator, part: str) -> str:
    """The rule a column of the indicator comes from, for messages: `indicators[0].score`."""
    return f"{ind.rule or ind.id}.{part}"


def expression_sql(expr: Expression, names: Callable[[str], str] = column) -> str:
    """An expression over the frame's columns; quotients come back as exact decimals."""
    return expr.to_sql(names, exact_divide)


def add_derived_actuals(frame: Frame, ruleset: Ruleset) -> None:
    """Indicators computed from others, in dependency order: a stage each."""
    for ind in ruleset.evaluation_order:
        if isinstance(ind.actual, Expression):
            column = f"{ind.id}.actual"
            frame.add({column: expression_sql(ind.actual)}, rules={column: ind.actual.rule})


def _level(ind: Indicator, value: str) -> str:
    assert ind.levels is not None
    cases = " ".join(f"WHEN {literal(k)} THEN {number(v)}" for k, v in ind.levels.items())
    return f"(CASE CAST({value} AS VARCHAR) {cases} END)"


def _operands(ind: Indicator) -> tuple[str, str]:
    """Top and bottom of the indicator's attainment (and of its weighted score)."""
    actual, target = field(ind, "actual"), field(ind, "target")
    if ind.levels:
        return _level(ind, actual), f"NULLIF({_level(ind, target)}, 0)"
    if ind.better == "lower":
        return target, f"NULLIF({actual}, 0)"
    return actual, f"NULLIF({target}, 0)"


Quotient = tuple[Decimal, str, str]
"""factor × top / bottom."""


def add_quotients(
    frame: Frame,
    quotients: Mapping[str, Quotient],
    rules: Mapping[str, str],
    beside: Mapping[str, str] | None = None,
) -> None:
    """Exact quotients as columns (with the `beside` columns), each reading its DOUBLE estimate
    from a column of the stage before: the plan's SQL then spells each estimate once, and DuckDB
    binds it faster. `rules` names the rule each quotient belongs to."""
    estimates = {name: estimate_column(name) for name in quotients}
    frame.add({estimates[n]: quotient_estimate(*q) for n, q in quotients.items()})
    columns = {
        name: exact_product_quotient(*q, estimate=ident(estimates[name]))
        for name, q in quotients.items()
    }
    frame.add(columns | dict(beside or {}), rules=rules)


def add_attainment(frame: Frame, ruleset: Ruleset) -> None:
    inds = ruleset.indicators
    add_quotients(
        frame,
        {f"{i.id}.attainment": (Decimal(1), *_operands(i)) for i in inds},
        {f"{i.id}.attainment": rule(i, "attainment") for i in inds},
        {f"{i.id}.weight": f"CAST({number(i.weight)} AS {SOURCE_SQL})" for i in inds},
    )


def add_weighted(frame: Frame, inds: Sequence[Indicator]) -> None:
    """weight × attainment as one quotient (weight × actual / target): the score is then exact
    to its last place, where weight × a rounded attainment would carry the rounding × weight.
    A column of its own: nested in the CASE that caps it, the quotient would cost DuckDB four
    times as much."""
    add_quotients(
        frame,
        {weighted_column(i.id): (i.weight, *_operands(i)) for i in inds},
        {weighted_column(i.id): rule(i, "score") for i in inds},
    )


def score_sql(ind: Indicator) -> str:
    """The score before `no data` and `no score` become 0 (NULL when there is none)."""
    if ind.score is not None:

        def names(name: str) -> str:
            return field(ind, name) if name in OWN else column(name)

        return expression_sql(ind.score, names)
    weighted, attainment = ident(weighted_column(ind.id)), field(ind, "attainment")
    if ind.cap is not None:  # LEAST skips NULLs: no attainment must stay no score
        capped = exact_constant(ind.weight * ind.cap)
        return f"CASE WHEN {attainment} IS NOT NULL THEN LEAST({weighted}, {capped}) END"
    return f"CASE WHEN {attainment} IS NOT NULL THEN {weighted} END"


def add_scores(frame: Frame, ruleset: Ruleset) -> None:
    """Each score as an exact decimal: no data or no score counts 0; a score too large for the
    engine's decimals stops the run (never 0)."""
    inds = ruleset.indicators
    add_weighted(frame, [i for i in inds if i.score is None])
    rules = {raw_score_column(i.id): rule(i, "score") for i in inds}
    frame.add({raw_score_column(i.id): score_sql(i) for i in inds}, rules=rules)
    frame.add(
        {
            f"{i.id}.score": (
                f"CASE WHEN {field(i, 'actual')} IS NULL THEN 0 "
                f"ELSE COALESCE(CAST({ident(raw_score_column(i.id))} AS {EXACT_SQL}), 0) END"
            )
            for i in inds
        },
        rules={f"{i.id}.score": rule(i, "score") for i in inds},
    )


def grade_sql(grades: Sequence[Grade], value: Callable[[Grade], str | None]) -> str:
    """The first band whose min the total reaches."""
    if not grades:
        return "NULL"
    cases = " ".join(
        f"WHEN {COMPARED} >= {number(g.min)} THEN {literal(text) if (text := value(g)) else 'NULL'}"
        for g in grades
    )
    return f"(CASE {cases} END)"


def add_total_and_grade(frame: Frame, ruleset: Ruleset) -> None:
    scores = " + ".join(field(i, "score") for i in ruleset.indicators) or "0"
    frame.add({TOTAL: f"ROUND({scores}, {TOTAL_PLACES})"}, rules={TOTAL: "total"})
    frame.add(
        {
            GRADE: grade_sql(ruleset.grades, lambda g: g.grade),
            GRADE_NAME: grade_sql(ruleset.grades, lambda g: g.name),
        }
    )


def add_ranks(frame: Frame, groups: Sequence[str]) -> None:
    """Each subject's rank by total within each group and period. The windows run over a narrow
    table (key, group, total) — over the whole frame they would sort every column along."""
    if not groups:
        return
    frame.materialize()  # read twice below
    table = ident(f"{frame.prefix}_ranks")
    ranks = ", ".join(
        f"RANK() OVER (PARTITION BY {_PERIOD}, {ident(group_column(g))} ORDER BY {COMPARED} DESC) "
        f"AS {ident(rank_column(g))}"
        for g in groups
    )
    frame.con.execute(
        f"CREATE OR REPLACE TABLE {table} AS "
        f"SELECT {_SUBJECT}, {_PERIOD}, {ranks} FROM {frame.table}"
    )
    frame.add(
        {rank_column(g): f"rk.{ident(rank_column(g))}" for g in groups},
        f"JOIN {table} AS rk ON rk.{_SUBJECT} = t.{_SUBJECT} AND rk.{_PERIOD} = t.{_PERIOD}",
    )


def score_frame(frame: Frame, ruleset: Ruleset) -> None:
    """Everything from derived actuals to the grade, in the order names become available."""
    add_derived_actuals(frame, ruleset)
    add_attainment(frame, ruleset)
    add_scores(frame, ruleset)
    add_total_and_grade(frame, ruleset)
