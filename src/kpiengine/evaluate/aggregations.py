"""Indicator and metric aggregations as SQL: one scan per source and date field, each aggregation
a filtered aggregate (`SUM(x) FILTER (WHERE …)`), grouped by owner × period index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from kpiengine.data.store import Store
from kpiengine.data.subjects import Subject
from kpiengine.evaluate.record_tiers import record_payout
from kpiengine.expressions import where_sql
from kpiengine.names import APERIOD, MEMBERS, MEMBERS_ARROW, OWNER, RECORD, SUBJECT
from kpiengine.plan.periods import MONTHS_PER, Period
from kpiengine.plan.ruleset import Aggregation, Frequency, Ruleset
from kpiengine.sql import ident


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
        order = f"{ident(agg.date)}, {ident(RECORD)}" if agg.date else ident(RECORD)
        return [f"LAST({v} ORDER BY {order}){_filter(agg, f'({v}) IS NOT NULL')}"]
    return [f"{agg.func.upper()}({v}){_filter(agg)}"]


def period_index_sql(date_column: str, frequency: Frequency) -> str:
    return f"(month({ident(date_column)}) - 1) // {MONTHS_PER[frequency]}"


def date_window_sql(date: str) -> str:
    """Records dated from the first parameter up to, not including, the second."""
    return f"{ident(date)} >= ? AND {ident(date)} < ?"


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
        where += f" AND {date_window_sql(date)}"
        params = [span[0].start, span[1].end]
    sql = (
        f"SELECT owner AS {ident(OWNER)}, {period} AS {ident(APERIOD)}, {', '.join(selects)} "
        f"FROM {view} "
        f"WHERE {where} GROUP BY ALL"
    )
    return sql, params


def by_group_view(view: str, group: str) -> str:
    """The source's records with `owner` replaced by the owner's group value."""
    return (
        f"(SELECT r.* REPLACE (m.{ident(group)} AS owner) FROM {view} AS r "
        f"JOIN {ident(MEMBERS)} AS m ON m.{ident(SUBJECT)} = r.owner)"
    )


def all_aggregations(ruleset: Ruleset) -> list[Aggregation]:
    """Every aggregation the plan runs: metrics, aggregated actuals, per-record incentive sums."""
    aggs = [m.aggregation for m in ruleset.metrics.values()]
    aggs += [i.actual for i in ruleset.indicators if isinstance(i.actual, Aggregation)]
    return aggs + [a for i in ruleset.incentives if (a := record_payout(i)) is not None]


def register_members(store: Store, subjects: Sequence[Subject], groups: Sequence[str]) -> None:
    """A table of subject id → group values, joined to records to aggregate by group."""
    columns = {SUBJECT: [s.id for s in subjects]}
    columns.update({g: [s.groups.get(g, "") for s in subjects] for g in groups})
    table = pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})
    arrow = MEMBERS_ARROW
    store.con.register(arrow, table)
    store.con.execute(f"CREATE OR REPLACE TABLE {ident(MEMBERS)} AS SELECT * FROM {ident(arrow)}")
    store.con.unregister(arrow)
