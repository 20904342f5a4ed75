"""The frames' rows as the engine's Results: indicators, warnings, feedback, lines and honors."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kpiengine.columnar.incentives import line_column, shown_column
from kpiengine.columnar.spine import NAME, PERIOD, SUBJECT, group_column
from kpiengine.results import GroupResult, IndicatorResult, SubjectResult
from kpiengine.ruleset import Indicator, Ruleset

Row = Mapping[str, Any]
"""A fetched frame row: numbers already Decimal (see Frame.rows), texts, ranks as integers."""


def indicator_result(ind: Indicator, row: Row) -> IndicatorResult:
    def get(name: str) -> Any:
        return row[f"{ind.id}.{name}"]

    return IndicatorResult(
        id=ind.id,
        name=ind.name,
        unit=ind.unit,
        actual=get("actual"),
        target=get("target"),
        attainment=get("attainment"),
        score=get("score"),
        weight=ind.weight,
    )


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


def common_columns(ruleset: Ruleset) -> list[str]:
    fields = [f"{i.id}.{f}" for i in ruleset.indicators for f in INDICATOR_COLUMNS]
    return [PERIOD, *fields, *ruleset.metrics, "total", "grade"]


def subject_columns(ruleset: Ruleset) -> list[str]:
    """What the results read of the people frame: nothing else is fetched into Python."""
    groups = ruleset.subjects.groups
    feedback = [n for item in ruleset.feedback for n in item.message.names]
    return [
        SUBJECT,
        NAME,
        *common_columns(ruleset),
        "__grade_name",
        *(group_column(g) for g in groups),
        *(f"__rank:{g}" for g in groups),
        *(line_column(i) for i in ruleset.incentives),
        *(shown_column(i) for i in ruleset.incentives if i.honor is not None),
        *(f"__feedback:{n}" for n in range(len(ruleset.feedback))),
        *feedback,
    ]


def group_columns(ruleset: Ruleset) -> list[str]:
    return ["__gvalue", "__member_ids", *common_columns(ruleset)]


def subject_result(ruleset: Ruleset, row: Row) -> SubjectResult:
    groups = {g: row[group_column(g)] for g in ruleset.subjects.groups}
    lines = {i.id: row[line_column(i)] for i in ruleset.incentives}
    return SubjectResult(
        subject=row[SUBJECT],
        name=row[NAME],
        period=row[PERIOD],
        groups=groups,
        indicators={i.id: indicator_result(i, row) for i in ruleset.indicators},
        metrics={m: row[m] for m in ruleset.metrics},
        total=row["total"] or Decimal(0),
        grade=row["grade"],
        grade_name=row["__grade_name"],
        ranks={g: row[f"__rank:{g}"] for g in ruleset.subjects.groups},
        incentives=lines,
        payout=sum(lines.values(), Decimal(0)),
        honors=tuple(
            i.name for i in ruleset.incentives if i.honor is not None and row[shown_column(i)]
        ),
        feedback=feedback(ruleset, row) if ruleset.feedback else (),
        warnings=warnings(ruleset, row),
    )


def group_result(ruleset: Ruleset, group: str, row: Row) -> GroupResult:
    return GroupResult(
        group=group,
        value=row["__gvalue"],
        period=row[PERIOD],
        members=tuple(row["__member_ids"]),
        indicators={i.id: indicator_result(i, row) for i in ruleset.indicators},
        metrics={m: row[m] for m in ruleset.metrics},
        total=row["total"] or Decimal(0),
        grade=row["grade"],
        warnings=warnings(ruleset, row),
    )
