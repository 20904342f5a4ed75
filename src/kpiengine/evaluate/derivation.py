"""The working behind one subject's results, read from the plan's own columns (never
recomputed): each row of the traced people frame, and the records each aggregation counted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kpiengine.data.store import Store
from kpiengine.evaluate.aggregations import date_window_sql
from kpiengine.evaluate.frame import Frame
from kpiengine.expressions import where_sql
from kpiengine.names import RECORD, ROW_ORDER, SUBJECT
from kpiengine.plan.periods import Period
from kpiengine.plan.ruleset import Aggregation
from kpiengine.sql import ident, literal

MAX_RECORDS = 20
WHOLE = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"})
"""Column types read as integers (ranks, counts), not as decimals."""


@dataclass(frozen=True)
class Records:
    """The records an aggregation counted for one subject and period (the first few of them)."""

    count: int
    columns: list[str]
    first: list[tuple[Any, ...]]


def frame_rows(frame: Frame, subject: str) -> list[dict[str, Any]]:
    """Every column of the subject's rows, in period order."""
    types = frame.types()
    whole = [c for c, kind in types.items() if kind in WHOLE]
    where = f"{ident(SUBJECT)} = {literal(subject)}"
    return frame.rows(ident(ROW_ORDER), list(types), whole=whole, where=where)


def _scope(agg: Aggregation, subject: str, period: Period) -> tuple[str, list[Any]]:
    """The records the plan's aggregation reads for one owner and period: same `where`, same
    date window."""
    conditions, params = ["owner = ?"], list[Any]([subject])
    if agg.date:
        conditions.append(date_window_sql(agg.date))
        params += [period.start, period.end]
    if agg.where is not None:
        conditions.append(where_sql(agg.where, ident))
    return " AND ".join(conditions), params


def record_count(store: Store, agg: Aggregation, subject: str, period: Period) -> int:
    """How many records an aggregation counted for one subject and period."""
    return _count(store, agg.source, *_scope(agg, subject, period))


def _count(store: Store, source: str, where: str, params: list[Any]) -> int:
    return int(
        store.query(f"SELECT count(*) FROM {store.view(source)} WHERE {where}", params)[0][0]
    )


def counted_records(store: Store, agg: Aggregation, subject: str, period: Period) -> Records:
    """The records an aggregation counted for one subject and period: how many, and the first."""
    where, params = _scope(agg, subject, period)
    count, view = _count(store, agg.source, where, params), store.view(agg.source)
    columns = sorted(store.fields[agg.source])
    select = ", ".join(ident(c) for c in columns)
    order = f"{ident(agg.date)}, {ident(RECORD)}" if agg.date else ident(RECORD)
    sql = f"SELECT {select} FROM {view} WHERE {where} ORDER BY {order} LIMIT {MAX_RECORDS}"
    return Records(count, columns, store.query(sql, params))
