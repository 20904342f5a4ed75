"""A row's warnings as a list column, in a fixed wording and order:
worked out by DuckDB for every row at once, built only where a value is missing."""

from __future__ import annotations

from collections.abc import Mapping

from kpiengine.evaluate.frame import NOT_DECIMAL
from kpiengine.names import PERIOD, raw_score_column
from kpiengine.plan.ruleset import Indicator, Ruleset
from kpiengine.sql import ident, literal

NONE = "NULL::VARCHAR[]"


def _text(*parts: str) -> str:
    """A message from literal text and SQL values: `_text("'a: '", "x")`."""
    return " || ".join(parts)


def _one(*parts: str) -> str:
    return f"[{_text(*parts)}]"


def _number(sql_type: str) -> bool:
    return sql_type in NOT_DECIMAL or sql_type.startswith("DECIMAL")


def _levels_sql(ind: Indicator) -> str:
    """A result or target that is not one of the levels; else a target level worth 0."""
    assert ind.levels is not None
    known = ", ".join(literal(level) for level in ind.levels)
    listed = literal(f"' is not one of the levels ({', '.join(ind.levels)})")
    given = {f: f"CAST({ident(f'{ind.id}.{f}')} AS VARCHAR)" for f in ("actual", "target")}
    found = [
        f"CASE WHEN {given[field]} NOT IN ({known}) THEN "
        f"{_one(literal(f'{ind.name}: the {what} ' + chr(39)), given[field], listed)} END"
        for what, field in (("result", "actual"), ("target", "target"))
    ]
    zero = [literal(level) for level, value in ind.levels.items() if value == 0]
    if zero:
        undefined = _one(literal(f"{ind.name}: attainment undefined, the target is 0"))
        both = f"{given['actual']} IN ({known}) AND {given['target']} IN ({', '.join(zero)})"
        found.append(f"CASE WHEN {both} THEN {undefined} END")
    return f"list_concat({', '.join(found)})"


def _attainment_sql(ind: Indicator, types: Mapping[str, str]) -> str:
    """Why there is no attainment though actual and target are there."""
    if ind.levels:
        return _levels_sql(ind)
    actual, target = ident(f"{ind.id}.actual"), ident(f"{ind.id}.target")
    if not _number(types[f"{ind.id}.actual"]) or not _number(types[f"{ind.id}.target"]):
        return _one(literal(f"{ind.name}: attainment needs a number for actual and target"))
    if ind.better == "lower":
        message = _one(literal(f"{ind.name}: attainment undefined, the result is 0"))
        return f"CASE WHEN {actual} = 0 THEN {message} END"
    message = _one(literal(f"{ind.name}: attainment undefined, the target is 0"))
    return f"CASE WHEN {target} = 0 THEN {message} END"


def indicator_sql(ind: Indicator, types: Mapping[str, str]) -> str:
    """One indicator's warnings: no data; else no target, why no attainment, or no score."""

    def column(field: str) -> str:
        if field == "raw_score":
            return ident(raw_score_column(ind.id))
        return ident(f"{ind.id}.{field}")

    period = f"t.{ident(PERIOD)}"
    no_data = _one(literal(f"{ind.name}: no data in "), period, literal(", scored 0"))
    no_target = _one(literal(f"{ind.name}: no target for "), period, literal(", scored 0"))
    no_score = _one(literal(f"{ind.name}: no score, counted as 0"))
    attainment = f"CASE WHEN {column('attainment')} IS NULL THEN {_attainment_sql(ind, types)} END"
    found = f"CASE WHEN {column('target')} IS NULL THEN {no_target} ELSE {attainment} END"
    return (
        f"CASE WHEN {column('actual')} IS NULL THEN {no_data} "
        f"WHEN {column('raw_score')} IS NULL AND COALESCE(len({found}), 0) = 0 THEN {no_score} "
        f"ELSE {found} END"
    )


def flagged_sql(ruleset: Ruleset) -> str:
    """Rows with a missing value somewhere: the only ones that can have a warning."""
    found = [
        f"{ident(name)} IS NULL"
        for ind in ruleset.indicators
        for name in (
            *(f"{ind.id}.{f}" for f in ("actual", "target", "attainment")),
            raw_score_column(ind.id),
        )
    ]
    return " OR ".join(found) or "FALSE"


def warnings_sql(ruleset: Ruleset, types: Mapping[str, str]) -> str:
    """The row's warnings, indicator by indicator in evaluation order."""
    if not ruleset.indicators:
        return "[]::VARCHAR[]"
    lists = ", ".join(indicator_sql(ind, types) for ind in ruleset.evaluation_order)
    return f"CASE WHEN {flagged_sql(ruleset)} THEN list_concat({lists}, []) ELSE [] END"
