"""Result rows as objects, read from a result table for outputs that want one object per row
(the console, the Jiandaoyun write-back). They are a view: the table is the results."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

import pyarrow as pa

from kpiengine.results.layout import IndicatorInfo, Layout, ResultColumn, indicator_key
from kpiengine.results.table import ResultTable
from kpiengine.results.text import Value, read_column

Cells = Mapping[str, Any]


class IndicatorResult(NamedTuple):
    """One indicator of one subject in one period (a named tuple: a run makes millions)."""

    id: str
    name: str
    unit: str | None
    actual: Value
    target: Value
    attainment: Decimal | None
    score: Decimal
    weight: Decimal


@dataclass(frozen=True)
class SubjectResult:
    """One row of the result table: one subject in one period."""

    subject: str
    name: str
    period: str
    groups: Mapping[str, str]
    indicators: Mapping[str, IndicatorResult]
    metrics: Mapping[str, Value]
    total: Decimal
    grade: str | None
    grade_name: str | None
    ranks: Mapping[str, int]
    incentives: Mapping[str, Decimal] = field(default_factory=dict)
    payout: Decimal = Decimal("0")
    honors: tuple[str, ...] = ()
    feedback: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupResult:
    """One group row of the result table: a group's members together, scored on the sums."""

    group: str
    value: str
    period: str
    members: tuple[str, ...]
    indicators: Mapping[str, IndicatorResult]
    metrics: Mapping[str, Value]
    total: Decimal
    grade: str | None
    warnings: tuple[str, ...] = ()


def _rows(table: pa.Table, columns: Sequence[ResultColumn]) -> Iterator[dict[str, Any]]:
    keys = [c.key for c in columns]
    for batch in table.to_batches():
        values = [read_column(c.kind, batch.column(c.key).to_pylist()) for c in columns]
        for row in zip(*values, strict=True):
            yield dict(zip(keys, row, strict=True))


def _indicators(layout: Layout, row: Cells) -> dict[str, IndicatorResult]:
    def get(ind: IndicatorInfo, field: str) -> Any:
        return row[indicator_key(ind.id, field)]

    return {
        ind.id: IndicatorResult(
            id=ind.id,
            name=ind.name,
            unit=ind.unit,
            actual=get(ind, "actual"),
            target=get(ind, "target"),
            attainment=get(ind, "attainment"),
            score=get(ind, "score") or Decimal(0),
            weight=ind.weight,
        )
        for ind in layout.indicators
    }


def subject_result(layout: Layout, row: Cells) -> SubjectResult:
    return SubjectResult(
        subject=row["subject"],
        name=row["name"],
        period=row["period"],
        groups={g: row[f"group:{g}"] for g in layout.groups},
        indicators=_indicators(layout, row),
        metrics={m: row[f"metric:{m}"] for m, _ in layout.metrics},
        total=row["total"] or Decimal(0),
        grade=row["grade"],
        grade_name=row["grade_name"],
        ranks={g: row[f"rank:{g}"] for g in layout.ranks},
        incentives={i: row[f"line:{i}"] for i in layout.incentives},
        payout=row["payout"] if row["payout"] is not None else Decimal(0),
        honors=row["honors"] or (),
        feedback=row["feedback"] or (),
        warnings=row["warnings"] or (),
    )


def group_result(layout: Layout, row: Cells) -> GroupResult:
    return GroupResult(
        group=row["group"],
        value=row["value"],
        period=row["period"],
        members=row["members"] or (),
        indicators=_indicators(layout, row),
        metrics={m: row[f"metric:{m}"] for m, _ in layout.metrics},
        total=row["total"] or Decimal(0),
        grade=row["grade"],
        warnings=row["warnings"] or (),
    )


def subject_results(table: ResultTable) -> tuple[SubjectResult, ...]:
    """The table's subject rows as objects, in its order."""
    layout = table.layout
    return tuple(subject_result(layout, r) for r in _rows(table.subjects, layout.subject_columns()))


def group_results(table: ResultTable) -> tuple[GroupResult, ...]:
    """The table's group rows as objects, in its order."""
    layout = table.layout
    return tuple(group_result(layout, r) for r in _rows(table.groups, layout.group_columns()))
