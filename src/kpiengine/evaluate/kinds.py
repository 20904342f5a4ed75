"""The kinds loading could not know: an expression that calls a plugin's function gives what
its SQL gives, known once DuckDB has bound it. Such an expression is checked against what its
place needs before anything is published — a true/false value where a number belongs is refused,
naming the rule and the subject, never counted as 1."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from kpiengine.errors import KpiEngineError
from kpiengine.evaluate.frame import NOT_DECIMAL, Frame, column
from kpiengine.evaluate.scores import OWN, field
from kpiengine.expressions import Expression
from kpiengine.expressions.failure import failure_message
from kpiengine.expressions.kinds import Kind
from kpiengine.names import PERIOD, ROW_ORDER, SUBJECT
from kpiengine.numeric import exact_divide
from kpiengine.plan.kinds import CONDITION, LEVEL, NUMBER, Wanted
from kpiengine.plan.ruleset import Incentive, Indicator, Ruleset
from kpiengine.sql import ident

Names = Callable[[str], str]
Slot = tuple[Expression, Wanted, Names]


def sql_kind(sql_type: str) -> Kind:
    """The expression kind of a DuckDB type."""
    if sql_type == "BOOLEAN":
        return "bool"
    if sql_type in NOT_DECIMAL or sql_type.startswith("DECIMAL"):
        return "number"
    if sql_type.startswith(("DATE", "TIMESTAMP")):
        return "date"
    if sql_type.strip('"') == "NULL":
        return "null"
    return "text"


def _indicator_slots(ind: Indicator) -> Iterator[Slot]:
    if isinstance(ind.actual, Expression):
        yield ind.actual, LEVEL if ind.levels else NUMBER, column
    if ind.score is not None:

        def own(name: str) -> str:
            return field(ind, name) if name in OWN else column(name)

        yield ind.score, NUMBER, own


def _incentive_slots(inc: Incentive) -> Iterator[Slot]:
    per_record = inc.tiers is not None and inc.tiers.per == "record"
    numbers = [inc.amount, inc.multiplier]
    numbers += [] if per_record else [inc.base, inc.tiers.on if inc.tiers else None]
    numbers += [inc.curve.on, inc.curve.amount] if inc.curve else []
    numbers += [inc.honor.rank_by] if inc.honor else []
    yield from ((e, NUMBER, column) for e in numbers if e is not None)
    if inc.gate is not None:
        yield inc.gate, CONDITION, column


def slots(ruleset: Ruleset) -> Iterator[Slot]:
    """Each result expression of the plan, what it must give, and how it reads its names."""
    for ind in ruleset.indicators:
        yield from _indicator_slots(ind)
    for inc in ruleset.incentives:
        yield from _incentive_slots(inc)
    for item in ruleset.feedback:
        yield item.when, CONDITION, column


def check_kinds(people: Frame, ruleset: Ruleset) -> None:
    """Raise KpiEngineError for the first expression whose kind was not known at load and does
    not fit its place (bound by DuckDB, nothing computed)."""
    for expr, wanted, names in slots(ruleset):
        if expr.value_kind != "any":
            continue  # checked when the ruleset was loaded
        sql = expr.to_sql(names, exact_divide)
        bound = people.con.sql(f"SELECT {sql} FROM {people.table} AS t LIMIT 0")
        refusal = wanted.refusal(sql_kind(str(bound.types[0])))
        if refusal is not None:
            reason = f"{refusal}, for {_first_row(people)} alike (a function gives it: its kind "
            reason += "shows only once the plan runs)"
            raise KpiEngineError(failure_message(expr.rule, expr.text, reason))


def _first_row(people: Frame) -> str:
    row = people.con.sql(
        f"SELECT {ident(SUBJECT)}, {ident(PERIOD)} FROM {people.table} "
        f"ORDER BY {ident(ROW_ORDER)} LIMIT 1"
    ).fetchall()
    return f"subject '{row[0][0]}' in {row[0][1]} and every other" if row else "every subject"
