"""Records a rule counts but cannot read whole: a blank date (no period holds the record), a blank
value (the sum skips it), a date outside the plan's calendar."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from kpiengine.checks.model import Check
from kpiengine.checks.scope import Scope, agree, plural
from kpiengine.expressions import where_sql
from kpiengine.plan.periods import calendar_span
from kpiengine.plan.ruleset import Aggregation
from kpiengine.sql import ident


def _condition(aggs: Iterable[Aggregation]) -> str:
    """Records at least one of the aggregations keeps (before dates)."""
    wheres = {where_sql(a.where, ident) if a.where else "TRUE" for a in aggs}
    return "TRUE" if "TRUE" in wheres else " OR ".join(f"({w})" for w in sorted(wheres))


def _readers(scope: Scope) -> tuple[dict[tuple[str, str], list[Aggregation]], ...]:
    """(source, field) → the aggregations that date records by it; and those that sum it."""
    dates: dict[tuple[str, str], list[Aggregation]] = defaultdict(list)
    values: dict[tuple[str, str], list[Aggregation]] = defaultdict(list)
    for agg in scope.aggregations():
        if agg.date:
            dates[(agg.source, agg.date)].append(agg)
        for name in agg.value.names if agg.value is not None else ():
            if name not in ("owner", agg.date) and name in scope.store.fields.get(agg.source, {}):
                values[(agg.source, name)].append(agg)
    return dates, values


def _blank(field: str, source: str, scope: Scope) -> str:
    column = ident(field)
    if scope.store.fields.get(source, {}).get(field) == "string":
        return f"({column} IS NULL OR trim({column}) = '')"
    return f"{column} IS NULL"


def _blank_dates(scope: Scope, source: str, field: str, aggs: list[Aggregation]) -> list[Check]:
    count, first = scope.first_records(
        source, f"({_condition(aggs)}) AND {ident(field)} IS NULL", []
    )
    if not count:
        return []
    return [
        Check(
            "value-blank",
            "warning",
            f"source '{source}': {plural(count, 'record')} the plan counts "
            f"{agree(count, 'has', 'have')} no {field}, so no period holds them "
            f"(first: {', '.join(first)}) — fill in the date",
            source,
            {"records": count},
            tuple(first),
        )
    ]


def _outside_calendar(
    scope: Scope, source: str, field: str, aggs: list[Aggregation]
) -> list[Check]:
    start, end = calendar_span(scope.ruleset.calendar)
    column = ident(field)
    where = f"({_condition(aggs)}) AND ({column} < ? OR {column} >= ?)"
    count, first = scope.first_records(source, where, [start, end])
    if not count:
        return []
    return [
        Check(
            "records-outside-calendar",
            "info",
            f"source '{source}': {plural(count, 'record')} the plan would count "
            f"{agree(count, 'has', 'have')} a {field} outside the plan's calendar ({start} to "
            f"{end}) and {agree(count, 'is', 'are')} not counted "
            f"(first: {', '.join(first)}); expected when the export holds other years",
            source,
            {"records": count},
            tuple(first),
        )
    ]


def _blank_values(scope: Scope, source: str, field: str, aggs: list[Aggregation]) -> list[Check]:
    window, params = scope.in_window(source)
    where = f"({_condition(aggs)}) AND {window} AND {_blank(field, source, scope)}"
    count, first = scope.first_records(source, where, params)
    if not count:
        return []
    return [
        Check(
            "value-blank",
            "warning",
            f"source '{source}': {plural(count, 'record')} the plan counts in "
            f"{scope.window_text} {agree(count, 'has', 'have')} no {field}, so they add nothing "
            f"(first: {', '.join(first)}) — fill in the value",
            source,
            {"records": count},
            tuple(first),
        )
    ]


def counted_checks(scope: Scope) -> list[Check]:
    """Blank dates, blank values and dates outside the calendar, on the records rules keep."""
    dates, values = _readers(scope)
    checks = []
    for (source, field), aggs in sorted(dates.items()):
        checks += _blank_dates(scope, source, field, aggs)
        checks += _outside_calendar(scope, source, field, aggs)
    for (source, field), aggs in sorted(values.items()):
        checks += _blank_values(scope, source, field, aggs)
    return checks
