"""Indicator and metric aggregations, run on DuckDB: one scan per source and date field,
each aggregation a filtered aggregate (`SUM(x) FILTER (WHERE …)`), grouped by subject × period."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from kpiengine.data.store import Store
from kpiengine.expressions import where_sql
from kpiengine.plan.periods import MONTHS_PER, Period
from kpiengine.plan.ruleset import Aggregation, Frequency
from kpiengine.sql import ident

Key = tuple[str, str]
"""(subject, period id)."""
Values = dict[Key, dict[str, Any]]
"""(subject, period) → aggregation rule → value."""


def value_sql(agg: Aggregation) -> str:
    if agg.value_sql is not None:
        return agg.value_sql
    return "*" if agg.value is None else agg.value.to_sql(ident)


def _filter(agg: Aggregation, extra: str | None = None) -> str:
    conditions = [c for c in (where_sql(agg.where, ident) if agg.where else None, extra) if c]
    return f" FILTER (WHERE {' AND '.join(conditions)})" if conditions else ""


def aggregate_sql(agg: Aggregation) -> list[str]:
    """The SQL aggregate(s) for one aggregation; avg is a sum and a count, divided exactly later."""
    v = value_sql(agg)
    if agg.func == "avg":
        return [f"SUM({v}){_filter(agg)}", f"COUNT({v}){_filter(agg)}"]
    if agg.func == "count_distinct":
        return [f"COUNT(DISTINCT {v}){_filter(agg)}"]
    if agg.func == "last":
        order = f"{ident(agg.date)}, __row" if agg.date else "__row"
        return [f"LAST({v} ORDER BY {order}){_filter(agg, f'({v}) IS NOT NULL')}"]
    return [f"{agg.func.upper()}({v}){_filter(agg)}"]


def period_index_sql(date_column: str, frequency: Frequency) -> str:
    return f"(month({ident(date_column)}) - 1) // {MONTHS_PER[frequency]}"


def group_sql(
    view: str,
    aggs: Sequence[Aggregation],
    date: str | None,
    frequency: Frequency,
    span: tuple[Period, Period],
) -> tuple[str, list[Any]]:
    selects = [s for agg in aggs for s in aggregate_sql(agg)]
    period = period_index_sql(date, frequency) if date else "NULL"
    where = "owner IS NOT NULL"
    params: list[Any] = []
    if date:
        where += f" AND {ident(date)} >= ? AND {ident(date)} < ?"
        params = [span[0].start, span[1].end]
    sql = (
        f"SELECT owner, {period} AS __period, {', '.join(selects)} FROM {view} "
        f"WHERE {where} GROUP BY ALL"
    )
    return sql, params


MEMBERS = "__members"
"""The table of subjects and their groups, for aggregating a group's records together."""


def by_group_view(view: str, group: str) -> str:
    """The source's records with `owner` replaced by the owner's group value."""
    return (
        f"(SELECT r.* REPLACE (m.{ident(group)} AS owner) FROM {view} AS r "
        f"JOIN {MEMBERS} AS m ON m.id = r.owner)"
    )


def _finish(agg: Aggregation, raw: list[Any]) -> Any:
    if agg.func == "avg":
        total, count = raw
        return None if not count else Decimal(total) / Decimal(count)
    value = raw[0]
    if agg.func in ("sum", "count", "count_distinct"):
        return (
            Decimal(0)
            if value is None
            else Decimal(repr(value) if isinstance(value, float) else value)
        )
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(repr(value))
    return value


def _widths(aggs: Sequence[Aggregation]) -> list[int]:
    """How many SQL columns each aggregation takes (avg: a sum and a count)."""
    return [2 if a.func == "avg" else 1 for a in aggs]


def _store_row(
    values: Values,
    aggs: Sequence[Aggregation],
    row: tuple[Any, ...],
    periods: dict[int, str],
    all_periods: Iterable[str],
) -> None:
    owner, index, rest = str(row[0]), row[1], list(row[2:])
    targets = [periods[index]] if index is not None else list(all_periods)
    offset = 0
    for agg, width in zip(aggs, _widths(aggs), strict=True):
        value = _finish(agg, rest[offset : offset + width])
        offset += width
        for pid in targets:
            values[(owner, pid)][agg.rule] = value


def run_aggregations(
    store: Store,
    aggs: Sequence[Aggregation],
    frequency: Frequency,
    periods: Sequence[Period],
    by_group: str | None = None,
) -> Values:
    """Every aggregation's value for each (subject, period) that has records — or, `by_group`,
    for each (group value, period), over the records of the group's members."""
    groups: dict[tuple[str, str | None], list[Aggregation]] = defaultdict(list)
    for agg in aggs:
        groups[(agg.source, agg.date)].append(agg)
    index = {(p.start.month - 1) // MONTHS_PER[frequency]: p.id for p in periods}
    values: Values = defaultdict(dict)
    for (source, date), members in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
    ):
        view = store.view(source)
        view = by_group_view(view, by_group) if by_group else view
        sql, params = group_sql(view, members, date, frequency, (periods[0], periods[-1]))
        for row in store.query(sql, params):
            if row[1] is None or row[1] in index:
                _store_row(values, members, row, index, index.values())
    return values


def empty_value(agg: Aggregation) -> Any:
    """The value of an aggregation over no records: 0 for sums and counts, no data otherwise."""
    return Decimal(0) if agg.additive else None
