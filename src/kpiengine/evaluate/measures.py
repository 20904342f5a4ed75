"""Aggregations joined onto the frame, then metrics and aggregated actuals as columns."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from kpiengine.data.store import Store
from kpiengine.evaluate.aggregations import by_group_view, group_sql
from kpiengine.evaluate.frame import Frame
from kpiengine.names import APERIOD, MEMBERS, OWNER, PIDX, SUBJECT, agg_column, agg_table
from kpiengine.numeric import exact_divide
from kpiengine.plan.periods import Period
from kpiengine.plan.ruleset import Aggregation, Ruleset
from kpiengine.sql import ident


def _aliases(agg: Aggregation) -> list[str]:
    parts = ["#sum", "#count"] if agg.func == "avg" else [""]
    return [agg_column(agg.rule, p) for p in parts]


ROLLUP = {"sum": "SUM", "count": "SUM", "min": "MIN", "max": "MAX"}
"""How a group's value follows from its members' values (avg from their sums and counts)."""


def rollup_sql(people_table: str, members: Sequence[Aggregation], group: str) -> str | None:
    """A group's aggregates from its members' (people × period rows instead of every record),
    or None when one of them cannot be rolled up (count_distinct, last)."""
    parts = []
    for agg in members:
        if agg.func == "avg":
            parts += [f"SUM({ident(c)}) AS {ident(c)}" for c in _aliases(agg)]
        elif agg.func in ROLLUP:
            column = ident(agg_column(agg.rule))
            parts.append(f"{ROLLUP[agg.func]}({column}) AS {column}")
        else:
            return None
    return (
        f"SELECT m.{ident(group)} AS {ident(OWNER)}, a.{ident(APERIOD)}, {', '.join(parts)} "
        f"FROM {ident(people_table)} AS a JOIN {ident(MEMBERS)} AS m "
        f"ON m.{ident(SUBJECT)} = a.{ident(OWNER)} GROUP BY ALL"
    )


def join_aggregations(
    frame: Frame,
    store: Store,
    ruleset: Ruleset,
    aggs: Sequence[Aggregation],
    periods: Sequence[Period],
    key: str = SUBJECT,
    by_group: str | None = None,
    people: str | None = None,
) -> None:
    """One scan per (source, date field) into a table, joined on (key, period) to the frame.

    For a group (`by_group`), aggregates that roll up are taken from the people frame's table
    of the same scan (prefix `people`) instead of scanning every record again.
    """
    scans: dict[tuple[str, str | None], list[Aggregation]] = defaultdict(list)
    for agg in aggs:
        scans[(agg.source, agg.date)].append(agg)
    for number, ((source, date), members) in enumerate(sorted(scans.items(), key=_order)):
        table = agg_table(frame.prefix, source, date)
        rolled = None
        if by_group and people:
            rolled = rollup_sql(agg_table(people, source, date), members, by_group)
        sql, params = (
            (rolled, [])
            if rolled is not None
            else _scan_sql(store, ruleset, source, date, members, periods, by_group)
        )
        frame.con.execute(f"CREATE OR REPLACE TABLE {ident(table)} AS {sql}", params)
        alias = f"a{number}"
        on = f"{alias}.{ident(OWNER)} = t.{ident(key)}"
        if date:
            on += f" AND {alias}.{ident(APERIOD)} = t.{ident(PIDX)}"
        columns = {c: f"{alias}.{ident(c)}" for agg in members for c in _aliases(agg)}
        frame.add(columns, f"LEFT JOIN {ident(table)} AS {alias} ON {on}")


def _scan_sql(
    store: Store,
    ruleset: Ruleset,
    source: str,
    date: str | None,
    members: Sequence[Aggregation],
    periods: Sequence[Period],
    by_group: str | None,
) -> tuple[str, list[Any]]:
    view = store.view(source)
    view = by_group_view(view, by_group) if by_group else view
    span = (periods[0], periods[-1])
    sql, params = group_sql(view, members, date, ruleset.calendar.frequency, span)
    return _named(sql, members), params


def _order(item: tuple[tuple[str, str | None], list[Aggregation]]) -> tuple[str, str]:
    return item[0][0], item[0][1] or ""


def _named(sql: str, aggs: Sequence[Aggregation]) -> str:
    """The aggregation query with its value columns named after their rules."""
    names = [OWNER, APERIOD, *(c for agg in aggs for c in _aliases(agg))]
    return f"SELECT * FROM ({sql}) AS q({', '.join(ident(n) for n in names)})"


def value_sql(agg: Aggregation) -> str:
    """The aggregation's value over the joined columns: 0 for empty sums, no data for empty avg."""
    if agg.func == "avg":
        total, count = (ident(c) for c in _aliases(agg))
        return exact_divide(total, f"NULLIF({count}, 0)")
    value = ident(agg_column(agg.rule))
    if agg.additive:
        return f"COALESCE({value}, 0)"
    return value


def add_measures(frame: Frame, ruleset: Ruleset) -> None:
    """Metrics by id, and each aggregated indicator's `<id>.actual`."""
    aggs = {mid: m.aggregation for mid, m in ruleset.metrics.items()}
    for ind in ruleset.indicators:
        if isinstance(ind.actual, Aggregation):
            aggs[f"{ind.id}.actual"] = ind.actual
    columns = {name: value_sql(agg) for name, agg in aggs.items()}
    frame.add(columns, rules={name: agg.rule for name, agg in aggs.items()})
