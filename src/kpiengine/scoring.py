"""Score one subject in one period: actuals, attainment, scores, total, grade, and the working."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kpiengine.aggregate import empty_value
from kpiengine.expressions import Expression
from kpiengine.numeric import COMPARED_PLACES, TOTAL_PLACES
from kpiengine.plan.ruleset import Aggregation, Grade, Indicator, Ruleset
from kpiengine.targets import ResolvedTarget
from kpiengine.text import tidy

TargetLookup = Callable[[Indicator], ResolvedTarget | None]


@dataclass
class Scored:
    """One indicator's numbers and how they came about, for results and for `explain`."""

    indicator: Indicator
    actual: Any
    target: ResolvedTarget | None
    attainment: Decimal | None = None
    score: Decimal = Decimal(0)
    formula: str = ""
    warnings: list[str] = field(default_factory=list)


def _level(ind: Indicator, value: Any, scored: Scored, what: str) -> Decimal | None:
    assert ind.levels is not None
    if value is None:
        return None
    if str(value) not in ind.levels:
        scored.warnings.append(
            f"{ind.name}: the {what} '{value}' is not one of the levels ({', '.join(ind.levels)})"
        )
        return None
    return ind.levels[str(value)]


def _ratio(top: Decimal, bottom: Decimal, scored: Scored, what: str) -> Decimal | None:
    if bottom == 0:
        scored.warnings.append(f"{scored.indicator.name}: attainment undefined, the {what} is 0")
        return None
    return top / bottom


def attainment(scored: Scored) -> Decimal | None:
    """actual / target, target / actual when lower is better, level / level for levels."""
    ind, target = scored.indicator, scored.target
    if scored.actual is None or target is None:
        return None
    if ind.levels:
        actual = _level(ind, scored.actual, scored, "result")
        goal = _level(ind, target.value, scored, "target")
        return None if actual is None or goal is None else _ratio(actual, goal, scored, "target")
    if not isinstance(scored.actual, Decimal) or not isinstance(target.value, Decimal):
        scored.warnings.append(f"{ind.name}: attainment needs a number for actual and target")
        return None
    if ind.better == "lower":
        return _ratio(target.value, scored.actual, scored, "result")
    return _ratio(scored.actual, target.value, scored, "target")


def own_names(scored: Scored) -> dict[str, Any]:
    ind = scored.indicator
    target = scored.target.value if scored.target else None
    return {
        "actual": scored.actual,
        "target": target,
        "attainment": scored.attainment,
        "weight": ind.weight,
    }


def default_score(scored: Scored) -> tuple[Decimal | None, str]:
    ind, att = scored.indicator, scored.attainment
    if att is None:
        return None, "weight × attainment (no attainment)"
    if ind.cap is not None:
        counted = min(att, ind.cap)
        text = (
            f"weight × min(attainment, cap) = {tidy(ind.weight)} × min({tidy(att)}, "
            f"{tidy(ind.cap)})"
        )
        return ind.weight * counted, text
    return ind.weight * att, f"weight × attainment = {tidy(ind.weight)} × {tidy(att)}"


def custom_score(scored: Scored, expr: Expression, names: Mapping[str, Any]) -> tuple[Any, str]:
    scope = {**names, **own_names(scored)}
    used = ", ".join(f"{n} = {tidy(scope.get(n))}" for n in sorted(expr.names))
    return expr.evaluate(scope), f"{expr.text} ({used})"


def score(scored: Scored, names: Mapping[str, Any]) -> None:
    if scored.actual is None:
        scored.formula = "no data, scored 0"
        return
    expr = scored.indicator.score
    value, text = custom_score(scored, expr, names) if expr else default_score(scored)
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        if not scored.warnings:
            scored.warnings.append(f"{scored.indicator.name}: no score, counted as 0")
        scored.formula = f"{text}: no score, counted as 0"
        return
    scored.score = Decimal(value)
    scored.formula = f"{text} = {tidy(scored.score)}"


def indicator_names(scored: Scored) -> dict[str, Any]:
    prefix = scored.indicator.id
    return {f"{prefix}.{k}": v for k, v in {**own_names(scored), "score": scored.score}.items()}


def actual_of(ind: Indicator, values: Mapping[str, Any], names: Mapping[str, Any]) -> Any:
    if isinstance(ind.actual, Aggregation):
        return values.get(ind.actual.rule, empty_value(ind.actual))
    return ind.actual.evaluate(names)


def score_indicators(
    ruleset: Ruleset,
    values: Mapping[str, Any],
    metrics: Mapping[str, Any],
    target_of: TargetLookup,
    period: str,
) -> list[Scored]:
    """Actuals in dependency order, then attainment, then scores (which may read the others)."""
    names: dict[str, Any] = dict(metrics)
    results: list[Scored] = []
    for ind in ruleset.evaluation_order:
        scored = Scored(ind, actual_of(ind, values, names), target_of(ind))
        if scored.actual is None:
            scored.warnings.append(f"{ind.name}: no data in {period}, scored 0")
        elif scored.target is None:
            scored.warnings.append(f"{ind.name}: no target for {period}, scored 0")
        scored.attainment = attainment(scored)
        names.update(indicator_names(scored))
        results.append(scored)
    for scored in results:
        score(scored, names)
        names.update(indicator_names(scored))
    return results


def total_of(scored: Sequence[Scored]) -> Decimal:
    """The sum of the scores, rounded half-up to TOTAL_PLACES."""
    total = sum((s.score for s in scored), Decimal(0))
    return total.quantize(Decimal(1).scaleb(-TOTAL_PLACES), ROUND_HALF_UP)


def compared(total: Decimal) -> Decimal:
    """The total as grades and ranks see it (COMPARED_PLACES, half-up)."""
    return total.quantize(Decimal(1).scaleb(-COMPARED_PLACES), ROUND_HALF_UP)


def grade_of(total: Decimal, grades: Sequence[Grade]) -> Grade | None:
    """The first band whose min the total (compared at COMPARED_PLACES) reaches."""
    return next((g for g in grades if compared(total) >= g.min), None)
