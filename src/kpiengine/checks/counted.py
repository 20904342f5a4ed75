"""Records a rule counts but cannot read whole: a blank date (no period holds the record), a blank
value (the sum skips it), a date outside the plan's calendar."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kpiengine.checks.census import Census
from kpiengine.checks.model import Check
from kpiengine.checks.scope import Scope, agree, plural
from kpiengine.expressions import where_sql
from kpiengine.plan.periods import calendar_span
from kpiengine.plan.ruleset import Aggregation
from kpiengine.sql import ident


@dataclass(frozen=True)
class Question:
    """Records of one source and field a check counts: `where` with its parameters."""

    kind: str  # "blank date", "outside", "blank value"
    source: str
    field: str
    where: str
    params: tuple[Any, ...] = ()


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


def questions(scope: Scope) -> list[Question]:
    """Blank dates and dates outside the calendar on the records rules keep; blank values on
    those they keep in the evaluated periods."""
    dates, values = _readers(scope)
    found = []
    for (source, field), aggs in sorted(dates.items()):
        keep, column = _condition(aggs), ident(field)
        # the cheap, selective test first: DuckDB then tests `keep` on the few records left
        found.append(Question("blank date", source, field, f"{column} IS NULL AND ({keep})"))
    for (source, field), aggs in sorted(values.items()):
        window, params = scope.in_window(source)
        where = f"{_blank(field, source, scope)} AND {window} AND ({_condition(aggs)})"
        found.append(Question("blank value", source, field, where, tuple(params)))
    return found


def ask_outside(scope: Scope, census: Census) -> None:
    """How many records have each date field outside the plan's calendar (one scan, with the
    other checks' counts)."""
    start, end = calendar_span(scope.ruleset.calendar)
    for source, field in _dated(scope):
        column = ident(field)
        census.ask(source, f"outside: {field}", f"{column} < ? OR {column} >= ?", [start, end])


def outside_checks(scope: Scope, census: Census) -> list[Check]:
    """A note per date field with records outside the calendar: the rules dated by it do not
    count them (usual when an export holds other years)."""
    start, end = calendar_span(scope.ruleset.calendar)
    found = []
    for source, field in _dated(scope):
        count = census[source, f"outside: {field}"]
        if count:
            have = agree(count, "has", "have")
            found.append(
                Check(
                    "records-outside-calendar",
                    "info",
                    f"source '{source}': {plural(count, 'record')} {have} a {field} outside "
                    f"the plan's calendar ({start} to {end}), so the rules dated by it do not "
                    "count them; expected when the export holds other years",
                    source,
                    {"records": count},
                )
            )
    return found


def _dated(scope: Scope) -> list[tuple[str, str]]:
    return sorted({(a.source, a.date) for a in scope.aggregations() if a.date})


def _found(scope: Scope, q: Question, count: int, first: list[str]) -> Check:
    source, field, have = q.source, q.field, agree(count, "has", "have")
    if q.kind == "blank date":
        what = f"the plan counts {have} no {field}, so no period holds them"
        fix = "fill in the date"
    else:
        what = f"the plan counts in {scope.window_text} {have} no {field}, so they add nothing"
        fix = "fill in the value"
    return Check(
        "value-blank",
        "warning",
        f"source '{source}': {plural(count, 'record')} {what} (first: {', '.join(first)}) — {fix}",
        source,
        {"records": count},
        tuple(first),
    )


def counted_checks(scope: Scope) -> list[Check]:
    """Blank dates, blank values and dates outside the calendar, on the records rules keep:
    a query each, its selective test first, so DuckDB reads the rules' conditions only on the
    few records with a blank or outlying value."""
    found = []
    for q in questions(scope):
        count, first = scope.first_records(q.source, q.where, list(q.params))
        if count:
            found.append(_found(scope, q, count, first))
    return found
