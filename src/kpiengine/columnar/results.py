"""The wording of a row's warnings and feedback, read from a fetched frame row."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kpiengine.columnar.spine import PERIOD
from kpiengine.ruleset import Indicator, Ruleset

Row = Mapping[str, Any]
"""A fetched frame row: numbers already Decimal (see Frame.rows), texts, ranks as integers."""


def _level_warnings(ind: Indicator, actual: Any, target: Any) -> list[str]:
    assert ind.levels is not None
    found = []
    for what, given in (("result", actual), ("target", target)):
        if str(given) not in ind.levels:
            found.append(
                f"{ind.name}: the {what} '{given}' is not one of the levels "
                f"({', '.join(ind.levels)})"
            )
    return found


def _attainment_warnings(ind: Indicator, actual: Any, target: Any) -> list[str]:
    if ind.levels:
        found = _level_warnings(ind, actual, target)
        if not found and ind.levels[str(target)] == 0:
            found.append(f"{ind.name}: attainment undefined, the target is 0")
        return found
    if not isinstance(actual, Decimal) or not isinstance(target, Decimal):
        return [f"{ind.name}: attainment needs a number for actual and target"]
    if ind.better == "lower" and actual == 0:
        return [f"{ind.name}: attainment undefined, the result is 0"]
    if ind.better != "lower" and target == 0:
        return [f"{ind.name}: attainment undefined, the target is 0"]
    return []


def indicator_warnings(ind: Indicator, row: Row, period: str) -> list[str]:
    """The row evaluator's warnings for one indicator, in its words and order."""
    actual, target = row[f"{ind.id}.actual"], row[f"{ind.id}.target"]
    if actual is None:
        return [f"{ind.name}: no data in {period}, scored 0"]
    found = [f"{ind.name}: no target for {period}, scored 0"] if target is None else []
    if target is not None and row[f"{ind.id}.attainment"] is None:
        found += _attainment_warnings(ind, actual, target)
    if row[f"{ind.id}.raw_score"] is None and not found:
        found.append(f"{ind.name}: no score, counted as 0")
    return found


def warnings(ruleset: Ruleset, row: Row) -> tuple[str, ...]:
    period = row[PERIOD]
    return tuple(
        w for ind in ruleset.evaluation_order for w in indicator_warnings(ind, row, period)
    )


def feedback(ruleset: Ruleset, row: Row) -> tuple[str, ...]:
    names = {k: v for k, v in row.items() if not k.startswith("__")}
    return tuple(
        item.message.render(names)
        for number, item in enumerate(ruleset.feedback)
        if row[f"__feedback:{number}"]
    )


INDICATOR_COLUMNS = ("actual", "target", "attainment", "score", "raw_score")
